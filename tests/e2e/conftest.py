"""End-to-end test harness for latchkey.

Every test talks to the real binary (LATCHKEY_BIN, default ../../build/latchkey
relative to this directory) started as a subprocess in a fresh temporary
working directory, on a free 127.0.0.1 port, with its own SQLite database.
Every process started here is killed at teardown, whatever happens.
"""
import atexit
import base64
import calendar
import collections
import http.client
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests

import openapi_check

HERE = Path(__file__).resolve().parent
LATCHKEY_BIN = os.environ.get("LATCHKEY_BIN") or str(HERE / ".." / ".." / "build" / "latchkey")


def _settings_in_help():
    """The setting names `latchkey --help` lists ("--port / PORT")."""
    try:
        out = subprocess.run([LATCHKEY_BIN, "--help"], capture_output=True, text=True, timeout=5,
                             env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")}).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(re.findall(r"--[a-z0-9-]+ / ([A-Z][A-Z0-9_]*)", out))


# Every setting latchkey reads: none of them may leak in from the outer
# environment unless a test passes it explicitly. The fixed list is the
# brief's; --help adds whatever newer settings the binary knows.
LATCHKEY_SETTINGS = tuple(dict.fromkeys((
    "HOST", "PORT", "DATABASE_URL", "SECRET_KEY", "ACCESS_TOKEN_TTL", "REFRESH_TOKEN_TTL",
    "ISSUER", "AUDIENCE", "MAX_BODY_BYTES", "IO_THREADS", "WORKER_THREADS", "WORKER_QUEUE", "HASH_QUEUE", "DATABASE_THREADS", "TOKEN_CACHE_SIZE",
    "LOG_FORMAT", "LOG_LEVEL", *_settings_in_help(),
)))
# Proxies must never see 127.0.0.1 traffic (neither ours nor the server's).
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")

# A SECRET_KEY of 48 bytes, for the tests that forge tokens.
TEST_SECRET = "e2e-test-secret-key-0123456789-abcdefghijklmnopq"
assert len(TEST_SECRET) >= 32

# The abuse limits a test may meet by accident (many logins, sign-ups and
# bad tokens from 127.0.0.1); the admin token's stays on. Tests of a limit
# set it (test_abuse.py, test_limits.py).
ABUSE_LIMITS_OFF = {"LIMIT_FLOOD": "0", "LIMIT_SIGNUP": "0", "LIMIT_LOGIN_IP": "0",
                    "LIMIT_REFRESH_TOKEN": "0", "LIMIT_INTROSPECTION_SECRET": "0", "LIMIT_CLIENT_SECRET": "0",
                    "LIMIT_MAIL_IP": "0", "LIMIT_MAIL_ADDRESS": "0",
                    "LOGIN_LOCK_AFTER": "1000", "ACCOUNT_LOCK_AFTER": "0"}

STARTUP_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
HTTP_TIMEOUT = 10.0
PASSWORD = "correct horse battery"

_live_processes = []  # every Popen started by this harness


def _kill_all():
    for p in _live_processes:
        if p.poll() is None:
            try:
                p.kill()
                p.wait(timeout=5)
            except Exception:
                pass


atexit.register(_kill_all)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "stops_postgres: pauses the PostgreSQL that every test shares, so it runs alone "
        "(scripts/e2e-tests.sh: after the parallel pass)")
    config.addinivalue_line(
        "markers", "timing: compares response times or holds a tight time bound, so it runs alone "
        "(scripts/e2e-tests.sh: after the parallel pass, where other tests' load cannot skew it)")


@pytest.fixture(scope="session", autouse=True)
def _kill_leftover_processes():
    yield
    _kill_all()


