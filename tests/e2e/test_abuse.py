"""Abuse: rate limits, login locks, input a hostile client sends, slow and
numerous connections.

The harness turns the abuse limits off (ABUSE_LIMITS_OFF); every test here
that needs one sets it explicitly. Other devices are simulated with other
loopback source addresses (127.0.0.2, ...): the server sees those as the
client IP.
"""
import http.client
import json
import random
import resource
import selectors
import socket
import statistics
import time
import unicodedata
import uuid
from pathlib import Path

import pytest

from conftest import (ABUSE_LIMITS_OFF, PASSWORD, assert_error, bearer, login, new_user, protected,
                      raw_exchange, read_response, sessions, signup, unique_name)

# Lock windows, equal refusal times, cut-off deadlines: measured alone (scripts/e2e-tests.sh).
pytestmark = pytest.mark.timing

INVALID_CREDENTIALS = {"error": "invalid_credentials", "message": "Invalid credentials"}


def limits(**settings):
    """The harness's abuse settings with some of them changed (None: the
    server's default)."""
    env = dict(ABUSE_LIMITS_OFF)
    env.update({k: (None if v is None else str(v)) for k, v in settings.items()})
    return env


def _can_bind(ip):
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((ip, 0))
        return True
    except OSError:
        return False


needs_loopback_aliases = pytest.mark.skipif(
    not all(_can_bind(ip) for ip in ("127.0.0.2", "127.0.0.40")),
    reason="this host cannot use 127.0.0.2+ as source addresses (only Linux routes all of 127/8 to lo)")


class Answer:
    def __init__(self, status, headers, body, seconds):
        self.status, self.headers, self.body, self.seconds = status, headers, body, seconds

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.status} {self.body[:200]!r}>"


