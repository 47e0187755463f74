#!/usr/bin/python3
"""Database round trips per successful login on PostgreSQL: the committed
transactions (pg_stat_database.xact_commit: every statement outside a
transaction is one, a transaction is one) a server makes for N logins,
divided by N. Compares binaries, e.g. before and after a change:

    bench/round_trips.py --pg postgres://postgres@127.0.0.1:5432/postgres \\
        --bin before=/path/to/old/latchkey --bin after=build/latchkey

Each binary gets a database of its own. Background work (the audit trail's
batched writes, every 250 ms; readiness pings, every second) is measured
over the same time without logins and taken off.
"""
import argparse
import pathlib
import subprocess
import sys
import tempfile
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import server as srv  # noqa: E402

PASSWORD = "bench password correct horse"


def psql(url, sql):
    r = subprocess.run(["psql", url, "-Atqc", sql], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        sys.exit(f"psql: {r.stderr}")
    return r.stdout.strip()


def with_db(url, name):
    u = urlsplit(url)
    return urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))


def commits(url, name):
    psql(url, "SELECT pg_stat_clear_snapshot()")
    return int(psql(url, f"SELECT xact_commit FROM pg_stat_database WHERE datname = '{name}'"))


def measure(binary, pg, logins):
    name = f"rt_{uuid.uuid4().hex[:12]}"
    psql(pg, f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory() as work:
            # The old per-IP login rate off (a binary before the abuse limits
            # knew it); the new limits at their defaults.
            env = {"DATABASE_URL": with_db(pg, name), "DATABASE_THREADS": "4", "LOGIN_RATE_PER_MINUTE": "0",
                   "LIMIT_LOGIN_IP": "50/10m"}
            with srv.Latchkey(binary, pathlib.Path(work) / "unused.db", env) as server:
                server.signup("rtuser", PASSWORD)
                time.sleep(1.5)
                # The same time twice: idle, then with `logins` logins.
                t0, c0 = time.monotonic(), commits(pg, name)
                time.sleep(3.0)
                idle = commits(pg, name) - c0
                idle_s = time.monotonic() - t0
                t0, c0 = time.monotonic(), commits(pg, name)
                for _ in range(logins):
                    server.login("rtuser", PASSWORD)
                elapsed = time.monotonic() - t0
                busy = commits(pg, name) - c0
                background = idle * elapsed / idle_s
                return (busy - background) / logins, busy, background
    finally:
        psql(pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", required=True, help="a PostgreSQL URL whose user may create databases")
    ap.add_argument("--bin", action="append", required=True, help="LABEL=PATH, repeatable")
    ap.add_argument("--logins", type=int, default=200)
    args = ap.parse_args()
    for spec in args.bin:
        label, _, path = spec.partition("=")
        per_login, busy, background = measure(path, args.pg, args.logins)
        print(f"{label:<10} {per_login:5.2f} transactions per login "
              f"({busy} for {args.logins} logins, ~{background:.0f} of them background)", flush=True)


if __name__ == "__main__":
    main()
