"""Faults: kill -9 in the middle of a burst, a full disk, a read-only database.

What is checked each time: nothing answered 2xx is lost, the database stays
consistent, writes that cannot be made answer 503 `unavailable` while reads
go on, and the process neither crashes nor needs manual repair.
"""
import collections
import concurrent.futures
import os
import pwd
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests

import conftest
from conftest import (LATCHKEY_BIN, PASSWORD, Server, assert_error, bearer, direct_session, login, new_user,
                      protected, refresh, sessions, unique_name)


class CustomServer(Server):
    """conftest's Server, started with extra Popen arguments (preexec_fn,
    user, group...) and its log kept outside the working directory."""

    def __init__(self, workdir, popen_kwargs=None, log_path=None, **kw):
        super().__init__(workdir, **kw)
        self.popen_kwargs = dict(popen_kwargs or {})
        if log_path is not None:
            self.log_path = Path(log_path)

    def start(self, wait=True):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self._log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen([LATCHKEY_BIN, *self.args], cwd=self.workdir, env=self.env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self._log_file, **self.popen_kwargs)
        conftest._live_processes.append(self.proc)
        self.http = direct_session()
        if wait:
            self.wait_ready()
        return self


@pytest.fixture
def custom_servers():
    """make(workdir, ...) -> CustomServer (not started); all killed at teardown."""
    made = []

    def make(workdir, **kw):
        s = CustomServer(workdir, **kw)
        made.append(s)
        return s

    yield make
    for s in made:
        if s.running():
            s.stop()
        s.kill9()


def db_files(workdir):
    return {p.name: p.stat().st_size for p in Path(workdir).glob("latchkey.db*")}


