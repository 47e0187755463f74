"""PostgreSQL: several instances on one database, revocation fan-out, rotation
races, an outage, copy-store and migrate.

Needs LATCHKEY_TEST_PG_URL (and LATCHKEY_TEST_PG_DIR for the outage test), as
written by scripts/pg-test-server.sh; skipped without them unless
LATCHKEY_REQUIRE_PG=1, which turns the absence into a failure. Every test gets
its own database, dropped at teardown.
"""
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import threading
import time
import urllib.parse
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from conftest import (PASSWORD, assert_error, bearer, clean_env, direct_session, login, new_user,
                      protected, refresh, run_to_exit, sessions, unique_name)
from mail_support import smtp, smtp_cert  # noqa: F401 (fixtures)
from test_abuse import call, needs_loopback_aliases

# How many migrations this source tree defines (src/store/migrations.cpp).
MIGRATIONS = (Path(__file__).resolve().parents[2] / "src/store/migrations.cpp").read_text().count("Migration{")

PG_URL = os.environ.get("LATCHKEY_TEST_PG_URL")
PG_DIR = os.environ.get("LATCHKEY_TEST_PG_DIR")
if os.environ.get("LATCHKEY_REQUIRE_PG") == "1" and not (PG_URL and PG_DIR):
    pytest.fail("LATCHKEY_REQUIRE_PG=1 but LATCHKEY_TEST_PG_URL or LATCHKEY_TEST_PG_DIR is unset "
                "(scripts/pg-test-server.sh start DIR writes both to DIR/env)", pytrace=False)
if not PG_URL:
    pytest.skip("LATCHKEY_TEST_PG_URL is unset", allow_module_level=True)

PSQL = shutil.which("psql") or "/usr/bin/psql"
PG_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "pg-test-server.sh"
# Instances behind one load balancer share an issuer (the default is per port).
COMMON = {"ISSUER": "http://latchkey.test"}
FANOUT_LIMIT = 1.0   # seconds until every instance refuses an ended session
POLL = 0.02
MEASURED = {"fanout": [], "unavailable": []}  # reported at the end of the module


def db_url(name):
    u = urlsplit(PG_URL)
    return urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))


def psql(url, sql):
    r = subprocess.run([PSQL, url, "-v", "ON_ERROR_STOP=1", "-Atqc", sql], capture_output=True,
                       text=True, timeout=20, env=clean_env({"PGCONNECT_TIMEOUT": "5"}))
    assert r.returncode == 0, f"psql {sql!r}: {r.stderr}"
    return r.stdout.strip()