@pytest.fixture(autouse=True)
def _answers_match_openapi():
    """Fails a test whose answers break docs/openapi.json (see openapi_check)."""
    yield
    problems = openapi_check.take_problems()
    if problems:
        pytest.fail("answers not as docs/openapi.json describes them:\n  " + "\n  ".join(problems[:10]))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(extra=None):
    """os.environ without any latchkey setting or proxy, plus `extra`
    (a value of None removes that variable)."""
    env = {k: v for k, v in os.environ.items() if k not in LATCHKEY_SETTINGS and k not in PROXY_VARS}
    for k, v in (extra or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = str(v)
    return env


def direct_session():
    """A requests.Session that ignores proxy variables and .netrc."""
    s = requests.Session()
    s.trust_env = False
    return openapi_check.attach(s)


_names = itertools.count()


def unique_name(prefix="user"):
    return f"{prefix}_{next(_names)}_{uuid.uuid4().hex[:8]}"


class _PortTaken(Exception):
    """The server could not listen: its port was taken meanwhile."""


class Server:
    """The real latchkey binary, run as a subprocess.

    workdir: the process's cwd (holds latchkey.db and latchkey.stderr.log).
    env: extra environment (None values unset a variable).
    args: extra command-line arguments.
    port: the port to talk to; by default a free one, passed as PORT.
    ca: a PEM certificate to trust: the server speaks HTTPS (TLS_CERT and
    TLS_KEY in env) and url() and the sessions use https with it.
    """

    def __init__(self, workdir, env=None, args=(), port=None, database_url=None, ca=None):
        self.ca = str(ca) if ca else None
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self._port_chosen_here = port is None and "PORT" not in (env or {})
        base = {
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "DATABASE_URL": database_url or f"sqlite://{self.workdir / 'latchkey.db'}",
            "LOG_FORMAT": "json",
            # The suite logs in far more often than a person would, all from
            # 127.0.0.1: the abuse limits get their own tests (test_abuse.py).
            **ABUSE_LIMITS_OFF,
        }
        base.update(env or {})
        self.env = clean_env(base)
        self.args = list(args)
        self.log_path = self.workdir / "latchkey.stderr.log"
        self.proc = None
        self.http = None

    # -- process control -------------------------------------------------

    def start(self, wait=True):
        # A free port can be taken between free_port() and the server's bind
        # (another test's client or server: the e2e tests run two at a time).
        # Then the server exits saying so, and starts again on another port.
        for _ in range(3):
            try:
                return self._start(wait)
            except _PortTaken:
                self.port = free_port()
                self.env["PORT"] = str(self.port)
        return self._start(wait)

    def _start(self, wait):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self._log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [LATCHKEY_BIN, *self.args],
            cwd=self.workdir,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log_file,
        )
        _live_processes.append(self.proc)
        self.http = direct_session()
        if self.ca:
            self.http.verify = self.ca
        if wait:
            self.wait_ready(may_move=True)
        return self

    def wait_ready(self, timeout=STARTUP_TIMEOUT, may_move=False):
        deadline = time.monotonic() + timeout
        last = None
        with direct_session() as probe:
            if self.ca:
                probe.verify = self.ca
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    if may_move and self._port_chosen_here and "Address already in use" in self.log:
                        self._log_file.close()
                        raise _PortTaken()
                    pytest.fail(f"latchkey exited with {self.proc.returncode} during start-up; log:\n{self.log}")
                try:
                    r = probe.get(self.url("/healthz"), timeout=1)
                    if r.status_code == 200:
                        return
                    last = r.status_code
                except requests.RequestException as e:
                    last = e
                time.sleep(0.05)
        self.kill9()
        pytest.fail(f"latchkey not ready on port {self.port} after {timeout}s ({last}); log:\n{self.log}")

    def _close_http(self):
        if self.http is not None:
            self.http.close()
            self.http = None

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Sends `sig` and returns the exit code; kills the process (and
        fails the test) if it has not exited within `timeout` seconds."""
        self._close_http()
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
                pytest.fail(f"latchkey did not exit within {timeout}s of signal {sig}; log:\n{self.log}")
        self._log_file.close()
        return self.proc.returncode

    def wait_exit(self, timeout=STOP_TIMEOUT):
        """Waits (without signalling) for the process to exit; returns the
        exit code, or kills it and fails the test after `timeout` seconds."""
        self._close_http()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
            pytest.fail(f"latchkey did not exit within {timeout}s; log:\n{self.log}")
        self._log_file.close()
        return self.proc.returncode

    def kill9(self):
        self._close_http()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)
        if self.proc is not None:
            self._log_file.close()
        return self.proc.returncode if self.proc else None

    def restart(self, sig=signal.SIGTERM):
        code = self.stop(sig)
        assert code == 0, f"exit code {code} on stop; log:\n{self.log}"
        return self.start()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    # -- talking to it ----------------------------------------------------

    def url(self, path="/"):
        return f"{'https' if self.ca else 'http'}://127.0.0.1:{self.port}{path}"

    @property
    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_events(self):
        out = []
        for line in self.log.splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    def wait_for_log(self, done, timeout=2.0):
        """The log's events once `done(events)` holds (or `timeout` passed): a
        running server writes info lines in batches, up to 50 ms late."""
        deadline = time.monotonic() + timeout
        while True:
            events = self.log_events()
            if done(events) or time.monotonic() > deadline:
                return events
            time.sleep(0.02)

    def request(self, method, path, **kw):
        kw.setdefault("timeout", HTTP_TIMEOUT)
        return self.http.request(method, self.url(path), **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)


# -- fixtures ----------------------------------------------------------------


@pytest.fixture
def server_factory(tmp_path):
    """make(env=..., args=..., workdir=..., start=True) -> Server; all of
    them are stopped at teardown."""
    made = []

    def make(env=None, args=(), workdir=None, start=True, **kw):
        s = Server(workdir or tmp_path / f"srv{len(made)}", env=env, args=args, **kw)
        made.append(s)
        if start:
            s.start()
        return s

    yield make
    for s in made:
        if s.running():
            s.stop()
        s.kill9()


@pytest.fixture
def server(server_factory):
    """A fresh server with a database-generated signing key."""
    return server_factory()


@pytest.fixture
def keyed_server(server_factory):
    """A fresh server signing with TEST_SECRET."""
    return server_factory(env={"SECRET_KEY": TEST_SECRET})


def module_server(tmp_path_factory, name, env=None):
    """A server for one module's tests: a module-scoped fixture yields from
    this (started now, stopped once the module is done)."""
    s = Server(tmp_path_factory.mktemp(name), env=env)
    s.start()
    yield s
    if s.running():
        s.stop()
    s.kill9()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory):
    """One server per module, signing with TEST_SECRET: tests that share it
    use their own users and must not depend on each other."""
    yield from module_server(tmp_path_factory, "shared", {"SECRET_KEY": TEST_SECRET})


# -- API helpers ---------------------------------------------------------------


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def signup(s, user, pw=PASSWORD):
    r = s.post("/signup", json={"username": user, "password": pw})
    assert r.status_code == 201, r.text
    return r.json()


def login(s, user, pw=PASSWORD, headers=None):
    r = s.post("/login", json={"username": user, "password": pw}, headers=headers or {})
    assert r.status_code == 200, r.text
    return r.json()


def new_user(s, pw=PASSWORD, prefix="user"):
    name = unique_name(prefix)
    signup(s, name, pw)
    return name


def protected(s, token):
    return s.get("/protected", headers=bearer(token))


def refresh(s, refresh_token):
    return s.post("/refresh_token", headers=bearer(refresh_token), json={"refresh_token": refresh_token})


def sessions(s, access_token):
    r = s.get("/get_active_sessions", headers=bearer(access_token))
    assert r.status_code == 200, r.text
    return r.json()["active_sessions"]


def assert_error(r, status, code, message=None):
    """An error answer: `status`, JSON body with exactly error and message
    (`code` None: any error code)."""
    assert r.status_code == status, f"{r.status_code} {r.text}"
    body = r.json()
    assert set(body) == {"error", "message"}, body
    assert isinstance(body["error"], str) and body["error"], body
    if code is not None:
        assert body["error"] == code, body
    assert isinstance(body["message"], str) and body["message"], body
    if message is not None:
        assert body["message"] == message, body
    assert r.headers.get("Cache-Control") == "no-store"
    return body


RFC3339_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def epoch(ts):
    """Seconds since the epoch of an RFC 3339 UTC time such as 2026-11-24T01:23:27Z."""
    assert isinstance(ts, str) and RFC3339_UTC.fullmatch(ts), ts
    return calendar.timegm(time.strptime(ts, "%Y-%m-%dT%H:%M:%SZ"))


def b64url_json(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def jwt_header(token):
    return b64url_json(token.split(".")[0])


def jwt_claims(token):
    return b64url_json(token.split(".")[1])


# -- raw HTTP ------------------------------------------------------------------


def raw_exchange(port, data, timeout=5.0):
    """Sends raw bytes, then reads one HTTP response. Returns
    (status, headers dict, body bytes), or None if the server closed the
    connection without answering."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return read_response(sock)


