"""GET /healthz and GET /readyz: liveness, and readiness that really checks
the database (answered from a check run every second, never per probe) and
the signing keys; 503 with the reasons while PostgreSQL is down, 200 again
once it is back, without a restart.

The PostgreSQL test needs LATCHKEY_TEST_PG_URL and LATCHKEY_TEST_PG_DIR (see
scripts/pg-test-server.sh).
"""
import os
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from conftest import PASSWORD, assert_error, clean_env, login, new_user, protected

PG_URL = os.environ.get("LATCHKEY_TEST_PG_URL")
PG_DIR = os.environ.get("LATCHKEY_TEST_PG_DIR")
PG_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "pg-test-server.sh"
needs_pg = pytest.mark.skipif(not (PG_URL and PG_DIR) and os.environ.get("LATCHKEY_REQUIRE_PG") != "1",
                              reason="LATCHKEY_TEST_PG_URL or LATCHKEY_TEST_PG_DIR is unset")


def test_healthz_and_readyz(server):
    assert server.get("/healthz").json() == {"status": "ok"}
    r = server.get("/readyz")
    assert r.status_code == 200 and r.json() == {"status": "ready"}
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Cache-Control"] == "no-store"


def test_readyz_bad_input(server):
    assert_error(server.post("/readyz", json={}), 405, "method_not_allowed")
    assert_error(server.get("/readyz/"), 404, "not_found")
    assert server.get("/readyz?full=1", data=b"ignored").json() == {"status": "ready"}


def test_a_probe_storm_does_not_reach_the_database(server):
    # Probes read the last check: 500 of them cost no database call (the
    # database lane's wait histogram counts every database call).
    def db_calls():
        text = server.get("/metrics").text
        line = next(l for l in text.splitlines()
                    if l.startswith('latchkey_worker_wait_seconds_count{lane="database"}'))
        return float(line.split()[-1])

    before = db_calls()
    t0 = time.monotonic()
    for _ in range(500):
        assert server.get("/readyz").status_code == 200
    took = time.monotonic() - t0
    # Only the periodic check (one a second, with a count every 5) ran meanwhile.
    assert db_calls() - before <= 2 * (took + 1) + 2


def db_url(name):
    u = urlsplit(PG_URL)
    return urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))


def psql(url, sql):
    r = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-Atqc", sql], capture_output=True, text=True,
                       timeout=20, env=clean_env({"PGCONNECT_TIMEOUT": "5"}))
    assert r.returncode == 0, r.stderr


def pg_ctl(action):
    r = subprocess.run(["bash", str(PG_SCRIPT), action, PG_DIR], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


@pytest.fixture
def pg_db():
    name = f"t_{uuid.uuid4().hex[:16]}"
    psql(db_url("postgres"), f'CREATE DATABASE "{name}"')
    yield db_url(name)
    psql(db_url("postgres"), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_for(server, status, limit):
    """Seconds until /readyz answers `status`; fails after `limit`."""
    t0 = time.monotonic()
    while True:
        r = server.get("/readyz", timeout=5)
        if r.status_code == status:
            return time.monotonic() - t0, r
        assert time.monotonic() - t0 < limit, f"/readyz still {r.status_code} {r.text} after {limit}s"
        time.sleep(0.1)


@needs_pg
@pytest.mark.stops_postgres
def test_readyz_follows_postgres_down_and_back(pg_db, server_factory):
    s = server_factory(database_url=pg_db)
    name = new_user(s)
    t = login(s, name)
    assert s.get("/readyz").status_code == 200
    pg_ctl("pause")
    try:
        took, r = wait_for(s, 503, limit=5)
        body = r.json()
        assert body["error"] == "not_ready" and body["status"] == "not_ready", body
        assert body["reasons"] and all(isinstance(x, str) for x in body["reasons"]), body
        assert "database" in body["message"], body
        assert r.headers.get("Retry-After") == "1"
        # Liveness is not readiness: the process is fine, and /protected
        # keeps working from memory.
        assert s.get("/healthz").status_code == 200
        assert protected(s, t["access_token"]).status_code == 200
        probe = time.monotonic()
        assert s.get("/readyz").status_code == 503
        assert time.monotonic() - probe < 0.5, "a probe waited for the database"
        metrics = s.get("/metrics").text
        assert "latchkey_ready 0" in metrics
        errors = [l for l in metrics.splitlines() if l.startswith('latchkey_db_errors_total{kind="unavailable"}')]
        assert errors and float(errors[0].split()[-1]) >= 1, errors
    finally:
        pg_ctl("resume")
    back, _ = wait_for(s, 200, limit=10)
    print(f"\n[readyz] 503 after {took:.2f} s of outage, 200 again {back:.2f} s after PostgreSQL returned")
    assert s.post("/login", json={"username": name, "password": PASSWORD}).status_code == 200
    assert "latchkey_ready 1" in s.get("/metrics").text
    assert s.stop() == 0
