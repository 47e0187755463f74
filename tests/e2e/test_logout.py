"""POST /logout: what each body form ends, and that it ends nothing else."""
import time

import jwt
import pytest

from conftest import (TEST_SECRET, assert_error, bearer, jwt_claims, jwt_header, login, new_user,
                      protected, refresh, sessions)

OK = {"message": "Logout successful"}
NOT_FOUND = {"error": "session_not_found", "message": "Session not found"}


def logout(s, access_token, **kw):
    return s.post("/logout", headers=bearer(access_token), **kw)


def works(s, t):
    """True when both the access and the refresh token of login answer `t` work."""
    return protected(s, t["access_token"]).status_code == 200 and \
        refresh(s, t["refresh_token"]).status_code == 200


def ended(s, t):
    """Both tokens of `t` are refused as revoked."""
    a, r = protected(s, t["access_token"]), refresh(s, t["refresh_token"])
    assert_error(a, 401, "token_revoked")
    assert_error(r, 401, "token_revoked")
    return True


@pytest.fixture
def three(shared_server):
    """A user with three sessions (three logins)."""
    name = new_user(shared_server)
    return name, [login(shared_server, name) for _ in range(3)]


@pytest.mark.parametrize("form", ["access_token", "refresh_token", "session_id"])
def test_logout_session_2_of_3_by_each_form(shared_server, three, form):
    _, (s1, s2, s3) = three
    body = {"token": s2[form]} if form != "session_id" else {"session_id": s2["session_id"]}
    r = logout(shared_server, s1["access_token"], json=body)
    assert r.status_code == 200, r.text
    assert r.json() == OK
    assert ended(shared_server, s2)
    assert works(shared_server, s1) and works(shared_server, s3)
    listed = [x["session_id"] for x in sessions(shared_server, s1["access_token"])]
    assert sorted(listed) == sorted([s1["session_id"], s3["session_id"]])


@pytest.mark.parametrize("body", [None, "", "{}", '{"token": null}', "  \r\n"],
                         ids=["no-body", "empty", "empty-object", "null-token", "whitespace"])
def test_logout_without_target_ends_own_session(shared_server, three, body):
    _, (s1, s2, s3) = three
    headers = bearer(s2["access_token"])
    if body is None:
        r = shared_server.post("/logout", headers=headers)
    else:
        r = shared_server.post("/logout", headers={**headers, "Content-Type": "application/json"}, data=body)
    assert r.status_code == 200, r.text
    assert r.json() == OK
    assert ended(shared_server, s2)
    assert works(shared_server, s1) and works(shared_server, s3)


def test_logout_own_token_in_body(shared_server, three):
    _, (s1, s2, s3) = three
    r = logout(shared_server, s3["access_token"], json={"token": s3["access_token"]})
    assert r.status_code == 200
    assert ended(shared_server, s3)
    assert works(shared_server, s1) and works(shared_server, s2)


def test_other_users_token_or_session_is_not_found(shared_server):
    a, b = new_user(shared_server, prefix="alice"), new_user(shared_server, prefix="bob")
    ta, tb = login(shared_server, a), login(shared_server, b)
    for body in ({"token": tb["access_token"]}, {"token": tb["refresh_token"]},
                 {"session_id": tb["session_id"]}):
        r = logout(shared_server, ta["access_token"], json=body)
        assert r.status_code == 404, (body, r.text)
        assert r.json() == NOT_FOUND
    assert works(shared_server, tb)
    assert works(shared_server, ta)


@pytest.mark.parametrize("body", [
    {"token": "garbage"},
    {"token": "lkr_doesnotexist"},
    {"token": "a.b.c"},
    {"token": ""},
    {"session_id": "no-such-session"},
    {"session_id": ""},
], ids=["garbage", "unknown-refresh", "bad-jwt", "empty-token", "unknown-sid", "empty-sid"])
def test_garbage_target_is_not_found_and_ends_nothing(shared_server, three, body):
    _, (s1, s2, s3) = three
    r = logout(shared_server, s1["access_token"], json=body)
    assert r.status_code == 404, r.text
    assert r.json() == NOT_FOUND
    assert all(works(shared_server, t) for t in (s1, s2, s3))