def call(port, method, path, body=None, headers=None, source="127.0.0.1", timeout=10):
    """One request on a fresh connection from `source`; the time includes
    connecting."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    h = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    if body is not None:
        h.setdefault("Content-Type", "application/json")
    try:
        t0 = time.monotonic()
        conn.request(method, path, body=body.encode() if isinstance(body, str) else body, headers=h)
        resp = conn.getresponse()
        raw = resp.read()
        return Answer(resp.status, {k.lower(): v for k, v in resp.getheaders()}, raw, time.monotonic() - t0)
    finally:
        conn.close()


def try_login(port, user, pw=PASSWORD, source="127.0.0.1"):
    return call(port, "POST", "/login", {"username": user, "password": pw}, source=source)


def assert_refused_like_wrong_password(a):
    assert a.status == 401, a
    assert a.json() == INVALID_CREDENTIALS, a
    assert a.headers.get("cache-control") == "no-store"
    assert "retry-after" not in a.headers, a.headers


def assert_rate_limited(a, max_wait):
    assert a.status == 429, a
    body = a.json()
    assert set(body) == {"error", "message"} and body["error"] == "rate_limited", body
    assert isinstance(body["message"], str) and body["message"]
    wait = a.headers.get("retry-after")
    assert wait is not None and wait.isdigit(), a.headers
    assert 1 <= int(wait) <= max_wait, wait
    return int(wait)


# -- limits per client IP ------------------------------------------------------------------


@needs_loopback_aliases
def test_failed_logins_per_ip_then_429_for_everyone_behind_it(server_factory):
    s = server_factory(env=limits(LIMIT_LOGIN_IP="5/1m"))
    name = new_user(s)
    # Successes never count: an office behind one address signs in freely.
    for _ in range(20):
        assert try_login(s.port, name).status == 200
    # Failures over many accounts do (credential stuffing): five are free,
    # the sixth locks the IP, and from then on every login from it is
    # refused before any work, the right password too.
    for i in range(6):
        assert_refused_like_wrong_password(try_login(s.port, unique_name(f"stuffed{i}"), "guess"))
    assert_rate_limited(try_login(s.port, name), max_wait=60)
    # Malformed bodies are refused before the limits (400), whatever the state.
    assert call(s.port, "POST", "/login", {}).status == 400
    # Another client IP is not affected.
    assert try_login(s.port, name, source="127.0.0.2").status == 200


@needs_loopback_aliases
def test_signup_rate_and_flood_ceiling_per_ip(server_factory):
    s = server_factory(env=limits(LIMIT_SIGNUP="3/1m", LIMIT_FLOOD="8/1m"))
    for _ in range(3):
        assert call(s.port, "POST", "/signup", {"username": unique_name(), "password": PASSWORD}).status == 201
    assert_rate_limited(call(s.port, "POST", "/signup", {"username": unique_name(), "password": PASSWORD}),
                        max_wait=60)
    # The flood ceiling counts every sign-up and login that reaches the
    # password check, successes too: 4 sign-ups so far, 4 logins more pass.
    other = unique_name()
    assert call(s.port, "POST", "/signup", {"username": other, "password": PASSWORD},
                source="127.0.0.2").status == 201
    for _ in range(4):
        assert try_login(s.port, other).status == 200
    assert_rate_limited(try_login(s.port, other), max_wait=60)
    # Other addresses, and other endpoints, are not affected.
    assert try_login(s.port, other, source="127.0.0.2").status == 200
    assert call(s.port, "GET", "/healthz").status == 200


def test_zero_turns_the_limits_off(server_factory):
    s = server_factory(env=limits(LIMIT_FLOOD=0, LIMIT_SIGNUP=0, LIMIT_LOGIN_IP=0))
    name = new_user(s)
    for i in range(30):
        assert_refused_like_wrong_password(try_login(s.port, unique_name(f"u{i}"), "guess"))
    for _ in range(30):
        assert call(s.port, "POST", "/signup", {"username": unique_name(), "password": PASSWORD}).status == 201
    assert try_login(s.port, name).status == 200


def test_deprecated_rate_settings_still_configure_the_limits(server_factory):
    s = server_factory(env=limits(LOGIN_RATE_PER_MINUTE=2, SIGNUP_RATE_PER_MINUTE=1, LIMIT_LOGIN_IP=None,
                                  LIMIT_SIGNUP=None))
    assert call(s.port, "POST", "/signup", {"username": unique_name(), "password": PASSWORD}).status == 201
    assert_rate_limited(call(s.port, "POST", "/signup", {"username": unique_name(), "password": PASSWORD}),
                        max_wait=60)
    for i in range(3):
        assert_refused_like_wrong_password(try_login(s.port, unique_name(f"u{i}"), "guess"))
    assert_rate_limited(try_login(s.port, unique_name(), "guess"), max_wait=60)


# -- login locks -------------------------------------------------------------------------


@needs_loopback_aliases
def test_pair_lock_after_free_failures_then_doubling(server_factory):
    s = server_factory(env=limits(LOGIN_LOCK_AFTER=3, LOGIN_LOCK_SECONDS="2s"))
    name, other = new_user(s), new_user(s)
    A, B, C = "127.0.0.1", "127.0.0.3", "127.0.0.2"

    # The first LOGIN_LOCK_AFTER failures cost nothing; a success clears them.
    for _ in range(3):
        assert_refused_like_wrong_password(try_login(s.port, name, "wrong password", source=A))
    assert try_login(s.port, name, source=A).status == 200

    # One more failure than that locks the (account, IP) pair: the right
    # password is then refused exactly like a wrong one. Pair B goes the same way.
    for src in (A, B):
        for _ in range(4):
            assert_refused_like_wrong_password(try_login(s.port, name, "wrong password", source=src))
    locked_at = time.monotonic()
    assert_refused_like_wrong_password(try_login(s.port, name, source=A))
    assert_refused_like_wrong_password(try_login(s.port, name, source=B))
    # Another device (IP) logs in to the same account, another account from A too.
    assert try_login(s.port, name, source=C).status == 200
    assert try_login(s.port, other, source=A).status == 200
    assert time.monotonic() - locked_at < 1.0, "too slow to observe a 2 s lock"

    # The lock ends after LOGIN_LOCK_SECONDS (whole seconds: between 1 and 2 s).
    time.sleep(max(0.0, locked_at + 2.1 - time.monotonic()))
    assert try_login(s.port, name, source=A).status == 200
    # B, still counting failures: its next failure locks for twice as long.
    assert_refused_like_wrong_password(try_login(s.port, name, "wrong password", source=B))
    relocked_at = time.monotonic()
    time.sleep(2.2)  # a 2 s lock would be over; a 4 s one (at least 3 s in whole seconds) is not
    assert_refused_like_wrong_password(try_login(s.port, name, source=B))
    assert time.monotonic() - relocked_at < 2.9
    assert try_login(s.port, name, source=A).status == 200


@needs_loopback_aliases
def test_account_lock_from_many_ips(server_factory):
    s = server_factory(env=limits(ACCOUNT_LOCK_AFTER=5, LOGIN_LOCK_AFTER=1000))
    name, other = new_user(s), new_user(s)
    for i in range(4):
        assert_refused_like_wrong_password(try_login(s.port, name, "wrong password", source=f"127.0.0.{10 + i}"))
    # Below the threshold nothing is locked, and a success does not reset the count.
    assert try_login(s.port, name, source="127.0.0.20").status == 200
    assert_refused_like_wrong_password(try_login(s.port, name, "wrong password", source="127.0.0.14"))
    # Now the account is locked for every IP, also ones that never failed.
    for src in ("127.0.0.1", "127.0.0.21", "127.0.0.10"):
        assert_refused_like_wrong_password(try_login(s.port, name, source=src))
    assert try_login(s.port, other, source="127.0.0.10").status == 200


@needs_loopback_aliases
def test_unknown_user_wrong_password_and_locked_look_the_same(server_factory):
    s = server_factory(env=limits(LOGIN_LOCK_AFTER=1, LOGIN_LOCK_SECONDS="10m"))
    name = new_user(s)
    for _ in range(2):  # one free failure, the second locks (name, 127.0.0.1)
        try_login(s.port, name, "wrong password")
    try_login(s.port, unique_name("warmup"))  # warm-up, not measured

    cases = {"unknown": [], "wrong": [], "locked": []}
    for i in range(5):  # interleaved, so any drift of the machine hits all three
        cases["unknown"].append(try_login(s.port, unique_name("nobody"), PASSWORD, source=f"127.0.0.{30 + i}"))
        cases["wrong"].append(try_login(s.port, name, f"wrong password {i}", source=f"127.0.0.{40 + i}"))
        cases["locked"].append(try_login(s.port, name, PASSWORD))  # the right password, locked pair

    def visible(a):
        return a.status, a.body, sorted(k for k in a.headers if k not in ("date", "x-request-id"))

    reference = visible(cases["unknown"][0])
    for kind, answers in cases.items():
        for a in answers:
            assert_refused_like_wrong_password(a)
            assert visible(a) == reference, (kind, a.headers, cases["unknown"][0].headers)
    medians = {k: statistics.median(a.seconds for a in v) for k, v in cases.items()}
    print(f"\nlogin refusal medians (ms): " + ", ".join(f"{k} {v * 1000:.1f}" for k, v in medians.items()))
    assert max(medians.values()) < 3 * min(medians.values()), medians
    # The right password still works from elsewhere: the lock was per pair.
    assert try_login(s.port, name, source="127.0.0.50").status == 200


# -- usernames ---------------------------------------------------------------------------


def test_usernames_trimmed_and_case_insensitive(shared_server):
    s = shared_server
    tag = uuid.uuid4().hex[:8]
    name = f"Alice{tag}"
    signup(s, f"  {name} ")
    for taken in (name.lower(), name.upper(), name, f"{name.lower()}   "):
        assert_error(s.post("/signup", json={"username": taken, "password": PASSWORD}), 409, "user_exists")
    for spelled in (name.upper(), name.lower(), f" {name.lower()}  "):
        t = login(s, spelled)
        r = protected(s, t["access_token"])
        assert r.json()["message"] == f"Hello, {name}. You have successfully accessed the protected route."


def test_usernames_nfc_normalised(shared_server):
    s = shared_server
    tag = uuid.uuid4().hex[:8]
    decomposed, composed_upper = f"Ren\u0065\u0301{tag}", f"REN\u00c9{tag.upper()}"
    assert unicodedata.normalize("NFC", decomposed) != decomposed
    signup(s, decomposed)
    assert_error(s.post("/signup", json={"username": composed_upper, "password": PASSWORD}), 409, "user_exists")
    assert_error(s.post("/signup", json={"username": f"Ren\u00e9{tag}", "password": PASSWORD}), 409, "user_exists")
    t = login(s, composed_upper)
    assert protected(s, t["access_token"]).json()["message"].startswith(f"Hello, Ren\u00e9{tag}. ")
    t2 = login(s, decomposed)
    assert {x["session_id"] for x in sessions(s, t2["access_token"])} == {t["session_id"], t2["session_id"]}


def test_username_length_in_characters(shared_server):
    s = shared_server
    rng = random.Random()
    cjk = "".join(chr(rng.randrange(0x4E00, 0x9FA0)) for _ in range(64))
    assert len(cjk) == 64 and len(cjk.encode()) == 192
    signup(s, cjk)
    assert protected(s, login(s, cjk)["access_token"]).json()["message"].startswith(f"Hello, {cjk}. ")
    for bad in (cjk + "\u4e00", "a" * 65, "n" * 10_000, "\u6771" * 10_000):
        assert_error(s.post("/signup", json={"username": bad, "password": PASSWORD}), 400, "invalid_username")
    # At login, too long is simply unknown: never a 5xx.
    for bad in ("a" * 65, "n" * 10_000):
        r = s.post("/login", json={"username": bad, "password": PASSWORD})
        assert_error(r, 401, "invalid_credentials", "Invalid credentials")


@pytest.mark.parametrize("ch", ["\n", "\r", "\t", "\x00", "\x01", "\x1b", "\x7f", "\u0085", "\u009f"],
                         ids=lambda c: f"U+{ord(c):04X}")
def test_username_control_characters(shared_server, ch):
    names = [f"bad{ch}name{uuid.uuid4().hex[:6]}"]
    if not ch.isspace():  # \t \n \r at either end are trimmed like spaces
        names += [f"{ch}lead{uuid.uuid4().hex[:6]}", f"trail{uuid.uuid4().hex[:6]}{ch}"]
    for name in names:
        r = shared_server.post("/signup", json={"username": name, "password": PASSWORD})
        assert_error(r, 400, "invalid_username")


def test_blank_username_refused(shared_server):
    r = shared_server.post("/signup", json={"username": "   ", "password": PASSWORD})
    assert r.status_code == 400 and r.json()["error"] in ("invalid_username", "invalid_request"), r.text


# -- passwords -------------------------------------------------------------------------------


def test_password_of_1024_bytes_is_never_truncated(shared_server):
    s = shared_server
    for pw in ("x" * 1023 + "y", "q" * 1022 + "\u00e9"):
        assert len(pw.encode()) == 1024
        name = unique_name()
        signup(s, name, pw)
        login(s, name, pw)
        shorter = pw.encode()[:1023].decode(errors="ignore")
        assert_error(s.post("/login", json={"username": name, "password": shorter}), 401, "invalid_credentials")
        assert_error(s.post("/login", json={"username": name, "password": pw[:-1] + "z"}), 401,
                     "invalid_credentials")
    for pw in ("x" * 1025, "\u00e9" * 513, "x" * 1023 + "\u00e9"):
        assert len(pw.encode()) >= 1025
        r = s.post("/signup", json={"username": unique_name(), "password": pw})
        assert_error(r, 400, "invalid_password")


@pytest.mark.parametrize("pw", ["iloveyou", "qwerty123", "Password1", "ILOVEYOU", "QwErTy123", "PASSWORD1",
                                "password"])
def test_common_passwords_refused_case_insensitively(shared_server, pw):
    r = shared_server.post("/signup", json={"username": unique_name(), "password": pw})
    assert_error(r, 400, "weak_password")


def test_the_whole_common_password_list_is_refused(shared_server):
    """Samples of data/common-passwords.txt long enough to pass the length
    rule, its last entry included, are refused as common."""
    path = Path(__file__).resolve().parents[2] / "data" / "common-passwords.txt"
    if not path.exists():
        pytest.skip(f"{path} not found")
    words = [w for w in path.read_text(encoding="utf-8").splitlines() if len(w) >= 8]
    assert len(words) > 1000
    reference = assert_error(shared_server.post("/signup", json={"username": unique_name(), "password": "iloveyou"}),
                             400, "weak_password")["message"]
    sample = [words[0], words[-1], *random.sample(words, 8)]
    for pw in sample + [w.upper() for w in sample[:3]]:
        r = shared_server.post("/signup", json={"username": unique_name(), "password": pw})
        assert assert_error(r, 400, "weak_password")["message"] == reference, pw
    # Not every long password is refused, of course.
    name = unique_name()
    signup(shared_server, name, sample[1] + "-not-common-" + uuid.uuid4().hex[:6])


def test_password_equal_to_username_refused(shared_server):
    name = f"Longname{uuid.uuid4().hex[:6]}"
    for pw in (name, name.upper(), name.lower()):
        r = shared_server.post("/signup", json={"username": name, "password": pw})
        assert_error(r, 400, "weak_password")
    signup(shared_server, name, name + "!")  # merely containing it is fine


def test_no_composition_rules(shared_server):
    for pw in ("eight ch", "aaaaaaaa b", "\u5bc6\u7801\u5bc6\u7801\u5bc6\u7801\u5bc6\u7801"):
        name = unique_name()
        signup(shared_server, name, pw)
        login(shared_server, name, pw)


def test_password_min_length_counts_characters(server_factory):
    s = server_factory(env={"PASSWORD_MIN_LENGTH": "12"})
    for pw in ("elevenchars", "\u00e9" * 11, "\u5bc6" * 11):  # 11 characters, up to 33 bytes
        assert_error(s.post("/signup", json={"username": unique_name(), "password": pw}), 400, "weak_password")
    for pw in ("twelve chars", "\u00e9" * 12, "\u5bc6" * 12):
        name = unique_name()
        signup(s, name, pw)
        login(s, name, pw)


# -- hostile JSON ------------------------------------------------------------------------------


def post_raw(s, path, body, headers=None):
    return s.post(path, data=body.encode() if isinstance(body, str) else body,
                  headers={"Content-Type": "application/json", **(headers or {})})


@pytest.mark.parametrize("body", [
    '{"username": "%s", "password": "correct horse battery", "username": "x"}',
    '{"username": "%s", "password": "correct horse battery", "password": "correct horse battery"}',
    '{"username": "%s", "password": "correct horse battery", "user\\u006eame": "y"}',
    '{"username": "%s", "password": "correct horse battery", "extra": {"a": 1, "a": 1}}',
    '{"username": "%s", "password": "correct horse battery", "extra": [[{"b": {"c": 1, "c": 2}}]]}',
], ids=["top", "same-value", "escaped-same-key", "nested", "deep-in-array"])
def test_duplicate_keys_refused(shared_server, body):
    for path in ("/signup", "/login"):
        name = unique_name()
        r = post_raw(shared_server, path, body % name)
        assert_error(r, 400, "invalid_json", "Request body names a field twice")
        # Nothing was created by the refused signup.
        assert_error(shared_server.post("/login", json={"username": name, "password": PASSWORD}), 401,
                     "invalid_credentials")


def test_duplicate_keys_on_token_routes(shared_server):
    t = login(shared_server, new_user(shared_server))
    r = post_raw(shared_server, "/logout", json.dumps({"x": 1})[:-1] + ', "token": "a", "token": "b"}',
                 bearer(t["access_token"]))
    assert_error(r, 400, "invalid_json", "Request body names a field twice")
    rt = t["refresh_token"]
    r = post_raw(shared_server, "/refresh_token", f'{{"refresh_token": "{rt}", "refresh_token": "{rt}"}}')
    assert_error(r, 400, "invalid_json", "Request body names a field twice")
    assert protected(shared_server, t["access_token"]).status_code == 200


def nested_body(name, depth):
    """A signup body whose deepest value sits at nesting depth `depth` (the
    outer object is depth 1)."""
    inner = "[" * (depth - 1) + "1" + "]" * (depth - 1)
    return '{"username": "%s", "password": "correct horse battery", "extra": %s}' % (name, inner)


def test_nesting_depth_limit(shared_server):
    ok = unique_name()
    r = post_raw(shared_server, "/signup", nested_body(ok, 16))
    assert r.status_code == 201, r.text
    for depth in (17, 18, 100, 5000):
        name = unique_name()
        assert_error(post_raw(shared_server, "/signup", nested_body(name, depth)), 400, "invalid_json")
        assert_error(post_raw(shared_server, "/login", nested_body(ok, depth)), 400, "invalid_json")
    deep_obj = '{"username": "x", "password": "y", "e": ' + '{"k": ' * 40 + "1" + "}" * 40 + "}"
    assert_error(post_raw(shared_server, "/signup", deep_obj), 400, "invalid_json")


@pytest.mark.parametrize("number", ["1e999999", "-1e999999", "123456789012345678901234567890", "1.5", "0",
                                    "-0", "1E+400"])
@pytest.mark.parametrize("field", ["username", "password"])
def test_numbers_in_place_of_strings(shared_server, number, field):
    values = {"username": json.dumps(unique_name()), "password": json.dumps(PASSWORD)}
    values[field] = number
    body = '{"username": %s, "password": %s}' % (values["username"], values["password"])
    for path in ("/signup", "/login"):
        r = post_raw(shared_server, path, body)
        assert r.status_code == 400, (path, r.status_code, r.text)
        assert_error(r, 400, None)


def test_huge_number_and_long_string_values_are_refused_quickly(shared_server):
    t0 = time.monotonic()
    body = '{"username": ' + "9" * 60_000 + ', "password": "x"}'
    assert_error(post_raw(shared_server, "/signup", body), 400, None)
    body = '{"username": "u", "password": "p", "e": ' + "1" + "0" * 60_000 + "}"
    assert post_raw(shared_server, "/login", body).status_code in (400, 401)
    assert time.monotonic() - t0 < 5
    assert shared_server.get("/healthz").status_code == 200


# -- Authorization on the routes test_tokens.py does not cover ---------------------------------


def raw_request(port, method, path, header_lines, body=b""):
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n".encode()
    head += b"".join(line.encode() + b"\r\n" for line in header_lines)
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n".encode()
    else:
        head += b"Content-Length: 0\r\n"
    return raw_exchange(port, head + b"\r\n" + body, timeout=10)


@pytest.mark.parametrize("route", [("GET", "/get_active_sessions"), ("POST", "/logout"),
                                   ("POST", "/refresh_token"), ("GET", "/protected")],
                         ids=lambda r: r[1])
def test_bad_authorization_everywhere(shared_server, route):
    method, path = route
    t = login(shared_server, new_user(shared_server))
    tok = t["refresh_token"] if path == "/refresh_token" else t["access_token"]
    cases = {
        "missing": [],
        "empty": ["Authorization: "],
        "basic": ["Authorization: Basic dXNlcjpwYXNzd29yZA=="],
        "two-tokens": ["Authorization: Bearer a b"],
        "two-headers": [f"Authorization: Bearer {tok}", f"Authorization: Bearer {tok}"],
        "two-headers-one-bad": [f"Authorization: Bearer {tok}", "Authorization: Bearer x"],
        "100KB": ["Authorization: Bearer " + "A" * 100_000],
        "100KB-valid-prefix": [f"Authorization: Bearer {tok}" + "A" * 100_000],
    }
    for case, lines in cases.items():
        answer = raw_request(shared_server.port, method, path, lines)
        assert answer is not None, case
        status, headers, body = answer
        assert status == 401, (case, status, body[:200])
        parsed = json.loads(body)
        assert set(parsed) == {"error", "message"}, (case, parsed)
        assert parsed["error"] in ("token_missing", "invalid_token", "invalid_token_type"), (case, parsed)
        assert headers.get("www-authenticate", "").startswith('Bearer realm="latchkey"'), (case, headers)
    # None of that ended the session or touched the tokens.
    assert protected(shared_server, t["access_token"]).status_code == 200
    assert shared_server.post("/refresh_token", json={"refresh_token": t["refresh_token"]}).status_code == 200


# -- slow clients and too many connections -------------------------------------------------------


def _raise_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    if soft != resource.RLIM_INFINITY and soft < need:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} is below the {need} descriptors this test needs")


def closed_by_peer(sock, timeout):
    """True when the peer closed (EOF or reset) within `timeout` seconds,
    False when it is still open; raises if it sent data."""
    sock.settimeout(timeout)
    try:
        data = sock.recv(4096)
    except socket.timeout:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True
    assert data == b"", f"unexpected data {data[:200]!r}"
    return True


def healthz_latency(port):
    t0 = time.monotonic()
    answer = raw_exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=5)
    elapsed = time.monotonic() - t0
    assert answer is not None and answer[0] == 200, answer
    return elapsed


def test_500_half_headers_do_not_block_and_are_cut_off(server_factory):
    _raise_nofile(700)
    s = server_factory(env=limits(HEADER_TIMEOUT="2s"))
    socks = []
    sel = selectors.DefaultSelector()
    try:
        t_first = time.monotonic()
        for _ in range(500):
            c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # half a header, then nothing
            socks.append(c)
        t_last = time.monotonic()
        opened_in = t_last - t_first
        for c in socks:
            sel.register(c, selectors.EVENT_READ)
        # Still open well before HEADER_TIMEOUT (a check only meaningful if opening was quick).
        if time.monotonic() - t_first < 1.2:
            assert sel.select(timeout=0) == [], "connections closed long before HEADER_TIMEOUT"

        latencies = []
        for _ in range(10):
            latencies.append(healthz_latency(s.port))
            time.sleep(0.05)
        print(f"\n500 half-header connections opened in {opened_in:.2f} s; healthz latency "
              f"max {max(latencies) * 1000:.1f} ms, median {statistics.median(latencies) * 1000:.1f} ms")
        assert max(latencies) < 0.100, latencies

        time.sleep(max(0.0, t_last + 3.0 - time.monotonic()))
        deadline = time.monotonic() + 2.0
        still_open = [c for c in socks if not closed_by_peer(c, max(0.001, deadline - time.monotonic()))]
        assert not still_open, f"{len(still_open)} of 500 half-header connections still open after 3 s"
        assert healthz_latency(s.port) < 0.5
        assert s.running()
    finally:
        sel.close()
        for c in socks:
            c.close()


def test_header_trickled_byte_by_byte_is_cut_off(server_factory):
    s = server_factory(env=limits(HEADER_TIMEOUT="2s"))
    with socket.create_connection(("127.0.0.1", s.port), timeout=5) as c:
        c.sendall(b"GET /healthz HTTP/1.1\r\n")
        t0 = time.monotonic()
        closed_after = None
        for i in range(40):  # bounded: at most ~10 s
            try:
                c.sendall(f"X-Slow-{i}: y\r\n".encode())
            except (BrokenPipeError, ConnectionResetError):
                closed_after = time.monotonic() - t0
                break
            if closed_by_peer(c, 0.25):
                closed_after = time.monotonic() - t0
                break
        assert closed_after is not None, "a header trickled for 10 s was never cut off"
        assert 1.5 <= closed_after <= 3.5, closed_after
    assert s.get("/healthz").status_code == 200


def test_idle_connections_are_closed(server_factory):
    s = server_factory(env=limits(IDLE_TIMEOUT="1s"))
    with socket.create_connection(("127.0.0.1", s.port), timeout=5) as kept, \
            socket.create_connection(("127.0.0.1", s.port), timeout=5) as silent:
        kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = read_response(kept, method="GET")
        assert answer and answer[0] == 200 and answer[1].get("connection", "").lower() != "close"
        t0 = time.monotonic()
        assert not closed_by_peer(kept, 0.5)
        assert closed_by_peer(kept, 2.5), "idle keep-alive connection not closed"
        assert closed_by_peer(silent, 1.0), "connection that never sent anything not closed"
        assert 0.7 <= time.monotonic() - t0 <= 3.5


def test_max_connections(server_factory):
    s = server_factory(env=limits(MAX_CONNECTIONS=20))
    time.sleep(0.2)  # the start-up probe's connection is gone
    held = []
    try:
        for _ in range(20):
            conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=5)
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            assert resp.status == 200
            resp.read()
            held.append(conn)  # kept alive, idle
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", s.port), timeout=5) as extra:
                answer = read_response(extra, method="GET")
                assert answer is not None, "21st connection closed without an answer"
                status, headers, body = answer
                assert status == 503, answer
                assert headers.get("content-type", "").startswith("application/json")
                parsed = json.loads(body)
                assert parsed.get("error") == "unavailable" and parsed.get("message"), parsed
                assert closed_by_peer(extra, 2.0), "refused connection left open"
        # The 20 are still served.
        for conn in held[:3]:
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            assert resp.status == 200
            resp.read()
    finally:
        for conn in held:
            conn.close()
    deadline = time.monotonic() + 3
    while True:
        answer = raw_exchange(s.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        if answer and answer[0] == 200:
            break
        assert time.monotonic() < deadline, f"still refused after closing the 20: {answer}"
        time.sleep(0.05)
    name = new_user(s)
    login(s, name)
