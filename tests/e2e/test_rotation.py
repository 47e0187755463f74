"""Refresh rotation with reuse detection, session management endpoints and
password change, over real HTTP against the real binary."""
import concurrent.futures
import sqlite3
import time

import pytest
import requests

from conftest import (PASSWORD, assert_error, bearer, epoch, login, new_user, protected,
                      refresh, sessions)


def _generation(server, session_id):
    with sqlite3.connect(server.workdir / "latchkey.db", timeout=5) as db:
        return db.execute("SELECT generation FROM sessions WHERE id = ?", (session_id,)).fetchone()[0]


def test_refresh_rotates_and_spends_the_old_token(server):
    user = new_user(server)
    t = login(server, user)
    r = refresh(server, t["refresh_token"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["message"] == "Token refreshed"
    assert body["refresh_token"] != t["refresh_token"]
    assert protected(server, body["new_access_token"]).status_code == 200
    # The new token carries the chain on.
    r2 = refresh(server, body["refresh_token"])
    assert r2.status_code == 200, r2.text
    assert _generation(server, t["session_id"]) == 2


def test_two_tabs_refreshing_at_once_both_stay_logged_in(server):
    user = new_user(server)
    t = login(server, user)

    def one_tab(_):
        with requests.Session() as s:
            s.trust_env = False
            return s.post(server.url("/refresh_token"), headers=bearer(t["refresh_token"]),
                          json={"refresh_token": t["refresh_token"]}, timeout=10)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        a, b = pool.map(one_tab, range(2))
    assert a.status_code == 200 and b.status_code == 200, (a.text, b.text)
    assert a.json()["refresh_token"] == b.json()["refresh_token"]
    assert a.json()["new_access_token"] == b.json()["new_access_token"]
    assert protected(server, a.json()["new_access_token"]).status_code == 200


def test_retry_within_grace_answers_the_same_pair(server):
    t = login(server, new_user(server))
    first = refresh(server, t["refresh_token"]).json()
    again = refresh(server, t["refresh_token"])
    assert again.status_code == 200
    assert again.json()["refresh_token"] == first["refresh_token"]
    assert again.json()["new_access_token"] == first["new_access_token"]
    assert _generation(server, t["session_id"]) == 1


def test_replay_after_the_grace_window_ends_the_session(server_factory):
    server = server_factory(env={"REFRESH_REUSE_GRACE": "1s"})
    user = new_user(server)
    t = login(server, user)
    other = login(server, user)
    first = refresh(server, t["refresh_token"]).json()
    time.sleep(2.2)
    r = refresh(server, t["refresh_token"])
    assert_error(r, 401, "token_reused")
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    # Every token of that session stops at once ...
    assert_error(protected(server, first["new_access_token"]), 401, "token_revoked")
    assert_error(protected(server, t["access_token"]), 401, "token_revoked")
    assert_error(refresh(server, first["refresh_token"]), 401, "token_revoked")
    # ... the user's other session goes on, and the event is logged.
    assert protected(server, other["access_token"]).status_code == 200
    assert any(e.get("event") == "auth.refresh_reuse_detected" for e in server.log_events())


def test_reuse_revocation_survives_a_restart(server_factory):
    server = server_factory(env={"REFRESH_REUSE_GRACE": "1s"})
    t = login(server, new_user(server))
    first = refresh(server, t["refresh_token"]).json()
    time.sleep(2.2)
    assert refresh(server, t["refresh_token"]).status_code == 401
    server.restart()
    assert_error(protected(server, first["new_access_token"]), 401, "token_revoked")


def test_forged_token_of_a_real_session_revokes_nothing(server):
    t = login(server, new_user(server))
    forged = f"lkr_{t['session_id']}.0.{'A' * 43}"
    assert_error(refresh(server, forged), 401, "invalid_token")
    assert protected(server, t["access_token"]).status_code == 200
    assert refresh(server, t["refresh_token"]).status_code == 200


@pytest.mark.parametrize("round_", range(20))
def test_fifty_parallel_refreshes_leave_exactly_one_chain(server, round_):
    t = login(server, new_user(server))

    def hit(_):
        with requests.Session() as s:
            s.trust_env = False
            return s.post(server.url("/refresh_token"), headers=bearer(t["refresh_token"]),
                          json={"refresh_token": t["refresh_token"]}, timeout=20)

    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(hit, range(50)))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers if a.status_code != 200]
    assert len({a.json()["refresh_token"] for a in answers}) == 1
    assert len({a.json()["new_access_token"] for a in answers}) == 1
    assert _generation(server, t["session_id"]) == 1
    nxt = answers[0].json()["refresh_token"]
    assert refresh(server, nxt).status_code == 200


