"""The client's address behind a reverse proxy (TRUSTED_PROXIES): a trusted
peer's X-Forwarded-For or Forwarded names the client, and that address is
the one the session list, the audit trail, the rate limits and the access
log use. Anyone else's forwarding fields are ignored; hostile ones (malformed,
huge, thousands of entries, repeated lines) never cost a 5xx.
"""
import json
import time

import pytest

from conftest import PASSWORD, new_user, raw_exchange, run_cli, run_to_exit, sessions, unique_name
from test_config import assert_clean_failure

CLIENT = "203.0.113.7"


def xff(value):
    return {"X-Forwarded-For": value}


def access_line(s, request_id, timeout=2.0):
    """The http.request line of the request sent with X-Request-Id `request_id`."""
    def mine(events):
        return [e for e in events if e.get("event") == "http.request" and e.get("request_id") == request_id]
    found = mine(s.wait_for_log(lambda events: bool(mine(events)), timeout=timeout))
    assert len(found) == 1, s.log[-4000:]
    return found[0]


def audit_events(s, name, want, within=2.0):
    """`latchkey audit --user NAME --json`, oldest first, once there are `want` events."""
    deadline = time.monotonic() + within
    while True:
        out = run_cli(s, "audit", "--user", name, "--json")
        assert out.code == 0, out
        events = list(reversed(json.loads(out.stdout)["events"]))
        if len(events) >= want or time.monotonic() > deadline:
            return events
        time.sleep(0.05)


def login_as(s, name, headers, request_id):
    r = s.post("/login", json={"username": name, "password": PASSWORD},
               headers={**headers, "X-Request-Id": request_id})
    assert r.status_code == 200, r.text
    return r.json()


# -- a trusted proxy -------------------------------------------------------------------


def test_a_trusted_proxys_client_is_the_sessions_the_audits_and_the_logs(server_factory):
    s = server_factory(env={"TRUSTED_PROXIES": "127.0.0.1"})
    name = new_user(s)
    # What nginx's $proxy_add_x_forwarded_for writes when the client sent a
    # (spoofed) field of its own: the proxy's entry, on the right, wins.
    t = login_as(s, name, xff(f"198.51.100.66, {CLIENT}"), "proxied-login-1")
    [session] = sessions(s, t["access_token"])
    assert session["ip"] == CLIENT, session
    line = access_line(s, "proxied-login-1")
    assert line["ip"] == CLIENT and line["peer"] == "127.0.0.1", line
    [event] = [e for e in audit_events(s, name, 2) if e["event"] == "login"]
    assert event["ip"] == CLIENT, event
    # A request without forwarding fields is the peer's, and logs no peer.
    r = s.get("/healthz", headers={"X-Request-Id": "direct-1"})
    assert r.status_code == 200
    line = access_line(s, "direct-1")
    assert line["ip"] == "127.0.0.1" and "peer" not in line, line


def test_forwarded_is_read_and_preferred(server_factory):
    s = server_factory(env={"TRUSTED_PROXIES": "127.0.0.1/32, ::1"})
    name = new_user(s)
    t = login_as(s, name, {"Forwarded": 'for="[2001:DB8:0::7]:4711";proto=https', "X-Forwarded-For": CLIENT},
                 "forwarded-1")
    [session] = sessions(s, t["access_token"])
    assert session["ip"] == "2001:db8::7", session
    assert access_line(s, "forwarded-1")["ip"] == "2001:db8::7"


def test_limits_count_per_forwarded_client(server_factory):
    s = server_factory(env={"TRUSTED_PROXIES": "127.0.0.1", "LIMIT_LOGIN_IP": "3/1m"})

    def fail(client=None):
        headers = xff(client) if client else {}
        return s.post("/login", json={"username": unique_name(), "password": "guess"}, headers=headers).status_code

    for _ in range(4):  # three free, the fourth locks the client's address
        assert fail(CLIENT) == 401
    assert fail(CLIENT) == 429
    # Another client behind the same proxy counts on its own...
    assert fail("203.0.113.8") == 401
    # ...and so does the proxy itself.
    assert fail() == 401


# -- no trusted proxy ------------------------------------------------------------------


@pytest.mark.parametrize("trusted", [None, "127.0.0.2", "10.0.0.0/8, ::1"])
def test_an_untrusted_peers_fields_change_nothing(server_factory, trusted):
    s = server_factory(env={"TRUSTED_PROXIES": trusted})
    name = new_user(s)
    t = login_as(s, name, {**xff(CLIENT), "Forwarded": f"for={CLIENT}"}, "spoofed-1")
    [session] = sessions(s, t["access_token"])
    assert session["ip"] == "127.0.0.1", session
    line = access_line(s, "spoofed-1")
    assert line["ip"] == "127.0.0.1" and "peer" not in line, line


