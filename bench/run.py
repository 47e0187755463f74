#!/usr/bin/python3
"""latchkey's load benchmark: the real binary over loopback, loaded by wrk.

    bench/run.py --bin build/latchkey [--seed] [--oidc-peer] [--runs 3] [--duration 10]
                 [--only protected_es256,login,oidc,...] [--json out.json]

Every scenario: a warm-up, then `--runs` runs of `--duration` seconds with
1 wrk thread and 64 connections; the median of the runs is quoted. A row with
any non-2xx answer or socket error is printed INVALID. Server CPU is the
server's user+system time over the measured runs divided by their wall time
(2.00 = both cores); peak RSS is VmHWM, reset before each scenario. With
--seed the Flask seed (../shared/peers/flask_seed, gunicorn 1x8) runs the
same scenarios and each row gets the ratio latchkey/seed. The OpenID Connect
scenarios (oidc.py: client_credentials, the authorization-code flow of a
signed-in browser) run on a latchkey with ADMIN_TOKEN; with --oidc-peer panva's
oidc-provider (../shared/peers/oidc_provider) runs them too, with the ratio.
`--only oidc` selects both. Bounds: what this machine allows (openssl speed,
argon2id on all cores from bench/micro).
Everything listens on 127.0.0.1 and stops by itself.
"""
import argparse
import concurrent.futures as futures
import json
import os
import pathlib
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import server as srv  # noqa: E402
import oidc  # noqa: E402
import seeding  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
LUA = HERE / "lua"
CONNECTIONS = 64
PASSWORD = "bench password correct horse"


