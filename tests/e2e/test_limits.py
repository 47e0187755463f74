"""The abuse limits with their defaults and per class: what an office behind
one address may do, what credential stuffing and guessing meet, and how an
administrator sees and clears locks (admin API, CLI, audit trail).

Other client addresses are loopback aliases (127.0.0.2, ...), as in
test_abuse.py. Several instances on PostgreSQL: test_postgres.py.
"""
import base64
import concurrent.futures
import json
import secrets
import time

import pytest

from conftest import (ABUSE_LIMITS_OFF, PASSWORD, assert_error, bearer, new_user, run_cli, unique_name)
from test_abuse import (INVALID_CREDENTIALS, assert_rate_limited, assert_refused_like_wrong_password, call,
                        needs_loopback_aliases, try_login)

ADMIN_TOKEN = "admin-token-for-the-limits-tests-0123456789abcdef"
ADMIN = bearer(ADMIN_TOKEN)
SECRET = "introspection-secret-0123456789"


def defaults(**settings):
    """Every abuse limit at the server's default, then `settings`."""
    env = {k: None for k in ABUSE_LIMITS_OFF}
    env.update({k: str(v) for k, v in settings.items()})
    return env


def locks(s, **query):
    r = s.get("/admin/locks", params=query, headers=ADMIN)
    assert r.status_code == 200, r.text
    return r.json()["locks"]


@needs_loopback_aliases
def test_defaults_spare_an_office_and_stop_stuffing(server_factory):
    s = server_factory(env=defaults(ADMIN_TOKEN=ADMIN_TOKEN))
    colleague = new_user(s)

    # 40 people of one office (one address) sign in at once: all succeed.
    with concurrent.futures.ThreadPoolExecutor(40) as pool:
        answers = list(pool.map(lambda _: try_login(s.port, colleague), range(40)))
    assert [a.status for a in answers] == [200] * 40, [a for a in answers if a.status != 200]

    # An attacker on the same address guesses one password 30 times: that
    # account is locked for that address, answered exactly like a wrong password...
    victim = new_user(s)
    for _ in range(30):
        assert_refused_like_wrong_password(try_login(s.port, victim, "guess"))
    assert_refused_like_wrong_password(try_login(s.port, victim))
    [lock] = locks(s, user=victim)
    assert lock["limit"] == "login_pair" and lock["ip"] == "127.0.0.1" and lock["failures"] == 6, lock
    # ... while the colleague, and a fresh user, sign in from it right after.
    assert try_login(s.port, colleague).status == 200
    assert try_login(s.port, new_user(s)).status == 200
    # The owner's other devices are not affected.
    assert try_login(s.port, victim, source="127.0.0.2").status == 200

    # Credential stuffing from another address: 200 failures over 200
    # accounts. 50 are free, the 51st locks the address, the rest are 429.
    answers = [try_login(s.port, unique_name(f"stuffed{i}"), "guess", source="127.0.0.5") for i in range(200)]
    statuses = [a.status for a in answers]
    assert statuses == [401] * 51 + [429] * 149, statuses
    assert_rate_limited(answers[-1], max_wait=600)
    assert_rate_limited(try_login(s.port, colleague, source="127.0.0.5"), max_wait=600)
    # Only that address.
    assert try_login(s.port, colleague).status == 200


@needs_loopback_aliases
def test_refresh_token_guessing_is_limited_per_ip(server_factory):
    s = server_factory(env=defaults(LIMIT_REFRESH_TOKEN="3/1m"))
    name = new_user(s)
    good = s.post("/login", json={"username": name, "password": PASSWORD}).json()["refresh_token"]
    for guess in ("x", secrets.token_urlsafe(43), "a.b.c", secrets.token_urlsafe(43)):
        r = call(s.port, "POST", "/refresh_token", {"refresh_token": guess})
        assert r.status == 401, r
    # Locked: even a real token is refused, before it is looked up.
    assert_rate_limited(call(s.port, "POST", "/refresh_token", {"refresh_token": good}), max_wait=60)
    # Expired, ended or malformed requests of other addresses go on as before.
    r = call(s.port, "POST", "/refresh_token", {"refresh_token": good}, source="127.0.0.2")
    assert r.status == 200, r
    assert call(s.port, "POST", "/refresh_token", "{", source="127.0.0.2").status == 400