def read_response(sock, method="POST"):
    resp = http.client.HTTPResponse(sock, method=method)
    try:
        resp.begin()
    except (http.client.RemoteDisconnected, ConnectionResetError):
        return None
    body = resp.read()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


Exit = collections.namedtuple("Exit", "code stdout stderr")


def run_to_exit(workdir, env=None, args=(), timeout=5.0):
    """Runs latchkey expecting it to exit by itself within `timeout` seconds.
    Returns Exit(code, stdout, stderr). A process still running after that is
    killed and the test fails."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    base = {"HOST": "127.0.0.1", "LOG_FORMAT": "json", **ABUSE_LIMITS_OFF,
            "DATABASE_URL": f"sqlite://{workdir / 'latchkey.db'}", "PORT": str(free_port())}
    base.update(env or {})
    p = subprocess.Popen([LATCHKEY_BIN, *args], cwd=workdir, env=clean_env(base),
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _live_processes.append(p)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate(timeout=5)
        pytest.fail(f"latchkey {args} still running after {timeout}s; stderr:\n{err.decode(errors='replace')}")
    return Exit(p.returncode, out.decode(errors="replace"), err.decode(errors="replace"))


def run_cli(server, *args, input=None, env=None, timeout=20.0):
    """Runs `latchkey ARGS` (an administration command) against `server`'s
    database and settings, with `input` on stdin. Returns Exit(code, stdout, stderr)."""
    p = subprocess.run([LATCHKEY_BIN, *args], cwd=server.workdir, env={**server.env, **(env or {})},
                       input=input, capture_output=True, text=True, timeout=timeout)
    return Exit(p.returncode, p.stdout, p.stderr)
