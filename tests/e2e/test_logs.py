"""Logs: one JSON object per line on stderr (the default when stderr is not a
terminal), every request logged with timestamp, level, request id, route
pattern, status, latency and client IP; never a password, token or key
(a whole flow is run and its log searched for every secret it used).
"""
import base64
import json
import os
import pty
import re
import select
import sqlite3
import subprocess
import time

import pytest

from conftest import (LATCHKEY_BIN, PASSWORD, TEST_SECRET, assert_error, bearer, clean_env, direct_session,
                      free_port, login, new_user, protected, refresh, signup, unique_name)

INTROSPECTION_SECRET = "introspection-secret-for-log-test-0123"
TS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
GENERATED_ID = re.compile(r"[A-Za-z0-9_-]{8,32}")
ROUTES = {"/signup", "/login", "/protected", "/logout", "/refresh_token", "/get_active_sessions",
          "/logout_all", "/logout_others", "/change_password", "/.well-known/jwks.json",
          "/.well-known/openid-configuration", "/introspect", "/revoke", "/healthz", "/readyz",
          "/metrics", "unmatched"}


def parse_lines(text):
    """Every line as JSON, with the fields every line has."""
    events = []
    for line in text.splitlines():
        e = json.loads(line)  # raises on any line that is not one JSON object
        assert isinstance(e, dict), line
        assert TS.fullmatch(e.get("ts", "")), line
        assert e.get("level") in ("debug", "info", "warn", "error"), line
        assert isinstance(e.get("event"), str) and e["event"], line
        events.append(e)
    return events


def request_lines(events):
    out = [e for e in events if e["event"] == "http.request"]
    for e in out:
        assert {"method", "route", "status", "latency_ms", "ip", "request_id"} <= set(e), e
        assert e["route"] in ROUTES, e
        assert isinstance(e["status"], int) and 100 <= e["status"] <= 599, e
        assert isinstance(e["latency_ms"], (int, float)) and e["latency_ms"] >= 0, e
        assert e["ip"] == "127.0.0.1", e
        assert re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", e["request_id"]), e
    return out


def pieces_of(token):
    """A token and the parts of it that are secret on their own."""
    out = {token}
    if token.startswith("lkr_"):
        out.add(token.rsplit(".", 1)[1])  # the refresh token's secret
    elif token.count(".") == 2:
        out.update(token.split(".")[1:])  # claims and signature (the header is common to all)
    return out


def test_a_whole_flow_logs_no_secret(server_factory):
    s = server_factory(env={"INTROSPECTION_SECRET": INTROSPECTION_SECRET})
    secrets = {PASSWORD, INTROSPECTION_SECRET}
    name = new_user(s)
    weak = "password"
    assert_error(s.post("/signup", json={"username": unique_name(), "password": weak}), 400, "weak_password")
    wrong = "not-the-password-9f3a"
    secrets.add(wrong)
    for _ in range(2):
        assert_error(s.post("/login", json={"username": name, "password": wrong}), 401, "invalid_credentials")
    t1, t2, t3 = login(s, name), login(s, name), login(s, name)
    tokens = [t[k] for t in (t1, t2, t3) for k in ("access_token", "refresh_token")]
    assert protected(s, t1["access_token"]).status_code == 200
    forged = t1["access_token"][:-8] + "AAAAAAAA"
    tokens.append(forged)
    assert_error(protected(s, forged), 401, None)
    r1 = refresh(s, t1["refresh_token"]).json()
    replay = refresh(s, t1["refresh_token"]).json()
    r2 = refresh(s, r1["refresh_token"]).json()
    tokens += [r1["refresh_token"], r1["new_access_token"], replay["new_access_token"], r2["refresh_token"],
               r2["new_access_token"]]
    assert_error(refresh(s, t1["refresh_token"]), 401, "token_reused")
    assert s.get("/get_active_sessions", headers=bearer(t2["access_token"])).status_code == 200
    basic = base64.b64encode(f"svc:{INTROSPECTION_SECRET}".encode()).decode()
    r = s.post("/introspect", data={"token": t2["access_token"]}, headers={"Authorization": f"Basic {basic}"})
    assert r.json()["active"] is True
    assert s.post("/introspect", data={"token": t2["refresh_token"]},
                  headers={"Authorization": "Bearer wrong-introspection-secret-77"}).status_code == 401
    secrets.add("wrong-introspection-secret-77")
    assert s.post("/logout", headers=bearer(t3["access_token"]), json={"token": t3["refresh_token"]}).status_code == 200
    assert s.post("/revoke", data={"token": t2["refresh_token"]}).status_code == 200
    t4 = login(s, name)
    tokens += [t4["access_token"], t4["refresh_token"]]
    new_password = "a brand new passphrase 42"
    secrets.add(new_password)
    assert_error(s.post("/change_password", headers=bearer(t4["access_token"]),
                        json={"current_password": wrong, "new_password": new_password}), 401, "invalid_credentials")
    r = s.post("/change_password", headers=bearer(t4["access_token"]),
               json={"current_password": PASSWORD, "new_password": new_password})
    assert r.status_code == 200, r.text
    t5 = login(s, name, new_password)
    tokens += [t5["access_token"], t5["refresh_token"]]
    # Secrets where they do not belong: a query string, an unknown path.
    assert s.get("/healthz", params={"token": t5["access_token"]}).status_code == 200
    assert s.get("/reset/" + t5["refresh_token"]).status_code == 404
    assert s.post("/logout_all", headers=bearer(t5["access_token"])).status_code == 200
    for t in tokens:
        secrets |= pieces_of(t)

    # The server's own secrets: signing key material and the refresh-chain secret.
    db = sqlite3.connect(s.workdir / "latchkey.db")
    for (material,) in db.execute("SELECT material FROM signing_keys"):
        secrets.update(line for line in material.splitlines() if len(line) >= 16 and "-----" not in line)
    for (value,) in db.execute("SELECT value FROM server_secrets"):
        secrets.add(value)
    db.close()
    assert s.stop() == 0

    log = s.log
    leaked = sorted(x[:24] + "…" for x in secrets if x and x in log)
    assert not leaked, f"secrets in the log: {leaked}"
    events = parse_lines(log)
    lines = request_lines(events)
    assert len(lines) >= 25
    routes = {e["route"] for e in lines}
    assert {"/signup", "/login", "/refresh_token", "/change_password", "/introspect", "unmatched"} <= routes
    assert not any("?" in e["route"] or "reset" in e["route"] for e in lines)
    assert {e["status"] for e in lines} >= {200, 201, 400, 401, 404}