@needs_loopback_aliases
def test_introspection_secret_guessing_is_limited_per_ip(server_factory):
    s = server_factory(env=defaults(INTROSPECTION_SECRET=SECRET, LIMIT_INTROSPECTION_SECRET="2/1m"))
    token = s.post("/login", json={"username": new_user(s), "password": PASSWORD}).json()["access_token"]
    form = {"Content-Type": "application/x-www-form-urlencoded"}

    def introspect(secret, scheme="Basic", source="127.0.0.1"):
        cred = base64.b64encode(f"svc:{secret}".encode()).decode()
        return call(s.port, "POST", "/introspect", f"token={token}",
                    {**form, "Authorization": f"{scheme} {cred}"}, source=source)

    # The scheme is case-insensitive (RFC 9110).
    a = introspect(SECRET, scheme="basic")
    assert a.status == 200 and a.json()["active"] is True, a
    for _ in range(3):
        assert introspect("wrong-secret-000000").status == 401
    assert_rate_limited(introspect(SECRET), max_wait=60)
    assert introspect(SECRET, source="127.0.0.2").status == 200


@needs_loopback_aliases
def test_client_secret_guessing_at_the_token_endpoint_is_limited_per_ip(server_factory):
    s = server_factory(env=defaults(ADMIN_TOKEN=ADMIN_TOKEN, LIMIT_CLIENT_SECRET="2/1m"))
    r = s.post("/register", headers=ADMIN, json={"client_name": "svc", "grant_types": ["client_credentials"],
                                                 "redirect_uris": [], "response_types": []})
    assert r.status_code == 201, r.text
    client_id, secret = r.json()["client_id"], r.json()["client_secret"]
    form = {"Content-Type": "application/x-www-form-urlencoded"}

    def token(guess, source="127.0.0.1"):
        cred = base64.b64encode(f"{client_id}:{guess}".encode()).decode()
        return call(s.port, "POST", "/token", "grant_type=client_credentials",
                    {**form, "Authorization": f"Basic {cred}"}, source=source)

    assert token(secret).status == 200
    for _ in range(3):
        assert token("wrong-secret-000000").status == 401
    r = token(secret)  # locked: refused before the secret is compared
    assert r.status == 429 and int(r.headers["retry-after"]) >= 1, r
    assert r.json()["error"] == "temporarily_unavailable"
    assert token(secret, source="127.0.0.2").status == 200


def test_a_wrong_current_password_counts_as_a_failed_login(server_factory):
    s = server_factory(env=defaults(LOGIN_LOCK_AFTER=2, LOGIN_LOCK_SECONDS="10m"))
    name = new_user(s)
    token = s.post("/login", json={"username": name, "password": PASSWORD}).json()["access_token"]
    change = {"current_password": "guess", "new_password": "another long passphrase"}
    for _ in range(3):
        assert_error(s.post("/change_password", json=change, headers=bearer(token)), 401, "invalid_credentials")
    # Locked for this address: the right current password is refused too,
    # and so is a login.
    right = {**change, "current_password": PASSWORD}
    assert_error(s.post("/change_password", json=right, headers=bearer(token)), 401, "invalid_credentials")
    assert_error(s.post("/login", json={"username": name, "password": PASSWORD}), 401, "invalid_credentials")


def audit_events(s, name, want, within=2.0):
    """The user's audit events once `want` of them are there (they are
    written in batches)."""
    deadline = time.monotonic() + within
    while True:
        out = run_cli(s, "audit", "--user", name, "--json")
        assert out.code == 0, out.stderr
        events = [e["event"] for e in json.loads(out.stdout)["events"]]
        if all(events.count(k) >= n for k, n in want.items()) or time.monotonic() > deadline:
            return events
        time.sleep(0.05)


def test_locks_are_listed_and_cleared_by_the_admin_api_and_the_cli(server_factory):
    s = server_factory(env=defaults(ADMIN_TOKEN=ADMIN_TOKEN, LOGIN_LOCK_AFTER=2, LOGIN_LOCK_SECONDS="10m"))
    name = new_user(s)

    def lock_it():
        for _ in range(3):
            try_login(s.port, name, "guess")
        assert_refused_like_wrong_password(try_login(s.port, name))

    lock_it()
    r = s.get(f"/admin/users/{name}/locks", headers=ADMIN)
    assert r.status_code == 200, r.text
    [lock] = r.json()["locks"]
    assert lock["limit"] == "login_pair" and lock["ip"] == "127.0.0.1" and lock["failures"] == 3
    assert 500 < lock["retry_after"] <= 600 and lock["account"] == name.casefold()
    assert lock in locks(s) and lock in locks(s, ip="127.0.0.1") and locks(s, ip="127.0.0.9") == []
    # The CLI reads the same locks from the database.
    out = run_cli(s, "locks", "list", "--user", name, "--json")
    assert out.code == 0, out.stderr
    assert [(x["limit"], x["ip"]) for x in json.loads(out.stdout)["locks"]] == [("login_pair", "127.0.0.1")]
    assert "login_pair" in run_cli(s, "locks", "list").stdout

    # The admin API clears it: the right password works at once.
    r = s.request("DELETE", f"/admin/users/{name}/locks", headers=ADMIN)
    assert r.status_code == 200 and r.json()["cleared"] >= 1, r.text
    assert try_login(s.port, name).status == 200
    assert s.get(f"/admin/users/{name}/locks", headers=ADMIN).json() == {"locks": []}

    # So does the CLI, against the running server's database.
    lock_it()
    out = run_cli(s, "locks", "clear", "--user", name)
    assert out.code == 0 and "cleared" in out.stdout, out
    assert try_login(s.port, name).status == 200

    events = audit_events(s, name, {"locked": 2, "unlocked": 2})
    assert events.count("locked") == 2 and events.count("unlocked") == 2, events


