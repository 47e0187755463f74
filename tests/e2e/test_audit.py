"""The audit trail: what each kind of event records (time, user, session, IP,
user agent), that no password or token ever reaches it, that recording never
fails a request, and retention."""
import json
import sqlite3
import time

import pytest

from conftest import (PASSWORD, assert_error, bearer, login, new_user, refresh, run_cli, run_to_exit,
                      unique_name)

UA = {"User-Agent": "audit-test-agent/1.0"}


def trail(server, name, want, within=2.0):
    """`latchkey audit --user NAME --json` events, oldest first, once there are `want` of them."""
    deadline = time.monotonic() + within
    while True:
        out = run_cli(server, "audit", "--user", name, "--json")
        assert out.code == 0, out
        events = list(reversed(json.loads(out.stdout)["events"]))
        if len(events) >= want or time.monotonic() > deadline:
            return events
        time.sleep(0.05)


def test_every_user_event_is_recorded_with_who_where_and_which_session(server):
    s = server
    name = unique_name()
    assert s.post("/signup", json={"username": name, "password": PASSWORD}, headers=UA).status_code == 201
    t = login(s, name, headers=UA)
    assert s.post("/login", json={"username": name, "password": "wrong " + PASSWORD}, headers=UA).status_code == 401
    r = s.post("/change_password", headers={**bearer(t["access_token"]), **UA},
               json={"current_password": PASSWORD, "new_password": "the new passphrase"})
    assert r.status_code == 200, r.text
    t2 = login(s, name, "the new passphrase", headers=UA)
    spent = t2["refresh_token"]
    assert refresh(s, spent).status_code == 200
    s.post("/logout", headers=bearer(t2["access_token"]), json={})
    t3 = login(s, name, "the new passphrase", headers=UA)
    s.post("/logout_all", headers=bearer(t3["access_token"]))
    events = trail(s, name, 8)
    assert [e["event"] for e in events] == ["signup", "login", "login_failed", "password_change", "login",
                                            "logout", "login", "logout_all"]
    for e in events:
        assert e["actor"] == "user" and e["ip"] == "127.0.0.1" and e["username"] == name, e
        assert e["at"].endswith("Z") and e["user_id"], e
    assert events[0]["user_agent"] == "audit-test-agent/1.0"
    assert events[1]["session_id"] == t["session_id"]
    assert events[2]["detail"] == {"reason": "bad_credentials"}
    assert events[3]["detail"] == {"sessions_ended": 0}
    assert events[5]["session_id"] == t2["session_id"]
    assert events[7]["detail"] == {"sessions_ended": 2}  # t kept by the password change, and t3


def test_reuse_detection_and_revocation_are_recorded(server):
    s = server
    name = new_user(s)
    t = login(s, name)
    first = refresh(s, t["refresh_token"]).json()
    assert refresh(s, first["refresh_token"]).status_code == 200
    assert_error(refresh(s, t["refresh_token"]), 401, "token_reused")  # two generations old
    t2 = login(s, name)
    assert s.post("/revoke", data={"token": t2["refresh_token"]}).status_code == 200
    events = [e["event"] for e in trail(s, name, 5)]
    assert events == ["signup", "login", "refresh_reuse_detected", "login", "token_revoked"]


def test_failed_logins_of_unknown_names_keep_the_attempted_name_without_a_user(server):
    name = "Nobody-" + unique_name()
    assert s_login(server, name).status_code == 401
    events = trail(server, name.lower(), 1)
    assert len(events) == 1
    e = events[0]
    assert e["event"] == "login_failed" and e["user_id"] is None and e["username"] == name


def s_login(server, name, pw="wrong password"):
    return server.post("/login", json={"username": name, "password": pw})


def test_no_password_or_token_ever_reaches_the_database(server):
    s = server
    name = new_user(s)
    t = login(s, name)
    s_login(s, name, "a wrong guess 12345")
    s_login(s, "ghost-" + name, "another guess 6789")
    r = refresh(s, t["refresh_token"]).json()
    s.post("/change_password", headers=bearer(r["new_access_token"]),
           json={"current_password": PASSWORD, "new_password": "replacement phrase 42"})
    run_cli(s, "user", "set-password", name, input="admin chosen phrase 7\n")
    trail(s, name, 6)
    s.stop()
    db = sqlite3.connect(s.workdir / "latchkey.db")
    rows = db.execute("SELECT * FROM audit_events").fetchall()
    db.close()
    dump = json.dumps(rows)
    for secret in (PASSWORD, "a wrong guess", "another guess", "replacement phrase", "admin chosen phrase",
                   t["access_token"], t["refresh_token"], r["refresh_token"], r["new_access_token"]):
        assert secret not in dump, secret
    # The raw file too (WAL checkpointed at close).
    raw = (s.workdir / "latchkey.db").read_bytes()
    for secret in (PASSWORD, "a wrong guess", t["refresh_token"]):
        assert secret.encode() not in raw, secret


def test_retention_prunes_old_events(server_factory):
    s = server_factory(env={"AUDIT_RETENTION": "1d"})
    name = new_user(s)
    trail(s, name, 1)
    db = sqlite3.connect(s.workdir / "latchkey.db")
    old = int(time.time()) - 2 * 86400
    # More than the server removes per database call (2,000): pruned in several.
    db.executemany("INSERT INTO audit_events (id, at, seq, event, actor, username, username_key) "
                   "VALUES (?, ?, ?, 'login', 'user', ?, ?)",
                   ((f"ancient{i}", old, i, name, name) for i in range(4500)))
    db.commit()
    db.close()
    assert len(trail(s, name, 2)) >= 2  # the old ones are listed until pruned
    assert s.stop() == 0  # the periodic tasks run once more at stop
    events = [e["event"] for e in trail(s, name, 1)]
    assert events == ["signup"]
    db = sqlite3.connect(s.workdir / "latchkey.db")
    assert db.execute("SELECT count(*) FROM audit_events WHERE at < ?", (old + 1,)).fetchone()[0] == 0
    db.close()


@pytest.mark.parametrize("value", ["forever", "-1d", "1y", ""])
def test_a_bad_retention_stops_the_start(tmp_path, value):
    out = run_to_exit(tmp_path, env={"AUDIT_RETENTION": value})
    assert out.code == 2 and "AUDIT_RETENTION" in out.stderr, out


def test_an_unwritable_audit_trail_never_fails_a_login(server):
    s = server
    name = new_user(s)
    db = sqlite3.connect(s.workdir / "latchkey.db")
    # A trigger that refuses every audit row: the writes fail, the requests must not.
    db.execute("CREATE TRIGGER no_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'no'); END")
    db.commit()
    db.close()
    for _ in range(3):
        login(s, name)
    time.sleep(0.6)
    assert any(e.get("event") == "audit.write_failed" for e in s.log_events())
    assert login(s, name)["access_token"]
