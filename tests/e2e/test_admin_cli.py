"""`latchkey user|sessions|audit` against the database of a running server:
changes reach the server at once (SQLite here; PostgreSQL with two
instances at the end), and bad input gets a one-line error and exit code 2
(usage) or 1 (failure)."""
import json
import os
import shutil
import subprocess
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from conftest import (PASSWORD, assert_error, bearer, login, new_user, protected, refresh, run_cli,
                      sessions, unique_name)

POLL = 0.01
REFUSED_WITHIN = 1.0  # seconds from the command's exit to the server refusing the token


def refused_after(s, token):
    """Seconds until /protected refuses `token` (fails past REFUSED_WITHIN)."""
    start = time.monotonic()
    while time.monotonic() - start < REFUSED_WITHIN:
        r = protected(s, token)
        if r.status_code == 401:
            assert r.json()["error"] == "token_revoked", r.text
            return time.monotonic() - start
        time.sleep(POLL)
    pytest.fail(f"token still accepted {REFUSED_WITHIN}s after the command")


def audit_events(server, name, done, within=2.0):
    """The event names of `name`'s trail, newest first, once done(names) holds."""
    deadline = time.monotonic() + within
    while True:
        out = run_cli(server, "audit", "--user", name, "--json")
        assert out.code == 0, out
        names = [e["event"] for e in json.loads(out.stdout)["events"]]
        if done(names) or time.monotonic() > deadline:
            return names if done(names) else pytest.fail(f"audit trail of {name}: {names}")
        time.sleep(0.05)


def one_line_error(out, code):
    assert out.code == code, out
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("latchkey: "), out.stderr
    return lines[0]


def test_user_add_reads_the_password_from_stdin_and_the_user_logs_in(server):
    name = unique_name()
    out = run_cli(server, "user", "add", name, input=PASSWORD + "\n")
    assert out.code == 0, out
    assert name in out.stdout
    assert login(server, name)["access_token"]
    out = run_cli(server, "user", "add", unique_name(), "--password-stdin", "--json", input=PASSWORD)
    assert out.code == 0, out
    body = json.loads(out.stdout)
    assert body["disabled"] is False and body["live_sessions"] == 0


def test_user_add_applies_the_signup_rules(server):
    name = new_user(server)
    assert "taken" in one_line_error(run_cli(server, "user", "add", name.upper(), input=PASSWORD + "\n"), 1)
    assert "common" in one_line_error(run_cli(server, "user", "add", unique_name(), input="password\n"), 1)
    assert "short" in one_line_error(run_cli(server, "user", "add", unique_name(), input="abc\n"), 1)
    one_line_error(run_cli(server, "user", "add", "x" * 65, input=PASSWORD + "\n"), 1)
    one_line_error(run_cli(server, "user", "add", unique_name(), input=""), 2)  # no password at all
    # Never a password in argv (ps would show it).
    one_line_error(run_cli(server, "user", "add", unique_name(), PASSWORD, input=PASSWORD + "\n"), 2)


def test_list_and_show(server):
    a = new_user(server, prefix="list")
    login(server, a)
    out = run_cli(server, "user", "list")
    assert out.code == 0, out
    assert out.stdout.splitlines()[0].split() == ["USERNAME", "ID", "CREATED", "STATUS", "SESSIONS"]
    assert any(line.split()[0] == a and line.split()[-1] == "1" for line in out.stdout.splitlines()[1:])
    listed = json.loads(run_cli(server, "user", "list", "--json").stdout)["users"]
    assert [u["username"] for u in listed if u["username"] == a] == [a]
    assert len(json.loads(run_cli(server, "user", "list", "--json", "--limit", "1").stdout)["users"]) == 1
    shown = json.loads(run_cli(server, "user", "show", a.upper(), "--json").stdout)
    assert shown["username"] == a and shown["live_sessions"] == 1
    assert "no such user" in one_line_error(run_cli(server, "user", "show", "nobody-" + a), 1)