# -- hostile fields --------------------------------------------------------------------


def raw_get(port, fields, request_id):
    head = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Request-Id: " + request_id + "\r\n"
    data = (head + "".join(f"{k}: {v}\r\n" for k, v in fields) + "\r\n").encode("latin-1")
    return raw_exchange(port, data)


HOSTILE = {
    "garbage": [("X-Forwarded-For", "not an address, at all")],
    "unknown": [("Forwarded", "for=unknown")],
    "obfuscated": [("Forwarded", 'for="_hidden", for=_x;proto=https')],
    "unbalanced_quotes": [("Forwarded", 'for="' + '"' * 3001 + "\\")],
    "zone": [("X-Forwarded-For", "fe80::1%eth0")],
    "controls": [("X-Forwarded-For", "1.2.3.4\x01\x7f\xff")],
    "long_entry": [("X-Forwarded-For", "1" * 50_000)],
    "long_forwarded": [("Forwarded", "for=" + CLIENT + ";host=" + "h" * 50_000)],
    "commas": [("X-Forwarded-For", "," * 50_000)],
    "thousands": [("X-Forwarded-For", ", ".join(f"10.{i // 250 % 250}.{i % 250}.1" for i in range(4000)))],
    "thousands_forwarded": [("Forwarded", ", ".join(f"for=10.0.{i // 250 % 250}.{i % 250}" for i in range(3000)))],
    "repeated_lines": [("X-Forwarded-For", f"10.0.0.{i % 250}") for i in range(2000)],
    "repeated_empty": [("X-Forwarded-For", "") for _ in range(3000)],
    "repeated_forwarded": [("Forwarded", "for=unknown") for _ in range(2000)],
    "over_the_header_limit": [("X-Forwarded-For", "1.1.1.1, " * 9000)],
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_forwarding_fields_never_cost_a_5xx(server_factory, case):
    s = server_factory(env={"TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"})
    answer = raw_get(s.port, HOSTILE[case], f"hostile-{case}")
    assert answer is not None, "closed without an answer"
    status = answer[0]
    assert status < 500, (status, answer)
    if case == "over_the_header_limit":
        assert status == 431, answer
    elif case == "controls":
        assert status == 400, answer  # Beast's parser refuses control bytes in a field value
    else:
        assert status == 200, answer
        line = access_line(s, f"hostile-{case}")
        # Nothing believable in there: the proxy itself, or a trusted hop.
        assert line["ip"] == "127.0.0.1" or line["ip"].startswith("10."), line
    assert s.running()
    assert s.get("/healthz").status_code == 200


def test_a_good_client_behind_a_thousand_spoofed_entries(server_factory):
    s = server_factory(env={"TRUSTED_PROXIES": "127.0.0.1"})
    spoofed = ", ".join(f"198.51.{i // 250 % 250}.{i % 250}" for i in range(3000))
    answer = raw_get(s.port, [("X-Forwarded-For", spoofed), ("X-Forwarded-For", CLIENT)], "spoofed-many")
    assert answer is not None and answer[0] == 200, answer
    assert access_line(s, "spoofed-many")["ip"] == CLIENT


# -- the setting -----------------------------------------------------------------------


@pytest.mark.parametrize("value,entry", [
    ("127.0.0.1, 10.0.0.300", "'10.0.0.300'"),
    ("localhost", "'localhost'"),
    ("10.0.0.1/8", "'10.0.0.1/8'"),
    ("10.0.0.0/33", "'10.0.0.0/33'"),
    ("fd00::/8 fe80::1%eth0", "'fe80::1%eth0'"),
])
def test_a_bad_trusted_proxies_refuses_to_start(tmp_path, value, entry):
    r = run_to_exit(tmp_path, env={"TRUSTED_PROXIES": value})
    assert_clean_failure(r, "TRUSTED_PROXIES", entry)
    r = run_to_exit(tmp_path / "flag", args=["--trusted-proxies", value])
    assert_clean_failure(r, "TRUSTED_PROXIES", "--trusted-proxies", entry)


def test_help_lists_the_setting(tmp_path):
    r = run_to_exit(tmp_path, args=["--help"])
    assert r.code == 0, r
    assert "--trusted-proxies / TRUSTED_PROXIES" in r.stdout
