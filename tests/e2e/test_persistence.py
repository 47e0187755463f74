"""What survives a restart: users, sessions, revocations and the signing key."""
import signal
import sqlite3

import jwt
import pytest

from conftest import (TEST_SECRET, assert_error, bearer, jwt_header, login, new_user, protected,
                      refresh, sessions)


def build_state(s):
    """A user with sessions 1 and 3 alive and session 2 logged out."""
    name = new_user(s)
    t1, t2, t3 = (login(s, name) for _ in range(3))
    r = s.post("/logout", headers=bearer(t1["access_token"]), json={"session_id": t2["session_id"]})
    assert r.status_code == 200
    return name, t1, t2, t3


def check_state(s, name, t1, t2, t3):
    # The user can still log in.
    t4 = login(s, name)
    # Live sessions' old tokens still work, both access and refresh.
    for t in (t1, t3):
        assert protected(s, t["access_token"]).status_code == 200
        assert refresh(s, t["refresh_token"]).status_code == 200
    # The logged-out session stays ended: revocations come back from the DB.
    assert_error(protected(s, t2["access_token"]), 401, "token_revoked")
    assert_error(refresh(s, t2["refresh_token"]), 401, "token_revoked")
    listed = {x["session_id"] for x in sessions(s, t1["access_token"])}
    assert listed == {t1["session_id"], t3["session_id"], t4["session_id"]}


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_state_survives_restart_with_generated_key(server, how):
    state = build_state(server)
    if how == "sigterm":
        assert server.stop(signal.SIGTERM) == 0
    else:
        server.kill9()
    server.start()
    check_state(server, *state)


def test_state_survives_restart_with_secret_key(keyed_server):
    state = build_state(keyed_server)
    jwt.decode(state[1]["access_token"], TEST_SECRET, algorithms=["HS256"], audience="latchkey")
    keyed_server.restart()
    check_state(keyed_server, *state)


def test_every_acknowledged_write_survives_kill9(server):
    """Each 2xx answer is durable: signups, logins and logouts right before SIGKILL."""
    users = [new_user(server) for _ in range(3)]
    logins = {u: [login(server, u), login(server, u)] for u in users}
    for u in users:
        first, second = logins[u]
        assert server.post("/logout", headers=bearer(first["access_token"]),
                           json={"token": second["refresh_token"]}).status_code == 200
    last = new_user(server)  # acknowledged immediately before the kill
    server.kill9()
    server.start()
    login(server, last)
    for u in users:
        first, second = logins[u]
        assert protected(server, first["access_token"]).status_code == 200
        assert_error(protected(server, second["access_token"]), 401, "token_revoked")
        assert_error(refresh(server, second["refresh_token"]), 401, "token_revoked")
        r = server.post("/signup", json={"username": u, "password": "another password"})
        assert r.status_code == 409


def test_generated_key_is_stored_once_and_reused(server):
    name = new_user(server)
    before = login(server, name)["access_token"]
    server.restart()
    after = login(server, name)["access_token"]
    assert jwt_header(before)["kid"] == jwt_header(after)["kid"]
    server.restart()
    assert protected(server, before).status_code == 200
    db = sqlite3.connect(f"file:{server.workdir / 'latchkey.db'}?mode=ro", uri=True)
    try:
        # JWT_ALG's key and the RS256 one for ID tokens, each made once.
        assert db.execute("SELECT alg FROM signing_keys ORDER BY alg").fetchall() == [("ES256",), ("RS256",)]
    finally:
        db.close()


def test_tokens_of_one_database_are_not_valid_on_another(server_factory):
    a, b = server_factory(), server_factory()
    name = new_user(a)
    t = login(a, name)
    assert_error(protected(b, t["access_token"]), 401, "invalid_token")
    assert_error(refresh(b, t["refresh_token"]), 401, "invalid_token")


def test_changing_secret_key_invalidates_old_access_tokens(server_factory, tmp_path):
    s = server_factory(env={"SECRET_KEY": TEST_SECRET}, workdir=tmp_path / "w")
    name = new_user(s)
    t = login(s, name)
    assert s.stop() == 0
    s2 = server_factory(env={"SECRET_KEY": "x" * 40}, workdir=tmp_path / "w")
    assert_error(protected(s2, t["access_token"]), 401, "invalid_token")
    # Sessions live in the database: the refresh token still works and the
    # new access token is signed with the new key.
    r = refresh(s2, t["refresh_token"])
    assert r.status_code == 200
    jwt.decode(r.json()["new_access_token"], "x" * 40, algorithms=["HS256"], audience="latchkey")


def test_database_file_holds_no_plain_secrets(server):
    name = new_user(server, pw="plain-text-password-42")
    t = login(server, name, pw="plain-text-password-42")
    assert server.stop() == 0
    blob = b""
    for f in server.workdir.glob("latchkey.db*"):
        blob += f.read_bytes()
    assert b"plain-text-password-42" not in blob
    assert t["refresh_token"].encode() not in blob
    assert t["refresh_token"][4:].encode() not in blob
    assert t["access_token"].encode() not in blob