def test_sessions_revoke_one_is_refused_by_the_running_server_at_once(server):
    name = new_user(server)
    a, b = login(server, name), login(server, name)
    listed = json.loads(run_cli(server, "sessions", "list", "--user", name, "--json").stdout)["sessions"]
    assert {s["session_id"] for s in listed} == {a["session_id"], b["session_id"]}
    out = run_cli(server, "sessions", "revoke", "--user", name, "--session", a["session_id"])
    assert out.code == 0, out
    delay = refused_after(server, a["access_token"])
    print(f"sqlite: revoked session refused {delay * 1000:.0f} ms after the command")
    assert protected(server, b["access_token"]).status_code == 200
    assert_error(refresh(server, a["refresh_token"]), 401, "token_revoked")
    # Already ended, or not this user's: nothing to end.
    assert "no such live session" in one_line_error(
        run_cli(server, "sessions", "revoke", "--user", name, "--session", a["session_id"]), 1)
    other = new_user(server)
    one_line_error(run_cli(server, "sessions", "revoke", "--user", other, "--session", b["session_id"]), 1)
    assert protected(server, b["access_token"]).status_code == 200


def test_sessions_revoke_all(server):
    name = new_user(server)
    tokens = [login(server, name) for _ in range(3)]
    out = run_cli(server, "sessions", "revoke", "--user", name, "--all", "--json")
    assert out.code == 0, out
    assert json.loads(out.stdout)["sessions_ended"] == 3
    for t in tokens:
        refused_after(server, t["access_token"])
    assert "SESSION" in run_cli(server, "sessions", "list", "--user", name).stdout


def test_disable_refuses_tokens_and_login_then_enable(server):
    name = new_user(server)
    t = login(server, name)
    out = run_cli(server, "user", "disable", name)
    assert out.code == 0 and "1 session ended" in out.stdout, out
    refused_after(server, t["access_token"])
    assert_error(refresh(server, t["refresh_token"]), 401, "token_revoked")
    assert_error(server.post("/login", json={"username": name, "password": PASSWORD}), 403, "account_disabled")
    # A wrong password says nothing about the account's state.
    assert_error(server.post("/login", json={"username": name, "password": "wrong " + PASSWORD}), 401,
                 "invalid_credentials")
    assert json.loads(run_cli(server, "user", "show", name, "--json").stdout)["disabled"] is True
    assert run_cli(server, "user", "enable", name).code == 0
    assert protected(server, login(server, name)["access_token"]).status_code == 200


def test_set_password_ends_every_session(server):
    name = new_user(server)
    t = login(server, name)
    out = run_cli(server, "user", "set-password", name, "--password-stdin", input="a fresh passphrase\n")
    assert out.code == 0, out
    refused_after(server, t["access_token"])
    assert_error(server.post("/login", json={"username": name, "password": PASSWORD}), 401, "invalid_credentials")
    login(server, name, "a fresh passphrase")
    assert "common" in one_line_error(run_cli(server, "user", "set-password", name, input="password\n"), 1)


def test_delete_ends_tokens_for_good_even_across_a_restart(server):
    name = new_user(server)
    t = login(server, name)
    out = run_cli(server, "user", "delete", name)
    assert out.code == 0, out
    refused_after(server, t["access_token"])
    server.restart()
    assert_error(protected(server, t["access_token"]), 401, "token_revoked")
    assert_error(server.post("/login", json={"username": name, "password": PASSWORD}), 401, "invalid_credentials")
    # The trail is kept, under the name (request events are written within 250 ms).
    assert audit_events(server, name, lambda ev: ev[:2] == ["login_failed", "admin.user_deleted"])
    one_line_error(run_cli(server, "user", "delete", name), 1)