def check_database(path):
    """PRAGMA integrity_check, foreign keys and whole rows, read-only with the
    stdlib sqlite3 module (safe beside a running server: WAL)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        bad_sessions = db.execute(
            "SELECT id, user_id, refresh_hash, created_at, expires_at FROM sessions WHERE "
            "id IS NULL OR id = '' OR user_id IS NULL OR user_id = '' OR refresh_hash IS NULL OR "
            "refresh_hash = '' OR created_at IS NULL OR expires_at IS NULL OR expires_at <= created_at").fetchall()
        assert bad_sessions == [], bad_sessions
        bad_users = db.execute(
            "SELECT id, username FROM users WHERE id IS NULL OR id = '' OR username IS NULL OR username = '' "
            "OR password_hash IS NULL OR password_hash = ''").fetchall()
        assert bad_users == [], bad_users
        return {"users": db.execute("SELECT COUNT(*) FROM users").fetchone()[0],
                "sessions": db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]}
    finally:
        db.close()


# -- kill -9 in the middle of a burst ---------------------------------------------------------

ROUNDS = 3
THREADS = 8
BURST_SECONDS = 2.0


class Ledger:
    """Everything the server answered 2xx, across rounds."""

    def __init__(self):
        self.lock = threading.Lock()
        self.users = {}  # name -> owner thread
        self.sessions = {}  # session id -> record
        self.unexpected = []

    def add_session(self, user, owner, answer):
        with self.lock:
            self.sessions[answer["session_id"]] = {
                "user": user, "owner": owner, "access": answer["access_token"],
                "refresh": answer["refresh_token"], "logged_out": False, "uncertain": None}

    def live(self, owner):
        with self.lock:
            return [sid for sid, r in self.sessions.items()
                    if r["owner"] == owner and not r["logged_out"] and not r["uncertain"]]

    def users_of(self, owner):
        with self.lock:
            return [u for u, o in self.users.items() if o == owner]


def burst_worker(port, owner, ledger, stop, deadline, seed, tally):
    rng = random.Random(seed)
    http = direct_session()
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(10_000):  # bounded; the deadline or the kill ends it first
            if stop.is_set() or time.monotonic() >= deadline:
                return
            users, live = ledger.users_of(owner), ledger.live(owner)
            op = rng.choices(["signup", "login", "refresh", "logout"], weights=[3, 3, 4, 2])[0]
            if not users:
                op = "signup"
            elif op in ("refresh", "logout") and not live:
                op = "login"
            sid = rng.choice(live) if op in ("refresh", "logout") else None
            rec = ledger.sessions[sid] if sid else None
            try:
                if op == "signup":
                    name = unique_name(f"k{owner}")
                    r = http.post(url + "/signup", json={"username": name, "password": PASSWORD}, timeout=10)
                elif op == "login":
                    name = rng.choice(users)
                    r = http.post(url + "/login", json={"username": name, "password": PASSWORD}, timeout=10)
                elif op == "refresh":
                    rec["uncertain"] = "refresh"  # until answered
                    r = http.post(url + "/refresh_token", headers=bearer(rec["refresh"]),
                                  json={"refresh_token": rec["refresh"]}, timeout=10)
                else:
                    rec["uncertain"] = "logout"
                    r = http.post(url + "/logout", headers=bearer(rec["access"]), timeout=10)
            except requests.RequestException:
                tally["unanswered"] += 1
                return  # the server is gone (killed); whatever was in flight stays uncertain
            ok = {"signup": 201, "login": 200, "refresh": 200, "logout": 200}[op]
            if r.status_code != ok:
                with ledger.lock:
                    ledger.unexpected.append((op, r.status_code, r.text[:200]))
                continue  # a refused refresh or logout leaves its session uncertain
            tally[op] += 1
            if op == "signup":
                with ledger.lock:
                    ledger.users[name] = owner
            elif op == "login":
                ledger.add_session(name, owner, r.json())
            elif op == "refresh":
                body = r.json()
                rec["access"], rec["refresh"] = body["new_access_token"], body["refresh_token"]
                rec["uncertain"] = None
            else:
                rec["logged_out"], rec["uncertain"] = True, None
    finally:
        http.close()


def verify_nothing_lost(server, ledger):
    """After a restart: every 2xx answer of every round still holds."""
    problems = []
    with ledger.lock:
        users = dict(ledger.users)
        records = dict(ledger.sessions)
    by_user = collections.defaultdict(list)
    for sid, rec in records.items():
        by_user[rec["user"]].append(sid)

    def check_user(name):
        out = []
        with direct_session() as http:
            url = f"http://127.0.0.1:{server.port}"
            r = http.post(url + "/login", json={"username": name, "password": PASSWORD}, timeout=10)
            if r.status_code != 200:
                return [f"signup of {name} answered 201, login now {r.status_code} {r.text[:100]}"], None
            fresh = r.json()
            r = http.get(url + "/get_active_sessions", headers=bearer(fresh["access_token"]), timeout=10)
            listed = {x["session_id"] for x in r.json()["active_sessions"]} if r.status_code == 200 else set()
            if r.status_code != 200:
                out.append(f"sessions of {name}: {r.status_code}")
            for sid in by_user.get(name, ()):
                rec = records[sid]
                a = http.get(url + "/protected", headers=bearer(rec["access"]), timeout=10)
                if rec["logged_out"]:
                    if a.status_code != 401 or a.json().get("error") != "token_revoked":
                        out.append(f"logout of {sid} answered 200, its access token now {a.status_code} {a.text[:80]}")
                    if sid in listed:
                        out.append(f"logged-out session {sid} still listed")
                    continue
                if rec["uncertain"]:
                    continue  # a request for it was in flight at the kill
                if sid not in listed:
                    out.append(f"login {sid} of {name} answered 200, not listed after restart")
                if a.status_code != 200:
                    out.append(f"live session {sid}: access token {a.status_code} {a.text[:80]}")
                rr = http.post(url + "/refresh_token", headers=bearer(rec["refresh"]),
                               json={"refresh_token": rec["refresh"]}, timeout=10)
                if rr.status_code != 200:
                    out.append(f"live session {sid}: latest refresh token {rr.status_code} {rr.text[:80]}")
                    rec["uncertain"] = "failed check"
                else:
                    rec["access"], rec["refresh"] = rr.json()["new_access_token"], rr.json()["refresh_token"]
        return out, fresh

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        for name, (out, fresh) in zip(users, pool.map(check_user, users)):
            problems += out
            if fresh is not None:  # the verification login is a 2xx too: keep it in the ledger
                ledger.add_session(name, users[name], fresh)
    return problems


def test_kill9_during_burst_loses_nothing(server_factory, tmp_path):
    seed = int(os.environ.get("LATCHKEY_E2E_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    workdir = tmp_path / "burst"
    s = server_factory(workdir=workdir)
    ledger = Ledger()
    figures = []
    for rnd in range(1, ROUNDS + 1):
        stop = threading.Event()
        tally = collections.Counter()
        kill_at = rng.uniform(0.4, BURST_SECONDS - 0.1)
        t0 = time.monotonic()
        deadline = t0 + BURST_SECONDS + 1.0  # the kill comes first
        proc = s.proc

        def killer():
            stop.wait(max(0.0, t0 + kill_at - time.monotonic()))
            proc.send_signal(signal.SIGKILL)
            stop.set()

        threads = [threading.Thread(target=burst_worker, daemon=True,
                                    args=(s.port, i, ledger, stop, deadline, rng.random(), tally))
                   for i in range(THREADS)]
        k = threading.Thread(target=killer, daemon=True)
        for t in threads:
            t.start()
        k.start()
        k.join(timeout=BURST_SECONDS + 5)
        for t in threads:
            t.join(timeout=15)
        assert not any(t.is_alive() for t in threads), "a burst thread hung"
        assert s.kill9() == -signal.SIGKILL
        answered = sum(tally[op] for op in ("signup", "login", "refresh", "logout"))
        figures.append((rnd, kill_at, answered, dict(tally)))
        print(f"\nround {rnd}: kill -9 at {kill_at:.2f} s, {answered} requests answered 2xx "
              f"({', '.join(f'{op} {tally[op]}' for op in ('signup', 'login', 'refresh', 'logout'))}), "
              f"{tally['unanswered']} in flight at the kill; db files {db_files(workdir)}")
        assert answered > 0
        assert not ledger.unexpected, ledger.unexpected[:10]

        t_restart = time.monotonic()
        s.start()  # fails the test if it does not come up on its own
        restart_s = time.monotonic() - t_restart
        problems = verify_nothing_lost(s, ledger)
        counts = check_database(workdir / "latchkey.db")
        print(f"round {rnd}: restarted in {restart_s:.2f} s; checked {len(ledger.users)} users, "
              f"{sum(1 for r in ledger.sessions.values() if r['logged_out'])} logged-out and "
              f"{sum(1 for r in ledger.sessions.values() if not r['logged_out'] and not r['uncertain'])} "
              f"live sessions; {sum(1 for r in ledger.sessions.values() if r['uncertain'] and not r['logged_out'])} "
              f"uncertain; database {counts}")
        assert not problems, f"{len(problems)} acknowledged writes lost or wrong, e.g. {problems[:10]}"
    print(f"seed {seed}; figures (round, kill at s, answered 2xx, by op): {figures}")
    assert s.stop() == 0
    check_database(workdir / "latchkey.db")


# -- full disk (file size limit) ----------------------------------------------------------------


def _limit_file_size(n):
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (n, n))
    return apply


def test_full_disk_fails_writes_with_503_and_keeps_reads(server_factory, custom_servers, tmp_path):
    work = tmp_path / "fsize"
    first = server_factory(workdir=work)
    name = new_user(first)
    t = login(first, name)
    extras = [login(first, name) for _ in range(6)]
    assert first.stop() == 0
    sizes = db_files(work)
    n = sizes.get("latchkey.db", 0) + sizes.get("latchkey.db-wal", 0) + 24 * 1024
    print(f"\nfiles after a clean stop: {sizes}; RLIMIT_FSIZE {n} bytes")

    # The same port: tokens carry the issuer http://127.0.0.1:PORT.
    s = custom_servers(work, popen_kwargs={"preexec_fn": _limit_file_size(n)}, port=first.port)
    s.start()
    statuses, created, refused = [], [], []
    t_end = time.monotonic() + 20
    for i in range(400):
        if time.monotonic() > t_end or (len(refused) >= 5 and statuses[-5:] == [503] * 5):
            break
        user = unique_name("full")
        r = s.post("/signup", json={"username": user, "password": PASSWORD})
        statuses.append(r.status_code)
        if r.status_code == 201:
            created.append(user)
        else:
            assert_error(r, 503, "unavailable")
            assert r.headers.get("Retry-After") == "1"
            refused.append(user)
        assert s.running(), f"latchkey died (exit {s.proc.returncode}) at signup {i}; log:\n{s.log[-2000:]}"
    print(f"signups: {len(created)} answered 201, then {len(refused)} answered 503; files {db_files(work)}")
    assert refused, f"no write failed within {len(statuses)} signups (files {db_files(work)})"
    assert set(statuses) <= {201, 503}, collections.Counter(statuses)

    # Logins (smaller writes) until they fail too; a write that still fits
    # may succeed, and must then be durable like any other.
    logins, consecutive = [], 0
    for _ in range(30):
        r = s.post("/login", json={"username": name, "password": PASSWORD})
        if r.status_code == 200:
            logins.append(r.json())
            consecutive = 0
        else:
            assert_error(r, 503, "unavailable")
            consecutive += 1
            if consecutive == 3:
                break
        assert s.running()
    assert consecutive == 3, f"logins still succeed on a full disk ({len(logins)} answered 200)"

    # Reads keep working.
    assert s.get("/healthz").json() == {"status": "ok"}
    assert s.get("/.well-known/jwks.json").status_code == 200
    assert protected(s, t["access_token"]).status_code == 200
    listed = {x["session_id"] for x in sessions(s, t["access_token"])}
    assert {t["session_id"], *(x["session_id"] for x in logins)} <= listed
    # Every write answers 503 JSON (or 2xx, then durable), never another 5xx.
    r = s.post("/signup", json={"username": unique_name(), "password": PASSWORD})
    assert_error(r, 503, "unavailable")
    ended, kept = [], []
    for x in extras:  # logouts are smaller writes still: some may fit
        r = s.post("/logout", headers=bearer(x["access_token"]))
        if r.status_code == 200:
            ended.append(x)
        else:
            assert_error(r, 503, "unavailable")
            kept.append(x)
            assert protected(s, x["access_token"]).status_code == 200  # the failed logout ended nothing
    assert kept, "every logout succeeded on a full disk"
    r = refresh(s, kept[0]["refresh_token"])
    if r.status_code == 200:
        kept[0] = dict(kept[0], refresh_token=r.json()["refresh_token"], access_token=r.json()["new_access_token"])
    else:
        assert_error(r, 503, "unavailable")
    print(f"after the signups: {len(logins)} logins answered 200 before 3 answered 503; "
          f"logouts: {len(ended)} answered 200, {len(kept)} answered 503; refresh answered {r.status_code}")
    for _ in range(3):
        assert s.get("/healthz").status_code == 200
        assert s.get("/.well-known/jwks.json").status_code == 200
    assert s.running()
    assert s.stop() == 0

    # Without the limit: every 2xx is there, every 503 left nothing behind.
    again = server_factory(workdir=work, port=first.port)
    for user in created:
        login(again, user)
    for x in logins:
        assert protected(again, x["access_token"]).status_code == 200
    for x in ended:
        assert_error(protected(again, x["access_token"]), 401, "token_revoked")
    for x in [t, *kept]:
        assert protected(again, x["access_token"]).status_code == 200
        assert refresh(again, x["refresh_token"]).status_code == 200
    for user in refused[:3]:
        assert again.post("/signup", json={"username": user, "password": PASSWORD}).status_code == 201
    check_database(work / "latchkey.db")


# -- read-only database ----------------------------------------------------------------------------


def _nobody():
    try:
        pw = pwd.getpwnam("nobody")
    except KeyError:
        return None
    return pw.pw_uid, pw.pw_gid


def sqlite_can_read(directory, popen_kwargs):
    """Whether SQLite itself (Python's sqlite3) can read the database there,
    as the user the server will run as."""
    code = ("import sqlite3; db = sqlite3.connect('file:latchkey.db?mode=ro', uri=True); "
            "print(db.execute('SELECT COUNT(*) FROM users').fetchone()[0])")
    r = subprocess.run([sys.executable, "-c", code], cwd=directory, capture_output=True, text=True,
                       timeout=10, env=conftest.clean_env(), **popen_kwargs)
    return r.returncode == 0, (r.stdout + r.stderr).strip().splitlines()[-1:]


@pytest.fixture
def read_only_copy(tmp_path):
    """make(source_dir) -> (directory, popen_kwargs): a copy of the database
    files the server cannot write. As root (which ignores permissions) the
    server runs as `nobody` on a copy in a directory outside pytest's private
    tmp; otherwise the copy is simply chmod 444 in a chmod 555 directory."""
    made = []

    def make(source):
        if os.geteuid() == 0:
            ids = _nobody()
            if ids is None:
                pytest.skip("running as root and there is no `nobody` user to run the server as")
            base = Path(tempfile.mkdtemp(prefix="latchkey-ro-", dir="/tmp"))
            popen_kwargs = {"user": ids[0], "group": ids[1], "extra_groups": []}
        else:
            base = Path(tempfile.mkdtemp(prefix="latchkey-ro-", dir=tmp_path))
            popen_kwargs = {}
        made.append(base)
        d = base / "db"
        d.mkdir()
        for f in Path(source).glob("latchkey.db*"):
            shutil.copy2(f, d / f.name)
            os.chmod(d / f.name, 0o444)
        os.chmod(d, 0o555)
        os.chmod(base, 0o755)
        return d, popen_kwargs

    yield make
    for base in made:
        for p in (base, *base.rglob("*")):
            if p.is_dir():
                os.chmod(p, 0o755)
        shutil.rmtree(base, ignore_errors=True)


def make_state(server_factory, workdir, how):
    """A user with a session; the server then stopped (`stop`) or killed
    (`kill9`, which leaves the -wal and -shm files beside the database).
    Returns (name, login answer, port): start the next server on that port,
    tokens carry the issuer http://127.0.0.1:PORT."""
    s = server_factory(workdir=workdir)
    name = new_user(s)
    t = login(s, name)
    if how == "stop":
        assert s.stop() == 0
    else:
        s.kill9()
    return name, t, s.port


def check_read_only_service(s, name, t):
    """Reads answer; every write answers 503 `unavailable`; nothing crashes."""
    assert s.get("/healthz").json() == {"status": "ok"}
    jwks = s.get("/.well-known/jwks.json")
    assert jwks.status_code == 200 and jwks.json()["keys"], jwks.text
    assert protected(s, t["access_token"]).status_code == 200
    assert t["session_id"] in {x["session_id"] for x in sessions(s, t["access_token"])}
    assert_error(s.post("/signup", json={"username": unique_name(), "password": PASSWORD}), 503, "unavailable")
    assert_error(s.post("/login", json={"username": name, "password": PASSWORD}), 503, "unavailable")
    assert_error(s.post("/logout", headers=bearer(t["access_token"])), 503, "unavailable")
    assert_error(refresh(s, t["refresh_token"]), 503, "unavailable")
    assert protected(s, t["access_token"]).status_code == 200
    assert s.running()
    assert s.stop() == 0


def start_read_only(custom_servers, directory, popen_kwargs, tmp_path, port):
    s = custom_servers(directory, popen_kwargs=popen_kwargs, log_path=tmp_path / f"ro-{time.time_ns()}.log",
                       port=port)
    s.start(wait=False)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and s.running():
        try:
            with direct_session() as probe:
                if probe.get(s.url("/healthz"), timeout=1).status_code == 200:
                    return s
        except requests.RequestException:
            time.sleep(0.05)
    return s


def assert_one_clear_line(s):
    code = s.wait_exit()
    assert code not in (0, None) and code > 0, f"exit {code}"
    text = s.log
    plain = [line for line in text.splitlines() if line and not line.startswith("{")]
    assert len(plain) == 1 and plain[0].startswith("latchkey: "), text
    for crash in ("terminate called", "what()", "Aborted", "Segmentation"):
        assert crash not in text
    return plain[0]


def test_read_only_database_after_clean_stop(server_factory, custom_servers, read_only_copy, tmp_path):
    """The brief's procedure: stop, make the files read-only, start again.

    After a clean stop SQLite has removed the -wal and -shm files, and in a
    directory it cannot write it cannot create them: SQLite itself cannot
    read such a WAL database at all. latchkey must then refuse to start
    with one clear line; if SQLite can read it, latchkey must serve it."""
    name, t, port = make_state(server_factory, tmp_path / "rw", "stop")
    directory, popen_kwargs = read_only_copy(tmp_path / "rw")
    readable, detail = sqlite_can_read(directory, popen_kwargs)
    s = start_read_only(custom_servers, directory, popen_kwargs, tmp_path, port)
    if readable:
        assert s.running(), f"SQLite reads the database, yet latchkey did not start:\n{s.log}"
        check_read_only_service(s, name, t)
    else:
        line = assert_one_clear_line(s)
        print(f"\nSQLite cannot read it either ({detail}); latchkey: {line!r}")
        assert "latchkey.db" in line and "readonly" in line.replace("-", ""), line


def test_read_only_database_sqlite_can_read_is_served(server_factory, custom_servers, read_only_copy, tmp_path):
    """The same database made read-only with its -wal and -shm files present
    (the server was killed rather than stopped), which SQLite can read:
    latchkey must start, answer reads and refuse writes with 503."""
    name, t, port = make_state(server_factory, tmp_path / "rw", "kill9")
    directory, popen_kwargs = read_only_copy(tmp_path / "rw")
    readable, detail = sqlite_can_read(directory, popen_kwargs)
    assert readable, f"precondition: SQLite should read a WAL database whose -shm exists ({detail})"
    s = start_read_only(custom_servers, directory, popen_kwargs, tmp_path, port)
    assert s.running(), f"SQLite reads the database, yet latchkey did not start:\n{s.log}"
    check_read_only_service(s, name, t)


def test_immutable_database_file_is_served_read_only(server_factory, custom_servers, tmp_path):
    """chattr +i on the database file (root only; the directory stays
    writable, so SQLite can make its -shm): reads work, writes answer 503."""
    if os.geteuid() != 0:
        pytest.skip("chattr +i needs root")
    if not shutil.which("chattr"):
        pytest.skip("no chattr on this machine")
    work = tmp_path / "imm"
    name, t, port = make_state(server_factory, work, "stop")
    db = work / "latchkey.db"
    r = subprocess.run(["chattr", "+i", str(db)], capture_output=True, text=True, timeout=10)
    if r.returncode != 0:
        pytest.skip(f"chattr +i does not work on this file system: {r.stderr.strip()}")
    try:
        with pytest.raises(PermissionError):
            open(db, "r+b").close()
        s = start_read_only(custom_servers, work, {}, tmp_path, port)
        assert s.running(), f"SQLite reads the database, yet latchkey did not start:\n{s.log}"
        check_read_only_service(s, name, t)
    finally:
        subprocess.run(["chattr", "-i", str(db)], capture_output=True, timeout=10)