def wrk(url, script, duration, env, connections=CONNECTIONS):
    """One wrk run; returns the BENCH_RESULT dict from report.lua, with the CPU
    seconds wrk itself used (it shares the machine with the server)."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "5s",
           "-s", str(LUA / script), url]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, env={**os.environ, "BENCH_LUA_DIR": str(LUA), **env},
                         capture_output=True, text=True, timeout=duration + 30)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = srv.parse_result(out.stdout + out.stderr)
    r["wrk_cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return r


class Scenario:
    """`env` is the wrk script's environment, or a callable giving a fresh one
    for each run (spent refresh tokens cannot be replayed by the next run)."""

    def __init__(self, name, script, env):
        self.name, self.script, self._env = name, script, env

    @property
    def env(self):
        return self._env() if callable(self._env) else self._env


def measure(server, scenario, args, background=None, warm_up=True):
    """Warm-up, then args.runs runs; the median row. `background` (a callable
    returning a Popen) runs alongside each measured run: the login flood."""
    if warm_up:
        wrk(server.url, scenario.script, 2, scenario.env)
    runs, cpu, wall, flood, peak = [], 0.0, 0.0, [], 0
    per_thread = {}  # a thread that stays on one core while the others idle is the bound
    for _ in range(args.runs):
        env = scenario.env
        # What the last run left queued (logins wrk gave up on) drains first.
        time.sleep(1.0)
        server.reset_peak_rss()
        bg = background() if background else None
        if bg:
            time.sleep(1.0)  # let the flood fill the hashing pool first
        cpu0, threads0, t0 = server.cpu_seconds(), server.thread_cpu_seconds(), time.monotonic()
        runs.append(wrk(server.url, scenario.script, args.duration, env))
        cpu += server.cpu_seconds() - cpu0
        for tid, seconds in server.thread_cpu_seconds().items():
            per_thread[tid] = per_thread.get(tid, 0.0) + seconds - threads0.get(tid, 0.0)
        wall += time.monotonic() - t0
        peak = max(peak, server.peak_rss())
        if bg:
            flood.append(bg.communicate(timeout=args.duration + 30)[0])
    cpu /= wall
    med = lambda k: statistics.median(r[k] for r in runs)  # noqa: E731
    row = {"scenario": scenario.name, "rps": med("rps"), "p50_ms": med("p50_us") / 1000,
           "p99_ms": med("p99_us") / 1000, "errors": sum(r["errors"] for r in runs),
           "cpu": cpu, "peak_rss_mb": peak / 1e6, "runs": runs,
           "wrk_cpu": sum(r["wrk_cpu_s"] for r in runs) / wall,
           "busiest_thread_cpu": max(per_thread.values(), default=0.0) / wall}
    if flood:
        rows = [srv.parse_result(out) for out in flood]
        row["flood_rps"] = statistics.median(r["rps"] for r in rows)
        row["flood_non2xx"] = sum(r["errors"] for r in rows)
    return row


def login_flood(server, users_file, seconds):
    def start():
        return subprocess.Popen(
            ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s",
             "-s", str(LUA / "login.lua"), server.url],
            env={**os.environ, "BENCH_LUA_DIR": str(LUA), "BENCH_USERS": str(users_file)},
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return start


def prepare_tokens(server, work, tag, users, sessions_per_user):
    """Signs up `users` users and logs each in `sessions_per_user` times through
    the API; writes users, access tokens and refresh tokens to files."""
    names = [f"{tag}{i}" for i in range(users)]
    with futures.ThreadPoolExecutor(8) as ex:
        list(ex.map(lambda n: server.signup(n, PASSWORD), names))
        pairs = list(ex.map(lambda n: server.login(n, PASSWORD),
                            [n for n in names for _ in range(sessions_per_user)]))
    files = {}
    for kind, lines in (("users", [f"{n} {PASSWORD}" for n in names]),
                        ("access", [p[0] for p in pairs]), ("refresh", [p[1] for p in pairs])):
        files[kind] = work / f"{tag}-{kind}.txt"
        files[kind].write_text("\n".join(lines) + "\n")
    return files


def token_scenarios(server, work, args, rotating, tag, n_users, per_user):
    base = prepare_tokens(server, work, tag, n_users, per_user)
    get = lambda path: {"BENCH_PATH": path, "BENCH_TOKENS": str(base["access"])}  # noqa: E731
    fresh = iter(range(1_000_000))

    def refresh_env():
        # With rotation each run needs sessions of its own: the previous run
        # left its tokens spent. 4 x 64 sessions keep every connection busy.
        files = prepare_tokens(server, work, f"{tag}r{next(fresh)}_", 64, 4)
        return {"BENCH_TOKENS": str(files["refresh"]), "BENCH_ROTATING": "1" if rotating else "0"}

    return base, {
        "protected": Scenario("protected", "get.lua", get("/protected")),
        "sessions": Scenario("get_active_sessions", "get.lua", get("/get_active_sessions")),
        "refresh": Scenario("refresh_token", "refresh.lua", refresh_env),
        "login": Scenario("login", "login.lua", {"BENCH_USERS": str(base["users"])}),
        # New names for every run: a name signed up before would answer 409.
        "signup": Scenario("signup", "signup.lua", lambda: {"BENCH_PREFIX": f"{tag}s{next(fresh)}_"}),
    }


def run_api_scenarios(server, work, args, rotating, tag, alg_label, n_users, per_user):
    rows = []
    base, sc = token_scenarios(server, work, args, rotating, tag, n_users, per_user)
    want = lambda name: not args.only or name in args.only  # noqa: E731
    order = [("protected_" + alg_label, sc["protected"]), ("get_active_sessions", sc["sessions"]),
             ("refresh_token", sc["refresh"]), ("login", sc["login"]), ("signup", sc["signup"])]
    for name, s in order:
        if want(name):
            s.name = name
            rows.append(measure(server, s, args))
            print_row(rows[-1])
    if want("protected_during_login_flood"):
        s = Scenario("protected_during_login_flood", "get.lua", sc["protected"].env)
        rows.append(measure(server, s, args,
                            background=login_flood(server, base["users"], args.duration + 2)))
        print_row(rows[-1])
    return rows


def print_row(r):
    status = "ok" if r["errors"] == 0 else f"INVALID ({r['errors']} errors)"
    extra = ""
    if "flood_rps" in r:
        extra = f"  [login flood {r['flood_rps']:.0f}/s, {r['flood_non2xx']} quick 503s]"
    print(f"  {r['scenario']:<30} {r['rps']:>10.0f} req/s  p50 {r['p50_ms']:7.2f} ms  "
          f"p99 {r['p99_ms']:7.2f} ms  cpu {r['cpu']:.2f}  rss {r['peak_rss_mb']:6.1f} MB  {status}{extra}",
          flush=True)


def latchkey_rows(args, work):
    rows = []
    for alg in ("ES256", "HS256"):
        label = alg.lower()
        if args.only and not any(x in args.only for x in
                                 (f"protected_{label}",) + (() if alg == "HS256" else
                                  ("get_active_sessions", "refresh_token", "login", "signup",
                                   "protected_during_login_flood"))):
            continue
        with srv.Latchkey(args.bin, work / f"{label}.db", {"JWT_ALG": alg}) as server:
            print(f"latchkey {alg} (pid {server.pid}, started in {server.startup_s*1000:.0f} ms, "
                  f"idle RSS {server.rss()/1e6:.1f} MB)", flush=True)
            if alg == "HS256":
                _, sc = token_scenarios(server, work, args, True, "h", 200, 5)
                sc["protected"].name = "protected_hs256"
                rows.append(measure(server, sc["protected"], args))
                print_row(rows[-1])
            else:
                rows += run_api_scenarios(server, work, args, True, "e", "es256", 200, 5)
    return rows


def seed_rows(args, work):
    with srv.FlaskSeed() as seed:
        print(f"flask seed (pid {seed.pid})", flush=True)
        return run_api_scenarios(seed, work, args, False, "s", "hs256", 40, 5)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(HERE.parent / "build" / "latchkey"))
    ap.add_argument("--micro", default=str(HERE.parent / "build" / "bench" / "micro" / "latchkey_micro"))
    ap.add_argument("--seed", action="store_true", help="also run the Flask seed")
    ap.add_argument("--oidc-peer", action="store_true",
                    help="also run the OpenID Connect scenarios on panva's oidc-provider")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--users", type=int, default=100_000, help="users for the memory scenario")
    ap.add_argument("--sessions", type=int, default=1_000_000, help="sessions for the big-DB scenario")
    ap.add_argument("--only", type=lambda s: set(s.split(",")), default=None)
    ap.add_argument("--json", default=None, help="write every figure here")
    ap.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                    help="a setting for every latchkey started (repeatable), e.g. IO_THREADS=1")
    args = ap.parse_args()
    srv.EXTRA_ENV.update(kv.split("=", 1) for kv in args.server_env)
    if not shutil.which("wrk"):
        sys.exit("bench: wrk is missing (apt-get install wrk)")
    started = time.monotonic()
    work = pathlib.Path(tempfile.mkdtemp(prefix="latchkey-bench."))
    result = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "machine": srv.machine(), "runs": args.runs, "duration_s": args.duration,
              "server_env": dict(srv.EXTRA_ENV)}
    oidc_names = oidc.wanted(args)
    try:
        # argon2id's bound takes a while; an OpenID-only run needs RS256's instead.
        result["bounds"] = srv.bounds(args.micro, oidc=bool(oidc_names),
                                      argon2=not args.only or bool(args.only - {"oidc", *oidc.NAMES}))
        print("bounds:", json.dumps(result["bounds"]), flush=True)
        result["latchkey"] = latchkey_rows(args, work)
        if oidc_names:
            result["oidc"] = oidc.rows(args, work, Scenario, measure, print_row, peer=args.oidc_peer)
        if not args.only or "memory" in args.only:
            result["memory"] = seeding.memory_scenarios(args, work, measure, print_row)
        if args.seed:
            result["seed"] = seed_rows(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["elapsed_s"] = time.monotonic() - started
    from table import render  # noqa: E402
    print()
    print(render(result))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(result, indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