def pg_ctl(action):
    r = subprocess.run(["bash", str(PG_SCRIPT), action, PG_DIR], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"pg-test-server.sh {action}: {r.stderr}"


@pytest.fixture(scope="module", autouse=True)
def _report(request):
    """Prints the measured delays (for the README) past output capture."""
    yield
    plugins = request.config.pluginmanager
    tr, capman = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    for what, values in MEASURED.items():
        if values and tr and capman:
            ms = sorted(v * 1000 for v in values)
            with capman.global_and_fixture_disabled():
                tr.write_line(f"\n[postgres] {what}: n={len(ms)} min={ms[0]:.0f} ms "
                              f"median={statistics.median(ms):.0f} ms max={ms[-1]:.0f} ms")


@pytest.fixture
def pg_db():
    """The URL of a new, empty database, dropped at teardown."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    psql(db_url("postgres"), f'CREATE DATABASE "{name}"')
    yield db_url(name)
    psql(db_url("postgres"), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_cluster(server_factory, url, env=None, together=False):
    """Three instances A, B, C on `url`: A first, then B and C at once (or
    all three at once)."""
    nodes = [server_factory(env={**COMMON, **(env or {})}, database_url=url, start=False)
             for _ in range(3)]
    first = [] if together else [nodes[0]]
    for n in first:
        n.start()
    rest = [n for n in nodes if n not in first]
    for n in rest:
        n.start(wait=False)
    for n in rest:
        n.wait_ready()
    return nodes


@pytest.fixture
def cluster(pg_db, server_factory):  # pg_db first: dropped after the servers stop
    return start_cluster(server_factory, pg_db)


def session_row(url, sid, column):
    return psql(url, f"SELECT {column} FROM sessions WHERE id = '{sid}'")


# -- several instances, one database ----------------------------------------------


def test_flow_across_instances(cluster):
    a, b, c = cluster
    name = new_user(a)
    t = login(b, name)
    assert protected(c, t["access_token"]).status_code == 200
    r1 = refresh(c, t["refresh_token"])
    assert r1.status_code == 200, r1.text
    new_rt = r1.json()["refresh_token"]
    assert new_rt != t["refresh_token"]
    listed = sessions(a, r1.json()["new_access_token"])
    assert [x["session_id"] for x in listed] == [t["session_id"]]
    r2 = refresh(b, new_rt)
    assert r2.status_code == 200, r2.text
    for n in cluster:
        assert protected(n, r2.json()["new_access_token"]).status_code == 200
    # The user exists for every instance.
    assert_error(c.post("/signup", json={"username": name, "password": PASSWORD}), 409, "user_exists")


@pytest.mark.parametrize("run", range(5))
def test_simultaneous_start_shares_one_signer(pg_db, server_factory, run):
    """Three instances started at once on an empty database migrate once and
    accept each other's tokens straight away (not only after the 30 s reload)."""
    nodes = start_cluster(server_factory, pg_db, together=True)
    versions = psql(pg_db, "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations")
    assert versions == ",".join(str(v) for v in range(1, MIGRATIONS + 1))  # each applied once
    name = new_user(nodes[0])
    for i, issuer in enumerate(nodes):
        t = login(issuer, name)
        for j, n in enumerate(nodes):
            r = protected(n, t["access_token"])
            assert r.status_code == 200, f"token from instance {i} refused by instance {j}: {r.text}"


# -- revocation fan-out -------------------------------------------------------------


def refused_after(nodes, token, limit=3.0):
    """Seconds until /protected refuses `token` (401) on each of `nodes`."""
    t0 = time.monotonic()
    delays = {}
    for _ in range(int(limit / POLL) + 1):
        for i, n in enumerate(nodes):
            if i not in delays and protected(n, token).status_code == 401:
                delays[i] = time.monotonic() - t0
        if len(delays) == len(nodes) or time.monotonic() - t0 > limit:
            break
        time.sleep(POLL)
    return [delays.get(i) for i in range(len(nodes))]


def end_session(case, a, name, s1, s2):
    """Ends s1 (and, for logout_all, s2) through instance A; returns the
    sessions that must keep working and the password now in force."""
    post = lambda path, tok, **kw: a.post(path, headers=bearer(tok), **kw)  # noqa: E731
    if case == "logout":
        r = post("/logout", s1["access_token"], json={})
    elif case == "logout_others":
        r = post("/logout_others", s2["access_token"])
    elif case == "logout_all":
        r = post("/logout_all", s1["access_token"])
    elif case == "change_password":
        r = post("/change_password", s2["access_token"],
                 json={"current_password": PASSWORD, "new_password": "a brand new password"})
        assert r.status_code == 200, r.text
        return [s2], "a brand new password"
    elif case == "revoke":
        r = a.post("/revoke", data={"token": s1["refresh_token"]})
    elif case == "reuse":
        assert refresh(a, s1["refresh_token"]).status_code == 200
        time.sleep(2.2)  # past REFRESH_REUSE_GRACE=1s (whole seconds)
        r = refresh(a, s1["refresh_token"])
        assert_error(r, 401, "token_reused")
        return [s2], PASSWORD
    assert r.status_code == 200, r.text
    return ([] if case == "logout_all" else [s2]), PASSWORD


@pytest.mark.parametrize("case", ["logout", "logout_others", "logout_all", "change_password", "revoke",
                                  "reuse"])
def test_revocation_reaches_every_instance_within_a_second(pg_db, server_factory, case):
    a, b, c = start_cluster(server_factory, pg_db, env={"REFRESH_REUSE_GRACE": "1s"})
    name = new_user(a)
    s1, s2 = login(a, name), login(a, name)
    for n in (a, b, c):  # both sessions live everywhere first
        assert protected(n, s1["access_token"]).status_code == 200
        assert protected(n, s2["access_token"]).status_code == 200
    survivors, password = end_session(case, a, name, s1, s2)
    delays = refused_after([b, c], s1["access_token"])
    assert None not in delays, f"{case}: still accepted after 3 s on B/C: {delays}"
    MEASURED["fanout"].extend(delays)
    print(f"fan-out {case}: B {delays[0] * 1000:.0f} ms, C {delays[1] * 1000:.0f} ms")
    assert max(delays) < FANOUT_LIMIT, f"{case}: {delays}"
    for n in (a, b, c):
        assert_error(protected(n, s1["access_token"]), 401, "token_revoked")
        for s in survivors:
            assert protected(n, s["access_token"]).status_code == 200
        if case == "logout_all":
            assert_error(protected(n, s2["access_token"]), 401, "token_revoked")
    assert_error(refresh(b, s1["refresh_token"]), 401, None)
    login(c, name, password)
    if password != PASSWORD:
        old = b.post("/login", json={"username": name, "password": PASSWORD})
        assert_error(old, 401, "invalid_credentials")


# -- one refresh token, fifty requests, three instances ----------------------------


def parallel(call, n):
    """call(http, i) for i in range(n), all released at once from n threads,
    each with its own connection; the results (or the exceptions' repr)."""
    out = [None] * n
    barrier = threading.Barrier(n, timeout=10)

    def run(i):
        with direct_session() as http:
            try:
                barrier.wait()
                out[i] = call(http, i)
            except Exception as e:  # noqa: BLE001 - reported by the caller
                out[i] = repr(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=30)
    return out


@pytest.mark.parametrize("run", range(5))
def test_parallel_refresh_across_instances_makes_one_chain(cluster, pg_db, run):
    name = new_user(cluster[0])
    t = login(cluster[run % 3], name)

    def one(http, i):
        r = http.post(cluster[i % 3].url("/refresh_token"), json={"refresh_token": t["refresh_token"]},
                      timeout=10)
        return r.status_code, r.json().get("refresh_token"), r.text

    results = parallel(one, 50)
    bad = [r for r in results if not isinstance(r, tuple) or r[0] != 200]
    assert not bad, f"{len(bad)} of 50 refreshes failed, e.g. {bad[:3]}"
    chains = {r[1] for r in results}
    assert len(chains) == 1, f"{len(chains)} different refresh tokens: the chain forked"
    assert session_row(pg_db, t["session_id"], "generation") == "1"
    nxt = refresh(cluster[(run + 1) % 3], chains.pop())
    assert nxt.status_code == 200, nxt.text
    assert session_row(pg_db, t["session_id"], "generation") == "2"
    for node in cluster:
        assert protected(node, nxt.json()["new_access_token"]).status_code == 200


# -- PostgreSQL goes away and comes back ---------------------------------------------

needs_pg_dir = pytest.mark.skipif(not PG_DIR, reason="LATCHKEY_TEST_PG_DIR is unset")


@contextlib.contextmanager
def postgres_down():
    pg_ctl("pause")
    try:
        yield
    finally:
        pg_ctl("resume")


def list_sessions_at_once(node, token, n=16):
    """n concurrent /get_active_sessions (each needs a pooled connection)."""
    return parallel(lambda http, i: http.get(node.url("/get_active_sessions"), headers=bearer(token),
                                             timeout=10).status_code, n)


@needs_pg_dir
@pytest.mark.stops_postgres
def test_outage_answers_503_and_recovers_without_restart(cluster, pg_db):
    a, b, c = cluster
    name = new_user(a)
    before = new_user(b)  # acknowledged before the fault: must not be lost
    t = login(a, name)
    gone = login(b, name)
    assert b.post("/logout", headers=bearer(gone["access_token"]), json={}).status_code == 200
    with postgres_down():
        for n in cluster:
            for what, call in [
                ("login", lambda: n.post("/login", json={"username": name, "password": PASSWORD})),
                ("signup", lambda: n.post("/signup", json={"username": unique_name(), "password": PASSWORD})),
                ("refresh", lambda: refresh(n, t["refresh_token"])),
            ]:
                t0 = time.monotonic()
                r = call()
                took = time.monotonic() - t0
                MEASURED["unavailable"].append(took)
                assert_error(r, 503, "unavailable")
                assert r.headers.get("Retry-After"), f"{what}: no Retry-After"
                assert took < 2.5, f"{what} took {took:.2f}s"
            assert protected(n, t["access_token"]).status_code == 200  # from memory
            assert_error(protected(n, gone["access_token"]), 401, "token_revoked")
        assert all(n.running() for n in cluster), "an instance died while PostgreSQL was down"

    deadline = time.monotonic() + 10
    for n in cluster:
        while True:
            r = n.post("/login", json={"username": before, "password": PASSWORD})
            if r.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert r.status_code == 200, f"no recovery within 10 s: {r.status_code} {r.text}"
        assert protected(n, t["access_token"]).status_code == 200
    assert all(n.running() for n in cluster)
    r = refresh(c, t["refresh_token"])
    assert r.status_code == 200, r.text
    assert refresh(a, r.json()["refresh_token"]).status_code == 200
    assert session_row(pg_db, gone["session_id"], "revoked_at IS NOT NULL") == "t"
    # The listeners are back too: a logout after the outage still fans out.
    assert a.post("/logout", headers=bearer(t["access_token"]), json={}).status_code == 200
    delays = refused_after([b, c], t["access_token"])
    assert None not in delays and max(delays) < FANOUT_LIMIT, delays


@needs_pg_dir
@pytest.mark.stops_postgres
def test_no_503_from_pooled_connections_that_outlived_an_outage(cluster):
    """A connection idle in the pool across a PostgreSQL restart must not cost
    a client a 503 once PostgreSQL is back."""
    name = new_user(cluster[0])
    t = login(cluster[0], name)
    for n in cluster:  # open several pooled connections on each instance
        assert list_sessions_at_once(n, t["access_token"]) == [200] * 16
    with postgres_down():
        pass
    time.sleep(1)  # PostgreSQL has been back for a while
    failed = {}
    for n in cluster:
        codes = list_sessions_at_once(n, t["access_token"])
        if codes != [200] * 16:
            errors = [e.get("detail") for e in n.log_events() if e.get("event") == "store.postgres"]
            failed[n.port] = (sorted(codes), errors[-1:])
    assert not failed, f"answers after PostgreSQL came back, by port: {failed}"


# -- copy-store and migrate -------------------------------------------------------


def test_copy_store_from_sqlite(pg_db, server_factory):
    old = server_factory(env=COMMON)
    name = new_user(old)
    kept, gone = login(old, name), login(old, name)
    r = refresh(old, kept["refresh_token"])
    assert r.status_code == 200
    kept_rt, kept_at = r.json()["refresh_token"], r.json()["new_access_token"]
    r = old.post("/logout", headers=bearer(kept_at), json={"session_id": gone["session_id"]})
    assert r.status_code == 200, r.text
    assert old.stop() == 0

    args = ["copy-store", "--from", f"sqlite://{old.workdir / 'latchkey.db'}", "--to", pg_db]
    out = run_to_exit(old.workdir, args=args, timeout=20)
    assert out.code == 0, out.stderr
    m = re.search(r"copied (\d+) users, (\d+) sessions, (\d+) keys, (\d+) secrets", out.stdout)
    assert m, out.stdout
    assert (int(m[1]), int(m[2])) == (1, 2) and int(m[3]) >= 1 and int(m[4]) >= 1, out.stdout

    new = server_factory(env=COMMON, database_url=pg_db)
    login(new, name)
    assert protected(new, kept_at).status_code == 200
    r = refresh(new, kept_rt)
    assert r.status_code == 200, r.text
    assert_error(protected(new, gone["access_token"]), 401, "token_revoked")
    assert_error(refresh(new, gone["refresh_token"]), 401, "token_revoked")

    again = run_to_exit(old.workdir, args=args, timeout=20)
    assert again.code == 1, again
    assert "empty database" in again.stderr, again.stderr
    assert psql(pg_db, "SELECT count(*) FROM users") == "1"


def test_clients_across_instances(pg_db, server_factory):
    """A client registered on one instance is managed on another, and by the
    CLI; its secrets are stored as digests only."""
    admin_token = "admin-token-for-the-postgres-clients-test-0123456789"
    a, b = [server_factory(env={**COMMON, "ADMIN_TOKEN": admin_token}, database_url=pg_db) for _ in range(2)]
    r = a.post("/register", headers=bearer(admin_token),
               json={"client_name": "On PG", "redirect_uris": ["https://pg.example/cb"]})
    assert r.status_code == 201, r.text
    c = r.json()
    token = c["registration_access_token"]
    assert c["registration_client_uri"] == "http://latchkey.test/register/" + c["client_id"]
    read = b.get("/register/" + c["client_id"], headers=bearer(token))
    assert read.status_code == 200 and read.json()["client_name"] == "On PG"
    row = psql(pg_db, "SELECT secret_digest || ' ' || registration_digest FROM oauth_clients "
                      f"WHERE id = '{c['client_id']}'")
    assert c["client_secret"] not in row and token not in row
    out = run_to_exit(b.workdir, env={"DATABASE_URL": pg_db, **COMMON}, args=["clients", "list", "--json"],
                      timeout=20)
    assert out.code == 0, out.stderr
    assert c["client_id"] in [x["client_id"] for x in json.loads(out.stdout)["clients"]]
    rotated = b.post(f"/admin/clients/{c['client_id']}/secret", headers=bearer(admin_token))
    assert rotated.status_code == 200 and rotated.json()["client_secret"] != c["client_secret"]
    assert b.request("DELETE", "/register/" + c["client_id"], headers=bearer(token)).status_code == 204
    r = a.get("/register/" + c["client_id"], headers=bearer(token))
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"


def url_forms(url):
    u = urlsplit(url)
    return {
        "postgres": url,
        "postgresql": url.replace("postgres://", "postgresql://", 1),
        "keyvalue": f"host={u.hostname} port={u.port} user={u.username} dbname={u.path.lstrip('/')}",
    }


@pytest.mark.parametrize("form", ["postgres", "postgresql", "keyvalue"])
def test_migrate_exits_0(tmp_path, pg_db, form):
    url = url_forms(pg_db)[form]
    for _ in range(2):  # a second run finds nothing to do
        out = run_to_exit(tmp_path, env={"DATABASE_URL": url}, args=["migrate"], timeout=20)
        assert out.code == 0, out.stderr
    assert psql(pg_db, "SELECT max(version) FROM schema_migrations") == str(MIGRATIONS)
    assert psql(pg_db, "SELECT count(*) FROM users") == "0"


# -- abuse limits shared by the instances ----------------------------------------------

LIMITS_ADMIN = "admin-token-for-the-shared-limits-0123456789abcdef"
# Every limit at its default (the harness turns some off), and the admin API on.
SHARED_LIMITS = {"LIMIT_FLOOD": None, "LIMIT_LOGIN_IP": None, "LIMIT_SIGNUP": None, "LOGIN_LOCK_AFTER": None,
                 "ACCOUNT_LOCK_AFTER": None, "ADMIN_TOKEN": LIMITS_ADMIN}


def failures_until(nodes, attempt, locked, cap):
    """Failed attempts (`attempt(node, i)`), round-robin over `nodes`, until
    `locked()` says so; how many it took."""
    for i in range(cap):
        attempt(nodes[i % len(nodes)], i)
        if locked():
            return i + 1
    return None


@needs_loopback_aliases
def test_limits_hold_across_instances_as_for_one(pg_db, server_factory):
    """N instances give an attacker the budget of one: the failures that
    lock an account from an address, and that throttle an address, are the
    same round-robin over three instances as on one."""
    nodes = start_cluster(server_factory, pg_db, env=SHARED_LIMITS)
    a = nodes[0]
    admin = bearer(LIMITS_ADMIN)

    def pair_locked(name, ip):
        def check():
            r = a.get(f"/admin/users/{name}/locks", headers=admin)
            assert r.status_code == 200, r.text
            return any(x["limit"] == "login_pair" and x["ip"] == ip for x in r.json()["locks"])
        return check

    def wrong_password(name, ip):
        def attempt(node, i):
            r = call(node.port, "POST", "/login", {"username": name, "password": f"guess {i}"}, source=ip)
            assert r.status in (401, 429), r.status
        return attempt

    def throttled(ip, box):
        def check():
            return box and box[-1] == 429
        return check

    def stuffing(ip, box):
        def attempt(node, i):
            box.append(call(node.port, "POST", "/login", {"username": unique_name(f"s{i}"), "password": "guess"}, source=ip).status)
        return attempt

    results = {}
    for label, group, ip in (("one", [a], "127.0.0.21"), ("three", nodes, "127.0.0.22")):
        name = new_user(a)
        results[("pair", label)] = failures_until(group, wrong_password(name, ip), pair_locked(name, ip), 40)
    for label, group, ip in (("one", [a], "127.0.0.23"), ("three", nodes, "127.0.0.24")):
        box = []
        # Requests until the first 429: the failures allowed, plus the refused one.
        results[("ip", label)] = failures_until(group, stuffing(ip, box), throttled(ip, box), 120)
    print(f"\n[limits] failures to lock/throttle, one instance vs three: {results}")
    for what in ("pair", "ip"):
        one, three = results[(what, "one")], results[(what, "three")]
        assert one is not None and three is not None, results
        assert abs(three - one) <= 0.1 * one, results
    assert results[("pair", "one")] == 6 and results[("ip", "one")] == 52, results


@needs_pg_dir
@pytest.mark.stops_postgres
def test_limits_count_in_memory_while_postgres_is_away(pg_db, server_factory):
    """A database outage neither turns the limits off nor blocks what does
    not need the database: each instance counts alone meanwhile, says so
    (log, /metrics), and goes back to the shared counters by itself."""
    s = server_factory(env={**COMMON, "ADMIN_TOKEN": LIMITS_ADMIN, "LIMIT_ADMIN_TOKEN": "3/1m"}, database_url=pg_db)
    with postgres_down():
        codes = [s.get("/admin/users", headers=bearer("wrong")).status_code for _ in range(6)]
        assert codes == [401] * 4 + [429] * 2, codes
        deadline = time.monotonic() + 5
        while 'latchkey_limit_store_down 1' not in s.get("/metrics").text:
            assert time.monotonic() < deadline, "the fallback is not on /metrics"
            time.sleep(0.1)
        assert any(e.get("event") == "limits.store_unavailable" for e in s.log_events())
    deadline = time.monotonic() + 10
    while 'latchkey_limit_store_down 0' not in s.get("/metrics").text:
        assert time.monotonic() < deadline, "the shared counters did not come back"
        time.sleep(0.2)
    assert any(e.get("event") == "limits.store_back" for e in s.log_events())


# -- mail on PostgreSQL: the triggers, the outbox, two senders ------------------------------


def test_mail_across_instances(pg_db, server_factory, smtp):
    """Two instances on one database, both sending: a link issued by one is
    spent on the other, the notices come from PostgreSQL's triggers, and
    every message arrives (at least once: two senders may both take one,
    with the same Message-ID)."""
    from mail_support import mail_env, new_address  # noqa: PLC0415

    a, b = (server_factory(env={**COMMON, **mail_env(smtp)}, database_url=pg_db) for _ in range(2))

    def token_of(kind, to):
        m = smtp.wait_for(kind=kind, to=to)
        return urllib.parse.parse_qs(urllib.parse.urlsplit(m.text.split("http", 1)[1].split()[0]).query)["token"][0]

    address = new_address("pg")
    name = unique_name("pgmail")
    assert a.post("/signup", json={"username": name, "password": PASSWORD, "email": address}).status_code == 201
    r = b.post("/email/verify", json={"token": token_of("verify_email", address)})
    assert r.status_code == 200, r.text
    assert b.post("/password/forgot", json={"email": address}).status_code == 202
    new_password = "pg reset passphrase 42"
    r = a.post("/password/reset", json={"token": token_of("reset_password", address), "new_password": new_password})
    assert r.status_code == 200, r.text
    smtp.wait_for(kind="password_changed", to=address)
    login(a, name, new_password)
    b.post("/login", json={"username": name, "password": new_password}, headers={"User-Agent": "PG phone"})
    notice = smtp.wait_for(kind="new_device", to=address)
    assert name in notice.text
    ids = {}
    for m in smtp.messages(to=address):
        ids.setdefault(m.kind, set()).add(m.message_id)
    assert all(len(v) == 1 for v in ids.values()), ids  # duplicates, if any, share their Message-ID
    assert psql(pg_db, "SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL") == "0"
    assert psql(pg_db, "SELECT COUNT(*) FROM mail_outbox WHERE detail LIKE '%token=%'") == "0"
