"""GET /get_active_sessions: one entry per live session, never a token."""
import http.client
import json
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from conftest import (ABUSE_LIMITS_OFF, PASSWORD, assert_error, bearer, direct_session, epoch, login, new_user,
                      refresh, sessions)

KEYS = {"session_id", "created_at", "last_used_at", "expires_at", "user_agent", "ip", "current"}
# README: a short description parsed from the User-Agent, and what opened the session
OPTIONAL_KEYS = {"device", "kind"}


def test_session_entry_shape(shared_server):
    name = new_user(shared_server)
    before = int(time.time())
    t = login(shared_server, name, headers={"User-Agent": "e2e-agent/1.0 (shape test)"})
    after = int(time.time())
    [s] = sessions(shared_server, t["access_token"])
    assert KEYS <= set(s) <= KEYS | OPTIONAL_KEYS, set(s)
    assert s["session_id"] == t["session_id"]
    assert before - 1 <= epoch(s["created_at"]) <= after + 1
    assert epoch(s["last_used_at"]) == epoch(s["created_at"])
    # The earlier of the absolute end (30 days) and the idle end (7 days).
    assert epoch(s["expires_at"]) == min(epoch(s["created_at"]) + 30 * 86400,
                                         epoch(s["last_used_at"]) + 7 * 86400)
    assert s["user_agent"] == "e2e-agent/1.0 (shape test)"
    assert s["ip"] == "127.0.0.1"
    assert s["current"] is True
    assert s.get("kind", "api") == "api"  # /login opens api sessions


def test_each_session_keeps_its_own_user_agent(shared_server):
    name = new_user(shared_server)
    agents = ["curl/8.5.0", "Mozilla/5.0 (X11; Linux x86_64)", "e2e/\u00e9t\u00e9"]
    # requests sends header values as latin-1: send the UTF-8 bytes of each.
    logins = [login(shared_server, name, headers={"User-Agent": ua.encode().decode("latin-1")})
              for ua in agents]
    # And one login with no User-Agent at all (http.client sends none).
    conn = http.client.HTTPConnection("127.0.0.1", shared_server.port, timeout=10)
    try:
        conn.request("POST", "/login", body=json.dumps({"username": name, "password": PASSWORD}))
        resp = conn.getresponse()
        assert resp.status == 200
        no_agent = json.loads(resp.read())
    finally:
        conn.close()
    listed = {s["session_id"]: s["user_agent"] for s in sessions(shared_server, logins[0]["access_token"])}
    for t, ua in zip(logins, agents):
        assert listed[t["session_id"]] == ua
    assert listed[no_agent["session_id"]] == ""


def listing_json(s, access_token):
    """The session list, insisting on a body that is valid UTF-8 JSON (RFC 8259 8.1)."""
    r = s.get("/get_active_sessions", headers=bearer(access_token))
    assert r.status_code == 200
    try:
        return json.loads(r.content.decode("utf-8"))["active_sessions"]
    except (UnicodeDecodeError, ValueError) as e:
        raise AssertionError(f"session list is not valid UTF-8 JSON: {e}: {r.content[:300]!r}")


def test_user_agent_with_invalid_utf8_keeps_listing_valid_json(shared_server):
    name = new_user(shared_server)
    t = login(shared_server, name, headers={"User-Agent": b"odd-agent \xff\xfe/1".decode("latin-1")})
    [s] = listing_json(shared_server, t["access_token"])
    assert s["session_id"] == t["session_id"]
    assert s["user_agent"].startswith("odd-agent ")


def test_long_user_agent_keeps_listing_valid_json(shared_server):
    # 511 ASCII bytes then two-byte characters: any cut at a byte count
    # (such as 512) would split a character.
    name = new_user(shared_server)
    ua = "a" * 511 + "\u00e9" * 600
    t = login(shared_server, name, headers={"User-Agent": ua.encode().decode("latin-1")})
    [s] = listing_json(shared_server, t["access_token"])
    assert ua.startswith(s["user_agent"]) and len(s["user_agent"]) >= 256


def test_current_marks_only_the_callers_session(shared_server):
    name = new_user(shared_server)
    logins = [login(shared_server, name) for _ in range(3)]
    for t in logins:
        listed = sessions(shared_server, t["access_token"])
        assert len(listed) == 3
        current = [s["session_id"] for s in listed if s["current"]]
        assert current == [t["session_id"]]
        assert all(s["current"] is False for s in listed if s["session_id"] != t["session_id"])


