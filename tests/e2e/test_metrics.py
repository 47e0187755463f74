"""GET /metrics: Prometheus text format 0.0.4, parsed with prometheus_client's
parser plus the format rules it does not enforce, and counters that move by
exactly what the test did; METRICS_PORT keeps /metrics off the main port.
"""
import json
import math
import re
import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from conftest import (ABUSE_LIMITS_OFF, PASSWORD, assert_error, bearer, free_port,
                      login, new_user, protected, refresh, run_to_exit, unique_name)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
SAMPLE = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (\S+)')


def check_format(text):
    """The 0.0.4 rules, line by line: HELP then TYPE before a family's samples,
    each family once and contiguous, valid names and escapes, float values,
    histograms cumulative with +Inf equal to _count."""
    assert text.endswith("\n")
    typed, current, seen_series = {}, None, set()
    for line in text.splitlines():
        assert line, "empty line"
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            assert NAME.fullmatch(name), line
            assert name not in typed, f"family {name} twice"
            current = name
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert name == current, f"TYPE {name} without its HELP just before"
            assert kind in ("counter", "gauge", "histogram"), line
            typed[name] = kind
            continue
        assert not line.startswith("#"), line
        m = SAMPLE.fullmatch(line)
        assert m, f"malformed sample line: {line!r}"
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        float(value)  # "+Inf", "NaN" and plain numbers all parse
        family = current
        assert family is not None and (name == family or (typed[family] == "histogram" and name in (
            family + "_bucket", family + "_sum", family + "_count"))), f"{name} outside its family {family}"
        assert (name, labels) not in seen_series, f"duplicate series {name}{labels}"
        seen_series.add((name, labels))
    return typed


def families(text):
    check_format(text)
    return {f.name: f for f in text_string_to_metric_families(text)}


def unchecked_session():
    """A requests.Session without proxies and without the OpenAPI answer check."""
    http = requests.Session()
    http.trust_env = False
    return http


