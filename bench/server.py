"""The processes under load (latchkey, the Flask seed) and the machine's bounds."""
import json
import os
import pathlib
import re
import signal
import socket
import subprocess
import time

import requests

HERE = pathlib.Path(__file__).resolve().parent
SEED_DIR = HERE.parent.parent / "shared" / "peers" / "flask_seed"
OIDC_PEER_DIR = HERE.parent.parent / "shared" / "peers" / "oidc_provider"
SECRET = "bench-secret-key-0123456789-abcdefghijklmnopqrstuv"
# The abuse limits would (rightly) refuse a load generator's logins.
# The abuse limits stay on, so that their cost is in every figure, with
# ceilings a benchmark client on one address never meets: successful logins
# never count, the flood ceiling is raised, and the sign-up scenario (every
# request a new account from 127.0.0.1) has the sign-up rate off.
LIMITS_OFF = {"LIMIT_FLOOD": "100000000/1m", "LIMIT_SIGNUP": "0", "LIMIT_CLIENT_SECRET": "0"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_result(stdout):
    for line in stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            r = json.loads(line[len("BENCH_RESULT "):])
            r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
            r["errors"] = sum(r[k] for k in ("connect", "read", "write", "status", "timeout"))
            return r
    raise RuntimeError(f"wrk gave no result: {stdout}")


class Process:
    """A server under load: start, wait for the port, /proc figures, stop."""

    def __init__(self, argv, env, cwd=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.argv, self.env, self.cwd = argv, env, cwd
        self.http = requests.Session()

    def __enter__(self):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **self.env, "PORT": str(self.port)}
        t0 = time.monotonic()
        self.log = open(f"/tmp/latchkey-bench-{self.port}.log", "w")
        self.proc = subprocess.Popen(self.argv, env=env, cwd=self.cwd, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        deadline = t0 + getattr(self, "startup_deadline", 60)
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.argv[0]} exited with {self.proc.returncode}; "
                                   f"see {self.log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start")
                time.sleep(0.005)
        self.startup_s = time.monotonic() - t0
        return self

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        os.unlink(self.log.name)

    def _status(self, field):
        text = pathlib.Path(f"/proc/{self.pid}/status").read_text()
        return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1)) * 1024

    def rss(self):
        return self._status("VmRSS")

    def peak_rss(self):
        return self._status("VmHWM")

    def reset_peak_rss(self):
        # "5" resets VmHWM to the current RSS (proc(5), clear_refs).
        pathlib.Path(f"/proc/{self.pid}/clear_refs").write_text("5")

    def cpu_seconds(self):
        fields = pathlib.Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def thread_cpu_seconds(self):
        """user+system seconds of each of the server's threads, by thread id."""
        out = {}
        for task in pathlib.Path(f"/proc/{self.pid}/task").iterdir():
            try:
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue  # the thread ended meanwhile
            out[task.name] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return out

    def _post(self, path, body, attempts=3):
        """Setup requests (not measured): the seed under gunicorn sometimes resets a
        connection while many signups run at once, so a reset is retried."""
        for attempt in range(attempts):
            try:
                return self.http.post(self.url + path, json=body, timeout=30), attempt
            except requests.ConnectionError:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.2)

    def signup(self, name, password):
        r, attempt = self._post("/signup", {"username": name, "password": password})
        # A retried signup may find the account its first attempt made.
        assert r.status_code == 201 or (attempt and r.status_code == 409), (r.status_code, r.text)

    def login(self, name, password):
        r, _ = self._post("/login", {"username": name, "password": password})
        assert r.status_code == 200, (r.status_code, r.text)
        return r.json()["access_token"], r.json()["refresh_token"]


# Settings every latchkey started here gets (run.py --server-env), before the scenario's own.
EXTRA_ENV = {}


class Latchkey(Process):
    def __init__(self, binary, db_path, extra=None):
        env = {"DATABASE_URL": f"sqlite://{db_path}", "HOST": "127.0.0.1",
               "LOG_FORMAT": "json", "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "info"), **LIMITS_OFF, **EXTRA_ENV,
               **(extra or {})}
        if env.get("JWT_ALG") == "HS256":
            env["SECRET_KEY"] = SECRET  # HS256 signs with it; the others keep keys in the DB
        super().__init__([str(binary)], env)


class OidcPeer(Process):
    """panva's oidc-provider (../shared/peers/oidc_provider): run.sh installs its
    npm packages into $TMPDIR on first use, then execs node, so the pid is node's."""

    def __init__(self):
        super().__init__(["bash", str(OIDC_PEER_DIR / "run.sh")],
                         {k: v for k, v in os.environ.items()
                          if k in ("HOME", "TMPDIR", "OIDC_PEER_HOME", "npm_config_cache")},
                         cwd=OIDC_PEER_DIR)
        self.startup_deadline = 300  # a first npm ci


class FlaskSeed(Process):
    def __init__(self):
        super().__init__(["bash", str(SEED_DIR / "run.sh"), "gunicorn"], {"SECRET_KEY": SECRET},
                         cwd=SEED_DIR)

    def __enter__(self):
        super().__enter__()
        # run.sh execs gunicorn, whose one worker is a child: measure that.
        time.sleep(1.0)
        kids = pathlib.Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        self.pid = int(kids[0]) if kids else self.pid
        return self


def machine():
    cpu = re.search(r"model name\s*:\s*(.*)", pathlib.Path("/proc/cpuinfo").read_text())
    mem = re.search(r"MemTotal:\s+(\d+)", pathlib.Path("/proc/meminfo").read_text())
    return {"cpu": cpu.group(1) if cpu else "?", "cores": os.cpu_count(),
            "memory_gib": round(int(mem.group(1)) / 2**20, 1), "kernel": os.uname().release}


def openssl_speed(*args):
    out = subprocess.run(["openssl", "speed", "-seconds", "2", "-multi", str(os.cpu_count()),
                          *args], capture_output=True, text=True, timeout=120).stdout
    return out


def bounds(micro_binary, oidc=False, argon2=True):
    """Operations per second this machine allows with every core busy."""
    b = {}
    out = openssl_speed("ecdsap256")
    m = re.search(r"nistp256\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)", out)
    if m:
        b["es256_sign_per_s"], b["es256_verify_per_s"] = float(m.group(1)), float(m.group(2))
    if oidc:
        # The id_tokens of both OpenID providers are RS256 (2048-bit keys).
        m = re.search(r"rsa 2048 bits\s+\S+\s+\S+\s+([\d.]+)", openssl_speed("rsa2048"))
        if m:
            b["rs256_sign_per_s"] = float(m.group(1))
        # The peer signs its client_credentials access tokens with EdDSA (server.js).
        m = re.search(r"\(Ed25519\)\s+\S+\s+\S+\s+([\d.]+)", openssl_speed("ed25519"))
        if m:
            b["ed25519_sign_per_s"] = float(m.group(1))
    out = openssl_speed("-bytes", "256", "-hmac", "sha256")
    m = re.search(r"hmac\(\w+\)\s+([\d.]+)k", out)
    if m:
        b["hs256_verify_per_s"] = float(m.group(1)) * 1000 / 256
    if argon2 and os.path.exists(micro_binary):
        out = subprocess.run([micro_binary, "--benchmark_filter=Argon2id",
                              "--benchmark_format=json", "--benchmark_min_time=2"],
                             capture_output=True, text=True, timeout=300).stdout
        for bm in json.loads(out)["benchmarks"]:
            if bm.get("threads") == os.cpu_count():
                # items_per_second over all threads: hashes per second, all cores.
                b["argon2id_per_s"] = bm["items_per_second"]
    return b
