"""The memory and big-database scenarios: users and sessions written straight
into SQLite (argon2id at OWASP cost would take 11 minutes for 100,000 users:
2 cores x 13 ms), with real-format rows: a real argon2id hash string, real
token digests' length, then the real server started on that database."""
import hashlib
import os
import sqlite3
import subprocess
import time
import uuid

import server as srv

REVOKED_SHARE = 10  # one session in ten ended recently: the revocation set at start


def migrate(binary, db):
    subprocess.run([str(binary), "migrate"], check=True, capture_output=True, timeout=60,
                   env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite://{db}"})


def real_hash(binary, work):
    """One argon2id hash string made by latchkey itself, reused for every
    seeded user (same length and format as each real one)."""
    db = work / "hash.db"
    with srv.Latchkey(binary, db) as s:
        s.signup("hash-source", "bench password correct horse")
    with sqlite3.connect(db) as c:
        return c.execute("SELECT password_hash FROM users").fetchone()[0]


def add_users(db, start, count, password_hash):
    now = int(time.time())
    with sqlite3.connect(db) as c:
        c.execute("PRAGMA synchronous=OFF")
        c.executemany(
            "INSERT INTO users (id, username, password_hash, created_at, username_key) "
            "VALUES (?, ?, ?, ?, ?)",
            ((str(uuid.uuid4()), f"seeded{i}", password_hash, now, f"seeded{i}")
             for i in range(start, start + count)))


def add_sessions(db, count):
    """One session per seeded user, one in REVOKED_SHARE ended a minute ago."""
    now = int(time.time())
    with sqlite3.connect(db) as c:
        c.execute("PRAGMA synchronous=OFF")
        ids = [r[0] for r in c.execute("SELECT id FROM users WHERE username LIKE 'seeded%' LIMIT ?",
                                       (count,))]

        def rows():
            for n, uid in enumerate(ids):
                revoked = n % REVOKED_SHARE == 0
                yield (str(uuid.uuid4()), uid, hashlib.sha256(os.urandom(16)).hexdigest(),
                       now - 3600, now - 60, now + 30 * 86400,
                       now - 60 if revoked else None, "logout" if revoked else None,
                       "curl/8.0", "127.0.0.1", n)
        c.executemany(
            "INSERT INTO sessions (id, user_id, refresh_hash, created_at, last_used_at, "
            "expires_at, revoked_at, revoked_reason, user_agent, ip, created_seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows())
        return len(ids)


def db_size(db):
    return sum(os.path.getsize(p) for p in (db, f"{db}-wal") if os.path.exists(p))


def memory_scenarios(args, work, measure, print_row):
    out = {}
    with srv.Latchkey(args.bin, work / "idle.db") as s:
        time.sleep(1.0)
        out["idle"] = {"startup_ms": s.startup_s * 1000, "rss_mb": s.rss() / 1e6}
    print(f"  idle: start {out['idle']['startup_ms']:.0f} ms, RSS {out['idle']['rss_mb']:.1f} MB",
          flush=True)

    db = work / "big.db"
    migrate(args.bin, db)
    h = real_hash(args.bin, work)
    t0 = time.monotonic()
    add_users(db, 0, args.users, h)
    with srv.Latchkey(args.bin, db) as s:
        time.sleep(1.0)
        out["users"] = {"count": args.users, "seed_s": time.monotonic() - t0,
                        "startup_ms": s.startup_s * 1000, "rss_mb": s.rss() / 1e6,
                        "db_mb": db_size(db) / 1e6}
    print(f"  {args.users} users: start {out['users']['startup_ms']:.0f} ms, "
          f"RSS {out['users']['rss_mb']:.1f} MB, database {out['users']['db_mb']:.1f} MB", flush=True)

    if args.sessions > args.users:
        add_users(db, args.users, args.sessions - args.users, h)
    n = add_sessions(db, args.sessions)
    with srv.Latchkey(args.bin, db) as s:
        time.sleep(1.0)
        big = {"users": max(args.users, args.sessions), "sessions": n,
               "revoked_at_start": n // REVOKED_SHARE, "startup_ms": s.startup_s * 1000,
               "rss_mb": s.rss() / 1e6, "db_mb": db_size(db) / 1e6}
        print(f"  {big['users']} users, {n} sessions: start {big['startup_ms']:.0f} ms, "
              f"RSS {big['rss_mb']:.1f} MB, database {big['db_mb']:.1f} MB", flush=True)
        from run import token_scenarios  # noqa: E402  (no cycle at import time)
        _, sc = token_scenarios(s, work, args, True, "b", 200, 5)
        big["rows"] = []
        for key, name in (("protected", "protected_es256_1m"),
                          ("sessions", "get_active_sessions_1m")):
            sc[key].name = name
            big["rows"].append(measure(s, sc[key], args))
            print_row(big["rows"][-1])
        big["rss_after_mb"] = s.rss() / 1e6
    out["big"] = big
    return out