@pytest.mark.parametrize("args", [
    ["user"], ["user", "frob", "x"], ["user", "list", "extra"], ["user", "show"], ["user", "disable", "a", "b"],
    ["user", "show", "x", "--limit", "3"], ["user", "show", "x", "--all"], ["user", "list", "--limit", "0"],
    ["user", "list", "--limit", "many"], ["user", "disable", "x", "--password-stdin"],
    ["sessions"], ["sessions", "list"], ["sessions", "revoke", "--user", "x"],
    ["sessions", "revoke", "--user", "x", "--all", "--session", "y"], ["sessions", "list", "--user"],
    ["sessions", "frob", "--user", "x"], ["audit", "extra"], ["audit", "--all"], ["audit", "--limit", "-1"],
    ["user", "list", "--no-such-option"],
])
def test_usage_errors_exit_2_with_one_line(server, args):
    one_line_error(run_cli(server, *args), 2)


def test_unknown_users_exit_1(server):
    for args in (["user", "disable", "ghost"], ["user", "enable", "ghost"], ["user", "delete", "ghost"],
                 ["sessions", "list", "--user", "ghost"], ["sessions", "revoke", "--user", "ghost", "--all"]):
        assert "no such user" in one_line_error(run_cli(server, *args), 1), args
    one_line_error(run_cli(server, "user", "set-password", "ghost", input=PASSWORD + "\n"), 1)


def test_an_unusable_database_fails_with_one_line(tmp_path, server_factory):
    s = server_factory(start=False, env={"DATABASE_URL": "mysql://nope"})
    one_line_error(run_cli(s, "user", "list"), 2)
    s = server_factory(start=False, env={"DATABASE_URL": f"sqlite://{tmp_path}/missing/dir/x.db"})
    one_line_error(run_cli(s, "user", "list"), 1)


# -- PostgreSQL: two instances ------------------------------------------------------

PG_URL = os.environ.get("LATCHKEY_TEST_PG_URL")
PSQL = shutil.which("psql") or "/usr/bin/psql"


@pytest.fixture
def pg_db():
    if not PG_URL:
        if os.environ.get("LATCHKEY_REQUIRE_PG") == "1":
            pytest.fail("LATCHKEY_REQUIRE_PG=1 but LATCHKEY_TEST_PG_URL is unset")
        pytest.skip("LATCHKEY_TEST_PG_URL is unset")
    u = urlsplit(PG_URL)
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = urlunsplit((u.scheme, u.netloc, "/postgres", u.query, u.fragment))
    subprocess.run([PSQL, admin, "-Atqc", f'CREATE DATABASE "{name}"'], check=True, capture_output=True)
    yield urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))
    subprocess.run([PSQL, admin, "-Atqc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], capture_output=True)


def test_postgres_cli_changes_reach_both_instances_at_once(pg_db, server_factory):
    common = {"ISSUER": "http://latchkey.test"}
    a = server_factory(env=common, database_url=pg_db)
    b = server_factory(env=common, database_url=pg_db)
    name = unique_name()
    assert run_cli(a, "user", "add", name, input=PASSWORD + "\n").code == 0
    t1, t2 = login(a, name), login(b, name)
    out = run_cli(a, "sessions", "revoke", "--user", name, "--session", t1["session_id"])
    assert out.code == 0, out
    delays = [refused_after(n, t1["access_token"]) for n in (a, b)]
    print(f"postgres: revoked session refused {max(delays) * 1000:.0f} ms after the command")
    assert protected(b, t2["access_token"]).status_code == 200
    assert run_cli(b, "user", "disable", name).code == 0
    for n in (a, b):
        refused_after(n, t2["access_token"])
        assert_error(n.post("/login", json={"username": name, "password": PASSWORD}), 403, "account_disabled")
    assert run_cli(a, "user", "enable", name).code == 0
    t3 = login(b, name)
    assert run_cli(b, "user", "delete", name).code == 0
    for n in (a, b):
        refused_after(n, t3["access_token"])
    assert audit_events(a, name, lambda ev: ev[0] == "admin.user_deleted" and "admin.user_disabled" in ev)