def test_a_keyed_server_logs_no_key(server_factory):
    s = server_factory(env={"SECRET_KEY": TEST_SECRET})
    name = new_user(s)
    t = login(s, name)
    assert protected(s, t["access_token"]).status_code == 200
    assert s.stop() == 0
    for secret in (TEST_SECRET, PASSWORD, *pieces_of(t["access_token"]), *pieces_of(t["refresh_token"])):
        assert secret not in s.log
    parse_lines(s.log)


def test_request_id_is_echoed_and_logged(server):
    sent = "client-1234.abc:def_9"
    r = server.get("/healthz", headers={"X-Request-Id": sent})
    assert r.headers["X-Request-Id"] == sent
    generated = set()
    for bad in ("has space", "x" * 129, "semi;colon", "quote\"d", "ünïcode".encode(), "<script>"):
        r = server.get("/healthz", headers={"X-Request-Id": bad})
        assert r.status_code == 200
        got = r.headers["X-Request-Id"]
        assert GENERATED_ID.fullmatch(got), (bad, got)
        generated.add(got)
    r = server.get("/healthz")
    assert GENERATED_ID.fullmatch(r.headers["X-Request-Id"])
    generated.add(r.headers["X-Request-Id"])
    assert len(generated) == 7  # one fresh id per request
    ok = "y" * 128
    assert server.get("/readyz", headers={"X-Request-Id": ok}).headers["X-Request-Id"] == ok
    # Unreadable requests too (413 from Content-Length, before the body).
    r = server.post("/signup", data=b"x" * 70000, headers={"X-Request-Id": "big-1", "Content-Type": "application/json"})
    assert r.status_code == 413 and r.headers["X-Request-Id"] == "big-1"
    assert server.stop() == 0

    lines = request_lines(parse_lines(server.log))
    by_id = {e["request_id"]: e for e in lines}
    assert by_id[sent]["route"] == "/healthz" and by_id[sent]["status"] == 200
    assert by_id[ok]["route"] == "/readyz"
    assert by_id["big-1"]["route"] == "/signup" and by_id["big-1"]["status"] == 413
    assert generated <= set(by_id)
    for bad in ("has space", "semi;colon", "<script>", "x" * 129):
        assert bad not in server.log


def test_json_is_the_default_when_stderr_is_not_a_terminal(server_factory):
    s = server_factory(env={"LOG_FORMAT": None})
    assert s.get("/healthz").status_code == 200
    assert s.stop() == 0
    lines = request_lines(parse_lines(s.log))
    assert any(e["route"] == "/healthz" for e in lines)
    assert any(e["event"] == "server.listening" for e in parse_lines(s.log))


def test_text_format_is_readable(server_factory):
    s = server_factory(env={"LOG_FORMAT": "text"})
    assert s.get("/healthz?x=1").status_code == 200
    assert s.stop() == 0
    line = next(l for l in s.log.splitlines() if " http.request " in l)
    assert TS.match(line) and " info " in line, line
    assert "route=/healthz" in line and "status=200" in line and "latency_ms=" in line, line
    assert "x=1" not in line


def test_text_is_the_default_on_a_terminal(tmp_path):
    port = free_port()
    master, slave = pty.openpty()
    env = clean_env({"PORT": str(port), "HOST": "127.0.0.1", "DATABASE_URL": f"sqlite://{tmp_path / 'l.db'}"})
    p = subprocess.Popen([LATCHKEY_BIN], cwd=tmp_path, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    out = b""
    try:
        deadline = time.monotonic() + 10
        while b"server.listening" not in out and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                out += os.read(master, 4096)
    finally:
        p.terminate()
        p.wait(timeout=5)
        os.close(master)
    first = out.decode(errors="replace").splitlines()[0]
    assert "server.listening" in out.decode() and not first.lstrip().startswith("{"), first