def test_access_token_forged_with_another_key_is_not_found(shared_server, three):
    _, (s1, s2, _) = three
    c = jwt_claims(s2["access_token"])
    fake = jwt.encode(c, "another-key-that-is-long-enough-for-hs256-xx",
                      algorithm="HS256", headers={"typ": "at+jwt", "kid": jwt_header(s2["access_token"])["kid"]})
    r = logout(shared_server, s1["access_token"], json={"token": fake})
    assert r.status_code == 404
    assert works(shared_server, s2)


def test_already_ended_session_is_not_found(shared_server, three):
    _, (s1, s2, _) = three
    assert logout(shared_server, s1["access_token"], json={"session_id": s2["session_id"]}).status_code == 200
    for body in ({"session_id": s2["session_id"]}, {"token": s2["access_token"]},
                 {"token": s2["refresh_token"]}):
        r = logout(shared_server, s1["access_token"], json=body)
        assert r.status_code == 404, (body, r.text)
        assert r.json() == NOT_FOUND
    assert works(shared_server, s1)


def test_ended_session_cannot_log_out_again(shared_server, three):
    _, (s1, _, _) = three
    assert logout(shared_server, s1["access_token"]).status_code == 200
    r = logout(shared_server, s1["access_token"])
    assert_error(r, 401, "token_revoked", "Token has been revoked")


def test_refreshed_access_token_is_revoked_with_its_session(shared_server, three):
    _, (s1, s2, _) = three
    new_at = refresh(shared_server, s2["refresh_token"]).json()["new_access_token"]
    assert logout(shared_server, s1["access_token"], json={"token": s2["refresh_token"]}).status_code == 200
    assert_error(protected(shared_server, new_at), 401, "token_revoked")


def test_expired_access_token_still_names_its_session(shared_server, three):
    # An expired (but authentic) access token of the caller still identifies
    # its session, whose refresh token may be alive: logging it out works.
    _, (s1, s2, s3) = three
    now = int(time.time())
    c = dict(jwt_claims(s2["access_token"]), iat=now - 2000, exp=now - 1100)
    expired = jwt.encode(c, TEST_SECRET, algorithm="HS256", headers=jwt_header(s2["access_token"]))
    assert_error(protected(shared_server, expired), 401, "token_expired")
    r = logout(shared_server, s1["access_token"], json={"token": expired})
    assert r.status_code == 200, r.text
    assert ended(shared_server, s2)
    assert works(shared_server, s3)


def test_logout_needs_a_valid_access_token(shared_server, three):
    _, (s1, s2, _) = three
    r = shared_server.post("/logout", json={"token": s2["access_token"]})
    assert_error(r, 401, "token_missing")
    r = logout(shared_server, s1["refresh_token"], json={"token": s2["access_token"]})
    assert assert_error(r, 401, None)["error"] in ("invalid_token", "invalid_token_type")
    assert works(shared_server, s2)


@pytest.mark.parametrize("body", [{"token": 123}, {"token": ["x"]}, {"token": {"a": 1}},
                                  {"session_id": 5}, {"token": True}])
def test_wrongly_typed_target_is_400(shared_server, three, body):
    _, (s1, _, _) = three
    r = logout(shared_server, s1["access_token"], json=body)
    assert_error(r, 400, "invalid_request")
    assert works(shared_server, s1)


def test_logout_other_user_isolation(shared_server):
    """Brief: A with 3 sessions logs out session 2; B's token in A's body -> 404, B fine."""
    a, b = new_user(shared_server, prefix="a"), new_user(shared_server, prefix="b")
    s = [login(shared_server, a) for _ in range(3)]
    tb = login(shared_server, b)
    assert logout(shared_server, s[0]["access_token"], json={"token": s[1]["access_token"]}).status_code == 200
    assert ended(shared_server, s[1])
    assert works(shared_server, s[0]) and works(shared_server, s[2])
    assert len(sessions(shared_server, s[0]["access_token"])) == 2
    r = logout(shared_server, s[0]["access_token"], json={"token": tb["access_token"]})
    assert r.status_code == 404 and r.json() == NOT_FOUND
    assert works(shared_server, tb)
    assert len(sessions(shared_server, tb["access_token"])) == 1