def test_newest_first(shared_server):
    name = new_user(shared_server)
    logins = [login(shared_server, name) for _ in range(4)]
    listed = sessions(shared_server, logins[0]["access_token"])
    assert [s["session_id"] for s in listed] == [t["session_id"] for t in reversed(logins)]


def test_newest_first_across_seconds(shared_server):
    name = new_user(shared_server)
    first = login(shared_server, name)
    time.sleep(1.1)
    second = login(shared_server, name)
    listed = sessions(shared_server, first["access_token"])
    assert [s["session_id"] for s in listed] == [second["session_id"], first["session_id"]]
    assert epoch(listed[0]["created_at"]) > epoch(listed[1]["created_at"])


def test_never_contains_a_token(shared_server):
    name = new_user(shared_server)
    logins = [login(shared_server, name) for _ in range(3)]
    refreshed = refresh(shared_server, logins[1]["refresh_token"]).json()["new_access_token"]
    secrets = [x for t in logins for x in (t["access_token"], t["refresh_token"])] + [refreshed]
    for caller in (logins[0]["access_token"], refreshed):
        r = shared_server.get("/get_active_sessions", headers=bearer(caller))
        assert r.status_code == 200
        text = r.text
        for secret in secrets:
            assert secret not in text
            # nor a JWT's signature, nor the random tail of a refresh token
            assert secret.rsplit(".", 1)[-1][-32:] not in text
        assert "lkr_" not in text


def test_only_the_callers_sessions_are_listed(shared_server):
    a, b = new_user(shared_server, prefix="a"), new_user(shared_server, prefix="b")
    ta = [login(shared_server, a) for _ in range(2)]
    tb = login(shared_server, b)
    listed_a = {s["session_id"] for s in sessions(shared_server, ta[0]["access_token"])}
    listed_b = {s["session_id"] for s in sessions(shared_server, tb["access_token"])}
    assert listed_a == {t["session_id"] for t in ta}
    assert listed_b == {tb["session_id"]}


def test_ended_sessions_disappear(shared_server):
    name = new_user(shared_server)
    t1, t2 = login(shared_server, name), login(shared_server, name)
    r = shared_server.post("/logout", headers=bearer(t1["access_token"]), json={"session_id": t2["session_id"]})
    assert r.status_code == 200
    assert [s["session_id"] for s in sessions(shared_server, t1["access_token"])] == [t1["session_id"]]


def test_refresh_updates_last_used_at(shared_server):
    name = new_user(shared_server)
    t = login(shared_server, name)
    time.sleep(1.1)
    assert refresh(shared_server, t["refresh_token"]).status_code == 200
    [s] = sessions(shared_server, t["access_token"])
    assert epoch(s["last_used_at"]) > epoch(s["created_at"])
    assert epoch(s["last_used_at"]) <= int(time.time()) + 1


def test_sessions_requires_an_access_token(shared_server):
    assert_error(shared_server.get("/get_active_sessions"), 401, "token_missing")
    name = new_user(shared_server)
    t = login(shared_server, name)
    r = shared_server.get("/get_active_sessions", headers=bearer(t["refresh_token"]))
    assert assert_error(r, 401, None)["error"] in ("invalid_token", "invalid_token_type")
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]


def test_last_use_of_more_sessions_than_one_write_holds_reaches_the_database(server_factory):
    """Last-use times are written a few hundred sessions per database call
    (256): 300 sessions used once all reach the database (at stop, the
    periodic tasks run once more)."""
    s = server_factory(env=ABUSE_LIMITS_OFF)
    name = new_user(s)
    local = threading.local()

    def call(method, path, **kw):
        if not hasattr(local, "http"):
            local.http = direct_session()
        return local.http.request(method, s.url(path), timeout=30, **kw)

    def log_in(_):
        r = call("POST", "/login", json={"username": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    with ThreadPoolExecutor(4) as pool:
        tokens = list(pool.map(log_in, range(300)))
    time.sleep(1.1)  # each use falls in a later second than its login
    with ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(lambda t: call("GET", "/protected", headers=bearer(t)).status_code, tokens))
    assert codes == [200] * 300
    assert s.stop() == 0
    db = sqlite3.connect(s.workdir / "latchkey.db")
    try:
        used = db.execute("SELECT count(*) FROM sessions WHERE last_used_at > created_at").fetchone()[0]
    finally:
        db.close()
    assert used == 300