def test_the_cli_ends_a_running_servers_guessing_lock_within_seconds(server_factory):
    s = server_factory(env=defaults(ADMIN_TOKEN=ADMIN_TOKEN, LIMIT_ADMIN_TOKEN="2/1m"))
    for _ in range(3):
        s.get("/admin/users", headers=bearer("wrong"))
    assert_error(s.get("/admin/users", headers=ADMIN), 429, "rate_limited")
    deadline = time.monotonic() + 3
    while True:  # the deferred write of the last failure may still be under way
        out = run_cli(s, "locks", "clear", "--ip", "127.0.0.1", "--json")
        assert out.code == 0, out
        if json.loads(out.stdout)["cleared"] >= 1 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    deadline = time.monotonic() + 3
    while s.get("/admin/users", headers=ADMIN).status_code != 200:
        assert time.monotonic() < deadline, "the CLI's clear did not reach the running server"
        time.sleep(0.1)


def test_an_ip_lock_is_cleared_by_address(server_factory):
    s = server_factory(env=defaults(ADMIN_TOKEN=ADMIN_TOKEN, LIMIT_LOGIN_IP="2/10m"))
    name = new_user(s)
    for i in range(3):
        try_login(s.port, unique_name(f"n{i}"), "guess")
    assert_rate_limited(try_login(s.port, name), max_wait=600)
    [lock] = locks(s, ip="127.0.0.1")
    assert lock["limit"] == "login_ip" and lock["account"] == ""
    r = s.request("DELETE", "/admin/ips/127.0.0.1/locks", headers=ADMIN)
    assert r.status_code == 200 and r.json()["cleared"] >= 1, r.text
    assert try_login(s.port, name).status == 200


def test_lock_administration_bad_input(server_factory):
    s = server_factory(env=defaults(ADMIN_TOKEN=ADMIN_TOKEN))
    assert_error(s.get("/admin/locks?colour=red", headers=ADMIN), 400, "invalid_request")
    assert_error(s.get("/admin/locks?ip=not-an-address", headers=ADMIN), 400, "invalid_request")
    assert_error(s.get("/admin/locks?%zz", headers=ADMIN), 400, "invalid_request")
    assert_error(s.request("DELETE", "/admin/ips/not-an-address/locks", headers=ADMIN), 400, "invalid_request")
    assert_error(s.request("DELETE", "/admin/ips/%ff/locks", headers=ADMIN), 400, None)
    assert_error(s.get("/admin/users/a%01b/locks", headers=ADMIN), 400, "invalid_username")
    assert_error(s.request("DELETE", f"/admin/users/{unique_name()}/locks?user=x", headers=ADMIN), 400, "invalid_request")
    assert_error(s.post("/admin/locks", headers=ADMIN), 405, "method_not_allowed")
    assert_error(s.get("/admin/locks"), 401, "token_missing")
    # Nothing locked: empty lists and zero cleared, not errors.
    assert s.get("/admin/locks?ip=2001:db8::1", headers=ADMIN).json() == {"locks": []}
    assert s.get("/admin/locks?ip=2001:db8::/64", headers=ADMIN).json() == {"locks": []}
    assert s.request("DELETE", "/admin/ips/2001:db8::1/locks", headers=ADMIN).json()["cleared"] == 0
    for args in (("locks",), ("locks", "clear"), ("locks", "list", "extra"), ("locks", "wipe")):
        out = run_cli(s, *args)
        assert out.code == 2, (args, out)
    out = run_cli(s, "locks", "list", "--ip", "not-an-address")
    assert out.code != 0 and "address" in out.stderr, out