def scrape(s, port=None):
    with unchecked_session() as http:
        r = http.get(f"http://127.0.0.1:{port or s.port}/metrics", timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == CONTENT_TYPE
    return families(r.text)


def value(fams, family, sample=None, **labels):
    """The value of one sample (0 when absent: a series appears on first use)."""
    f = fams[family]
    want = sample or (family + "_total" if f.type == "counter" else family)
    hits = [s.value for s in f.samples if s.name == want and all(s.labels.get(k) == v for k, v in labels.items())
            and (sample is not None or set(s.labels) == set(labels))]
    assert len(hits) <= 1, (family, labels, hits)
    return hits[0] if hits else 0


def active_sessions(s):
    """The live-session gauge; None before the first count (a second after start)."""
    fams = scrape(s)
    return value(fams, "latchkey_active_sessions") if "latchkey_active_sessions" in fams else None


def requests_total(fams, method, route, status):
    return value(fams, "latchkey_http_requests", method=method, route=route, status=str(status))


def test_metrics_parse_and_histograms_are_consistent(server):
    name = new_user(server)
    t = login(server, name)
    assert protected(server, t["access_token"]).status_code == 200
    assert server.get("/nope?token=x").status_code == 404
    fams = scrape(server)
    for must in ("latchkey_http_requests", "latchkey_http_request_duration_seconds", "latchkey_logins",
                 "latchkey_refreshes", "latchkey_revoked_sessions", "latchkey_worker_queue_depth",
                 "latchkey_worker_wait_seconds", "latchkey_db_pool_in_use", "latchkey_db_pool_size",
                 "latchkey_db_errors", "process_resident_memory_bytes", "process_cpu_seconds",
                 "process_open_fds", "process_start_time_seconds", "latchkey_ready"):
        assert must in fams, f"{must} missing; have {sorted(fams)}"
    for f in fams.values():
        if f.type != "histogram":
            continue
        series = {}
        for s in f.samples:
            key = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
            series.setdefault(key, {"buckets": []})
            if s.name.endswith("_bucket"):
                series[key]["buckets"].append((float(s.labels["le"]), s.value))
            else:
                series[key][s.name.rsplit("_", 1)[1]] = s.value
        for key, h in series.items():
            les = [le for le, _ in h["buckets"]]
            counts = [c for _, c in h["buckets"]]
            assert les == sorted(les) and les[-1] == math.inf, (f.name, key, les)
            assert counts == sorted(counts), f"{f.name}{key} buckets not cumulative: {counts}"
            assert counts[-1] == h["count"], (f.name, key)
            assert h["sum"] >= 0
    assert requests_total(fams, "GET", "/protected", 200) == 1
    assert requests_total(fams, "POST", "/login", 200) == 1
    # Unknown paths share one series: the raw path never becomes a label.
    assert requests_total(fams, "other", "unmatched", 404) == 1
    assert "/nope" not in str([s.labels for f in fams.values() for s in f.samples])
    assert value(fams, "latchkey_ready") == 1
    assert value(fams, "latchkey_db_pool_size") == 2  # SQLite: the writer and the reader
    assert value(fams, "process_resident_memory_bytes") > 1_000_000
    assert value(fams, "process_open_fds") > 3
    assert abs(value(fams, "process_start_time_seconds") - time.time()) < 120
    assert value(fams, "latchkey_worker_wait_seconds", "latchkey_worker_wait_seconds_count", lane="hashing") >= 2
    assert value(fams, "latchkey_worker_queue_limit", lane="hashing") > 0
    assert value(fams, "latchkey_worker_queue_limit", lane="database") == 1024


def test_counters_move_by_exactly_what_happened(server_factory):
    s = server_factory(env={**ABUSE_LIMITS_OFF, "LIMIT_LOGIN_IP": "5/10m", "LOGIN_LOCK_AFTER": "2",
                            "LOGIN_LOCK_SECONDS": "10m"})
    alice, bob, carol = new_user(s), new_user(s), new_user(s)
    before = scrape(s)

    # Logins: 1 + 2 successes, 3 wrong passwords (the third locks bob from
    # this IP), then bob's right password refused as locked.
    t = login(s, alice)
    for _ in range(3):
        assert_error(s.post("/login", json={"username": bob, "password": "wrong password"}), 401,
                     "invalid_credentials")
    assert_error(s.post("/login", json={"username": bob, "password": PASSWORD}), 401, "invalid_credentials")
    login(s, carol)
    login(s, carol)

    # Refreshes: rotate, replay within the grace window, rotate, then the
    # first token again (two generations old): reuse, the session ends.
    r1 = refresh(s, t["refresh_token"])
    assert r1.status_code == 200, r1.text
    replay = refresh(s, t["refresh_token"])
    assert replay.status_code == 200 and replay.json()["refresh_token"] == r1.json()["refresh_token"]
    assert refresh(s, r1.json()["refresh_token"]).status_code == 200
    assert_error(refresh(s, t["refresh_token"]), 401, "token_reused")

    # The IP's failed-login limit: bob's 3 failures counted (not the locked
    # attempt); 3 more (unknown names) pass 5, the last of them locks the
    # IP, and the next login, right or wrong, is refused before any work.
    # Malformed bodies never reach the limits.
    assert s.post("/login", data="not json", headers={"Content-Type": "application/json"}).status_code == 400
    for _ in range(3):
        assert_error(s.post("/login", json={"username": unique_name("nobody"), "password": "x"}), 401,
                     "invalid_credentials")
    assert_error(s.post("/login", json={"username": carol, "password": PASSWORD}), 429, "rate_limited")
    limited = 1
    after = scrape(s)

    def moved(family, **labels):
        return value(after, family, **labels) - value(before, family, **labels)

    assert moved("latchkey_logins", outcome="success") == 3
    assert moved("latchkey_logins", outcome="bad_credentials") == 6
    assert moved("latchkey_logins", outcome="locked") == 1
    assert moved("latchkey_logins", outcome="rate_limited") == limited
    assert moved("latchkey_refreshes", outcome="rotated") == 2
    assert moved("latchkey_refreshes", outcome="grace_replay") == 1
    assert moved("latchkey_refreshes", outcome="reuse_detected") == 1
    assert moved("latchkey_refreshes", outcome="not_rotated") == 0
    assert moved("latchkey_http_requests", method="POST", route="/login", status="200") == 3
    assert moved("latchkey_http_requests", method="POST", route="/login", status="401") == 7
    assert moved("latchkey_http_requests", method="POST", route="/login", status="429") == limited
    assert moved("latchkey_http_requests", method="POST", route="/login", status="400") == 1
    assert moved("latchkey_limit_refusals", limit="login_ip") == 1
    assert moved("latchkey_limit_refusals", limit="login_pair") == 1
    assert moved("latchkey_limit_locks", limit="login_ip") == 1
    assert moved("latchkey_limit_locks", limit="login_pair") == 1
    assert value(after, "latchkey_limit_locked", limit="login_ip") == 1
    assert value(after, "latchkey_limit_locked", limit="login_pair") == 1
    assert value(after, "latchkey_limit_store_down") == 0
    assert moved("latchkey_http_requests", method="POST", route="/refresh_token", status="200") == 3
    assert moved("latchkey_http_requests", method="POST", route="/refresh_token", status="401") == 1
    assert value(after, "latchkey_revoked_sessions") == 1  # alice's, ended by the reuse
    assert moved("latchkey_db_errors", kind="unavailable") == 0
    assert moved("latchkey_db_errors", kind="failed") == 0
    assert value(after, "latchkey_worker_rejected", lane="hashing") == 0
    assert value(after, "latchkey_worker_rejected", lane="database") == 0
    # Carol's two sessions are live; alice's ended. The gauge is refreshed
    # from the database every few seconds.
    deadline = time.monotonic() + 10
    while (live := active_sessions(s)) != 2 and time.monotonic() < deadline:
        time.sleep(0.25)
    assert live == 2


def test_not_rotated_refreshes_are_counted(server_factory):
    s = server_factory(env={"REFRESH_ROTATION": "off"})
    t = login(s, new_user(s))
    for _ in range(2):
        assert refresh(s, t["refresh_token"]).status_code == 200
    fams = scrape(s)
    assert value(fams, "latchkey_refreshes", outcome="not_rotated") == 2
    assert value(fams, "latchkey_refreshes", outcome="rotated") == 0


def test_metrics_bad_input(server):
    assert_error(server.post("/metrics"), 405, "method_not_allowed")
    assert_error(server.request("DELETE", "/readyz"), 405, "method_not_allowed")
    assert server.get("/metrics?format=json&x=%00").status_code == 200
    r = server.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert r.status_code == 200 and r.headers["Content-Type"] == CONTENT_TYPE
    assert_error(server.get("/metrics/"), 404, "not_found")


def test_probes_and_metrics_are_never_rate_limited(server_factory):
    s = server_factory(env={**ABUSE_LIMITS_OFF, "LIMIT_FLOOD": "1/1m", "LIMIT_SIGNUP": "1/1m"})
    for _ in range(3):
        s.post("/login", json={"username": "nobody", "password": "x"})
    assert s.post("/login", json={"username": "nobody", "password": "x"}).status_code == 429
    for _ in range(50):
        for path in ("/healthz", "/readyz", "/metrics"):
            assert s.get(path).status_code == 200


def test_metrics_port_serves_metrics_only_there(server_factory):
    mport = free_port()
    s = server_factory(env={"METRICS_PORT": str(mport)})
    assert_error(s.get("/metrics"), 404, "not_found")
    assert s.get("/readyz").json() == {"status": "ready"}
    name = new_user(s)
    login(s, name)
    with unchecked_session() as http:  # answers of the metrics port are not the API's
        base = f"http://127.0.0.1:{mport}"
        assert http.get(base + "/healthz", timeout=5).json() == {"status": "ok"}
        assert http.get(base + "/readyz", timeout=5).json() == {"status": "ready"}
        r = http.post(base + "/login", json={"username": name, "password": PASSWORD}, timeout=5)
        assert_error(r, 404, "not_found")  # the API is not on the metrics port
    fams = scrape(s, port=mport)
    # Requests on the main port are counted on the metrics port.
    assert requests_total(fams, "POST", "/login", 200) == 1
    assert requests_total(fams, "GET", "/metrics", 404) == 0
    assert requests_total(fams, "other", "unmatched", 404) >= 1
    assert s.stop() == 0


def test_metrics_port_settings_are_checked(tmp_path):
    port = free_port()
    r = run_to_exit(tmp_path, env={"PORT": str(port), "METRICS_PORT": str(port)})
    assert r.code == 2 and "METRICS_PORT" in r.stderr, r
    r = run_to_exit(tmp_path, env={"METRICS_PORT": "70000"})
    assert r.code == 2 and "METRICS_PORT" in r.stderr, r
    help_text = run_to_exit(tmp_path, args=["--help"]).stdout
    assert "--metrics-port / METRICS_PORT" in help_text and "--metrics-host / METRICS_HOST" in help_text


def test_metrics_port_in_use_stops_the_start(tmp_path, server_factory):
    first = server_factory()
    r = run_to_exit(tmp_path, env={"METRICS_PORT": str(first.port)})
    assert r.code == 1 and "cannot listen" in r.stderr, r


def test_admin_paths_are_one_route(server):
    codes = [server.get(f"/admin/users/{unique_name()}").status_code for _ in range(3)]
    codes.append(server.request("PROPFIND", "/admin/x").status_code)
    fams = scrape(server)
    assert requests_total(fams, "GET", "/admin/*", codes[0]) == 3
    assert requests_total(fams, "other", "/admin/*", codes[3]) == 1
    assert server.stop() == 0
    routes = {json.loads(l).get("route") for l in server.log.splitlines() if '"http.request"' in l}
    assert "/admin/*" in routes and not any(r.startswith("/admin/users") for r in routes)
