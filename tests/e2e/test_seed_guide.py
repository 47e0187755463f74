"""The seed curl guide, request by request, exactly as it writes them."""
import re
import statistics
import time

import pytest

from conftest import (PASSWORD, assert_error, bearer, login, new_user, protected, signup,
                      unique_name)

JSON = {"Content-Type": "application/json"}


def test_healthz(shared_server):
    r = shared_server.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers["Cache-Control"] == "no-store"


def test_signup_created(shared_server):
    r = shared_server.post("/signup", headers=JSON,
                           data='{"username": "%s", "password": "%s"}' % (unique_name(), PASSWORD))
    assert r.status_code == 201
    assert r.json() == {"message": "User created successfully"}


def test_signup_taken_name_conflicts(shared_server):
    name = new_user(shared_server)
    r = shared_server.post("/signup", json={"username": name, "password": "another password"})
    assert r.status_code == 409
    assert r.json() == {"error": "user_exists", "message": "User already exists"}


def test_curl_default_content_type_is_accepted(shared_server):
    # `curl -d` without -H sends application/x-www-form-urlencoded.
    name = unique_name()
    body = '{"username": "%s", "password": "%s"}' % (name, PASSWORD)
    ctype = {"Content-Type": "application/x-www-form-urlencoded"}
    assert shared_server.post("/signup", headers=ctype, data=body).status_code == 201
    assert shared_server.post("/login", headers=ctype, data=body).status_code == 200


def test_login_answer(shared_server):
    name = new_user(shared_server)
    r = shared_server.post("/login", headers=JSON,
                           data='{"username": "%s", "password": "%s"}' % (name, PASSWORD))
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"message", "access_token", "refresh_token", "token_type", "expires_in",
                         "session_id"}
    assert body["message"] == "Login successful"
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["access_token"].count(".") == 2
    assert body["refresh_token"].startswith("lkr_")
    assert isinstance(body["session_id"], str) and body["session_id"]


def test_wrong_password_and_unknown_user_answer_identically(shared_server):
    name = new_user(shared_server)
    wrong = shared_server.post("/login", json={"username": name, "password": "not the password"})
    unknown = shared_server.post("/login", json={"username": unique_name("ghost"), "password": PASSWORD})
    expected = {"error": "invalid_credentials", "message": "Invalid credentials"}
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == expected
    assert wrong.content == unknown.content


@pytest.mark.timing
def test_wrong_password_and_unknown_user_take_similar_time(shared_server):
    name = new_user(shared_server)

    def timed(username):
        t0 = time.perf_counter()
        r = shared_server.post("/login", json={"username": username, "password": "not the password"})
        assert r.status_code == 401
        return time.perf_counter() - t0

    timed(name), timed("nobody-at-all")  # warm up
    wrong, unknown = [], []
    for _ in range(5):
        wrong.append(timed(name))
        unknown.append(timed(unique_name("ghost")))
    w, u = statistics.median(wrong), statistics.median(unknown)
    assert max(w, u) / min(w, u) < 3, f"median wrong password {w:.4f}s, unknown user {u:.4f}s"


def test_protected_greets_the_user(shared_server):
    name = new_user(shared_server)
    tokens = login(shared_server, name)
    r = shared_server.get("/protected", headers=bearer(tokens["access_token"]))
    assert r.status_code == 200
    assert r.json() == {
        "message": f"Hello, {name}. You have successfully accessed the protected route."}


def test_refresh_with_header_and_body(shared_server):
    name = new_user(shared_server)
    tokens = login(shared_server, name)
    rt = tokens["refresh_token"]
    r = shared_server.post("/refresh_token", headers={**bearer(rt), **JSON},
                           data='{"refresh_token": "%s"}' % rt)
    assert r.status_code == 200, r.text
    body = r.json()
    # The seed's fields; latchkey may add the rotated refresh token.
    assert set(body) - {"refresh_token"} == {"message", "new_access_token", "token_type", "expires_in"}
    assert body.get("refresh_token", rt).startswith("lkr_")
    assert body["message"] == "Token refreshed"
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert protected(shared_server, body["new_access_token"]).status_code == 200


def test_get_active_sessions(shared_server):
    name = new_user(shared_server)
    tokens = login(shared_server, name)
    r = shared_server.get("/get_active_sessions", headers=bearer(tokens["access_token"]))
    assert r.status_code == 200
    body = r.json()
    assert list(body) == ["active_sessions"]
    assert [s["session_id"] for s in body["active_sessions"]] == [tokens["session_id"]]


def test_logout_with_the_access_token_in_the_body(shared_server):
    name = new_user(shared_server)
    tokens = login(shared_server, name)
    at = tokens["access_token"]
    r = shared_server.post("/logout", headers={**bearer(at), **JSON}, data='{"token": "%s"}' % at)
    assert r.status_code == 200
    assert r.json() == {"message": "Logout successful"}
    assert_error(protected(shared_server, at), 401, "token_revoked", "Token has been revoked")


def test_whole_guide_in_order(shared_server):
    """signup, login, protected, refresh, sessions, logout, then nothing works."""
    name = unique_name()
    assert signup(shared_server, name) == {"message": "User created successfully"}
    t = login(shared_server, name)
    assert protected(shared_server, t["access_token"]).status_code == 200
    r = shared_server.post("/refresh_token", headers=bearer(t["refresh_token"]),
                           json={"refresh_token": t["refresh_token"]})
    assert r.status_code == 200
    new_at = r.json()["new_access_token"]
    assert protected(shared_server, new_at).status_code == 200
    r = shared_server.get("/get_active_sessions", headers=bearer(new_at))
    assert len(r.json()["active_sessions"]) == 1
    r = shared_server.post("/logout", headers=bearer(t["access_token"]), json={"token": t["access_token"]})
    assert r.status_code == 200
    for at in (t["access_token"], new_at):
        assert_error(protected(shared_server, at), 401, "token_revoked")
    r = shared_server.post("/refresh_token", headers=bearer(t["refresh_token"]),
                           json={"refresh_token": t["refresh_token"]})
    assert_error(r, 401, "token_revoked")


def test_every_answer_has_no_store_and_a_request_id(shared_server):
    name = new_user(shared_server)
    t = login(shared_server, name)
    answers = [
        shared_server.get("/healthz"),
        shared_server.post("/login", json={"username": name, "password": "wrong password"}),
        shared_server.get("/protected"),
        protected(shared_server, t["access_token"]),
        shared_server.get("/nowhere"),
        shared_server.request("DELETE", "/signup"),
        shared_server.post("/signup", data="{"),
    ]
    ids = set()
    for r in answers:
        assert r.headers.get("Cache-Control") == "no-store", r.url
        assert r.headers["Content-Type"].startswith("application/json"), r.url
        rid = r.headers.get("X-Request-Id")
        assert rid and re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", rid), (r.url, rid)
        ids.add(rid)
    assert len(ids) == len(answers), "generated request ids must differ"


def test_request_id_is_echoed_when_valid(shared_server):
    for rid in ("abc", "req-1.2_3:4", "x" * 128):
        r = shared_server.get("/healthz", headers={"X-Request-Id": rid})
        assert r.headers["X-Request-Id"] == rid


def test_request_id_is_replaced_when_invalid(shared_server):
    for rid in ("has space", "x" * 129, "semi;colon", "caf\u00e9".encode().decode("latin-1"), "a/b"):
        r = shared_server.get("/healthz", headers={"X-Request-Id": rid})
        got = r.headers.get("X-Request-Id")
        assert got and got != rid and re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", got), (rid, got)