def test_rotation_off_keeps_one_refresh_token(server_factory):
    server = server_factory(env={"REFRESH_ROTATION": "off", "REFRESH_REUSE_GRACE": "1s"})
    t = login(server, new_user(server))
    r1 = refresh(server, t["refresh_token"])
    time.sleep(1.5)
    r2 = refresh(server, t["refresh_token"])
    assert r1.status_code == 200 and r2.status_code == 200, (r1.text, r2.text)
    assert r1.json()["refresh_token"] == t["refresh_token"] == r2.json()["refresh_token"]
    assert r1.json()["new_access_token"] != r2.json()["new_access_token"]


def test_logout_all_and_logout_others_report_counts(server):
    user = new_user(server)
    a, b, c = (login(server, user) for _ in range(3))
    bob = login(server, new_user(server))
    r = server.post("/logout_others", headers=bearer(a["access_token"]))
    assert r.status_code == 200, r.text
    assert r.json()["sessions_ended"] == 2
    assert isinstance(r.json()["message"], str)
    assert protected(server, a["access_token"]).status_code == 200
    for gone in (b, c):
        assert_error(protected(server, gone["access_token"]), 401, "token_revoked")
        assert_error(refresh(server, gone["refresh_token"]), 401, "token_revoked")
    r = server.post("/logout_all", headers=bearer(a["access_token"]))
    assert r.status_code == 200 and r.json()["sessions_ended"] == 1, r.text
    assert_error(protected(server, a["access_token"]), 401, "token_revoked")
    assert protected(server, bob["access_token"]).status_code == 200


def test_password_change_ends_the_other_sessions(server):
    user = new_user(server)
    a = login(server, user)
    b = login(server, user)
    r = server.post("/change_password", headers=bearer(a["access_token"]),
                    json={"current_password": "not-the-password", "new_password": "a-new-password-1"})
    assert_error(r, 401, "invalid_credentials")
    assert protected(server, b["access_token"]).status_code == 200
    r = server.post("/change_password", headers=bearer(a["access_token"]),
                    json={"current_password": PASSWORD, "new_password": "a-new-password-1"})
    assert r.status_code == 200, r.text
    assert r.json()["sessions_ended"] == 1
    assert protected(server, a["access_token"]).status_code == 200
    assert_error(protected(server, b["access_token"]), 401, "token_revoked")
    assert server.post("/login", json={"username": user, "password": PASSWORD}).status_code == 401
    assert login(server, user, "a-new-password-1")["access_token"]


@pytest.mark.parametrize("body", [
    {}, {"current_password": PASSWORD}, {"new_password": "a-new-password-1"},
    {"current_password": 1, "new_password": "a-new-password-1"},
    {"current_password": PASSWORD, "new_password": ["x"]},
    {"current_password": PASSWORD, "new_password": "short"},
])
def test_change_password_bad_input_is_400(server, body):
    user = new_user(server)
    a = login(server, user)
    r = server.post("/change_password", headers=bearer(a["access_token"]), json=body)
    assert r.status_code == 400, r.text
    assert set(r.json()) == {"error", "message"}
    assert login(server, user)["access_token"]  # the password did not change


@pytest.mark.parametrize("path", ["/logout_all", "/logout_others", "/change_password"])
def test_new_endpoints_need_a_token_and_post(server, path):
    assert_error(server.post(path), 401, "token_missing")
    assert_error(server.post(path, headers=bearer("garbage")), 401, "invalid_token")
    r = server.get(path)
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "POST"


def test_session_cap_ends_the_least_recently_used(server_factory):
    server = server_factory(env={"MAX_SESSIONS_PER_USER": "2"})
    user = new_user(server)
    a = login(server, user)
    time.sleep(1.1)
    b = login(server, user)
    time.sleep(1.1)
    assert refresh(server, a["refresh_token"]).status_code == 200  # a becomes the more recent
    c = login(server, user)
    assert_error(protected(server, b["access_token"]), 401, "token_revoked")
    assert protected(server, c["access_token"]).status_code == 200
    assert len(sessions(server, c["access_token"])) == 2


def test_session_list_shows_device_and_the_idle_end(server_factory):
    server = server_factory(env={"SESSION_IDLE_TTL": "1h"})
    user = new_user(server)
    ua = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
    t = login(server, user, headers={"User-Agent": ua})
    [s] = sessions(server, t["access_token"])
    assert s["device"] == "Firefox on Linux"
    assert s["user_agent"] == ua
    assert epoch(s["expires_at"]) - epoch(s["last_used_at"]) == 3600
    assert "refresh_token" not in str(s) and t["refresh_token"] not in str(s)
