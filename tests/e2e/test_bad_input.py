"""Bad requests: always a 4xx JSON error with both keys, never a 5xx or a hang."""
import json
import socket
import time

import pytest

from conftest import (PASSWORD, assert_error, bearer, login, new_user, raw_exchange, read_response,
                      signup, unique_name)

REQUIRED = "Username and password are required"
LIMIT = 64 * 1024


@pytest.fixture
def tokens(shared_server):
    return login(shared_server, new_user(shared_server))


def post_raw(s, path, body, headers=None):
    h = {"Content-Type": "application/json", **(headers or {})}
    return s.post(path, data=body, headers=h)


def assert_raw_error(answer, status, code):
    assert answer is not None, "connection closed without an answer"
    st, headers, body = answer
    assert st == status, (st, body)
    parsed = json.loads(body)
    assert set(parsed) == {"error", "message"} and parsed["error"] == code, parsed
    assert headers.get("cache-control") == "no-store"
    return headers


# -- JSON bodies ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/signup", "/login"])
@pytest.mark.parametrize("body", ['{"username": "a", "password": ', "{", "not json", '{"a":1}}',
                                  "{'username': 'a'}", '{"username": "a",}', "\x00"],
                         ids=["truncated", "brace", "words", "trailing", "single-quotes",
                              "trailing-comma", "nul"])
def test_malformed_json(shared_server, path, body):
    assert_error(post_raw(shared_server, path, body), 400, "invalid_json")


@pytest.mark.parametrize("path", ["/signup", "/login"])
@pytest.mark.parametrize("body", ['["alice", "password"]', "42", '"a string"', "true", "null"])
def test_json_that_is_not_an_object(shared_server, path, body):
    assert_error(post_raw(shared_server, path, body), 400, "invalid_json")


def test_non_object_bodies_on_token_routes(shared_server, tokens):
    for body in ("[]", "1", "{bad"):
        r = post_raw(shared_server, "/logout", body, bearer(tokens["access_token"]))
        assert_error(r, 400, "invalid_json")
        r = post_raw(shared_server, "/refresh_token", body, bearer(tokens["refresh_token"]))
        assert_error(r, 400, "invalid_json")
    # Nothing was ended by those.
    assert shared_server.get("/protected", headers=bearer(tokens["access_token"])).status_code == 200


def test_deeply_nested_json(shared_server):
    body = '{"username": ' + "[" * 10000 + "]" * 10000 + ', "password": "x"}'
    assert_error(post_raw(shared_server, "/signup", body), 400, "invalid_json")


def test_invalid_utf8_in_json(shared_server):
    for raw in (b'{"username": "\xff\xfe", "password": "password123"}',
                b'{"username": "ab\xc3", "password": "password123"}',
                b'{"username": "\xed\xa0\x80x", "password": "password123"}'):  # UTF-8 surrogate
        for path in ("/signup", "/login"):
            r = shared_server.post(path, data=raw, headers={"Content-Type": "application/json"})
            assert_error(r, 400, "invalid_json")


@pytest.mark.parametrize("path", ["/signup", "/login"])
@pytest.mark.parametrize("body", [
    {}, {"username": "someone"}, {"password": PASSWORD}, {"username": "", "password": PASSWORD},
    {"username": "someone", "password": ""}, {"username": "", "password": ""},
    {"username": "someone", "password": None}, {"username": None, "password": PASSWORD},
    {"user": "someone", "pass": PASSWORD},
], ids=lambda b: json.dumps(b))
def test_missing_or_empty_credentials(shared_server, path, body):
    assert_error(shared_server.post(path, json=body), 400, "invalid_request", REQUIRED)


def test_empty_body_means_missing_credentials(shared_server):
    for path in ("/signup", "/login"):
        assert_error(shared_server.post(path), 400, "invalid_request", REQUIRED)
        assert_error(post_raw(shared_server, path, "   "), 400, "invalid_request", REQUIRED)


@pytest.mark.parametrize("path", ["/signup", "/login"])
@pytest.mark.parametrize("body", [
    {"username": 123, "password": PASSWORD}, {"username": "someone", "password": ["x"]},
    {"username": {"a": "b"}, "password": PASSWORD}, {"username": "someone", "password": 12345678},
    {"username": True, "password": PASSWORD}, {"username": ["a"], "password": ["b"]},
], ids=lambda b: json.dumps(b))
def test_wrongly_typed_credentials(shared_server, path, body):
    assert_error(shared_server.post(path, json=body), 400, "invalid_request")


def test_username_length_limits(shared_server):
    ok = unique_name("u").ljust(64, "x")
    assert len(ok) == 64
    signup(shared_server, ok)
    assert login(shared_server, ok)["access_token"]
    for name in (ok + "y", "n" * 10_000):
        r = shared_server.post("/signup", json={"username": name, "password": PASSWORD})
        assert_error(r, 400, None)


def test_username_with_control_characters(shared_server):
    for name in ("bad\nname", "tab\tname", "nul\u0000name", "bell\u0007", "del\u007f", "\r"):
        r = shared_server.post("/signup", json={"username": name, "password": PASSWORD})
        assert_error(r, 400, None)


def test_unicode_username_round_trips(shared_server):
    name = "j\u00fcrgen-\u6771\u4eac-" + unique_name()[-8:]
    signup(shared_server, name)
    t = login(shared_server, name)
    r = shared_server.get("/protected", headers=bearer(t["access_token"]))
    assert r.json()["message"] == f"Hello, {name}. You have successfully accessed the protected route."


def test_password_length_limits(shared_server):
    r = shared_server.post("/signup", json={"username": unique_name(), "password": "short"})
    assert_error(r, 400, "weak_password")
    r = shared_server.post("/signup", json={"username": unique_name(), "password": "1234567"})
    assert_error(r, 400, "weak_password")
    for pw in ("k7#Qm2!x", "p" * 1024):
        name = unique_name()
        signup(shared_server, name, pw)
        login(shared_server, name, pw)
    r = shared_server.post("/signup", json={"username": unique_name(), "password": "p" * 1025})
    assert assert_error(r, 400, None)["error"] != "weak_password"
    r = shared_server.post("/signup", json={"username": unique_name(), "password": "p" * 50_000})
    assert_error(r, 400, None)


def test_short_password_counted_in_characters(shared_server):
    # The message promises "at least 8 characters": five two-byte letters
    # (ten bytes) are still five characters.
    r = shared_server.post("/signup", json={"username": unique_name(), "password": "\u00e9" * 5})
    assert_error(r, 400, "weak_password")
    r = shared_server.post("/signup", json={"username": unique_name(), "password": "\u5bc6\u7801\u5bc6"})
    assert_error(r, 400, "weak_password")


def test_huge_password_on_login_is_just_wrong(shared_server):
    name = new_user(shared_server)
    t0 = time.monotonic()
    r = shared_server.post("/login", json={"username": name, "password": "p" * 60_000})
    assert_error(r, 401, "invalid_credentials")
    assert time.monotonic() - t0 < 5


def test_logout_and_refresh_with_wrongly_typed_fields(shared_server, tokens):
    r = shared_server.post("/logout", headers=bearer(tokens["access_token"]), json={"token": 42})
    assert_error(r, 400, "invalid_request")
    r = shared_server.post("/refresh_token", json={"refresh_token": 42})
    assert_error(r, 400, "invalid_request")
    r = shared_server.post("/refresh_token", headers=bearer(tokens["refresh_token"]),
                           json={"refresh_token": ["x"]})
    assert_error(r, 400, "invalid_request")
    assert shared_server.get("/protected", headers=bearer(tokens["access_token"])).status_code == 200


# -- sizes --------------------------------------------------------------------------


def big_body(size):
    pad = size - len('{"username": "x", "password": "12345678", "pad": ""}')
    body = '{"username": "x", "password": "12345678", "pad": "' + "a" * pad + '"}'
    assert len(body) == size
    return body


def test_body_over_limit_with_content_length(shared_server):
    for path in ("/signup", "/login", "/logout", "/refresh_token"):
        r = post_raw(shared_server, path, big_body(LIMIT + 1))
        assert_error(r, 413, "payload_too_large")
    r = post_raw(shared_server, "/signup", "x" * (5 * 1024 * 1024))
    assert_error(r, 413, "payload_too_large")
    assert shared_server.get("/healthz").status_code == 200


def test_body_at_the_limit_is_read(shared_server):
    r = post_raw(shared_server, "/login", big_body(LIMIT))
    assert_error(r, 401, "invalid_credentials")


def test_body_over_limit_chunked(shared_server):
    def chunks():
        for _ in range(20):
            yield b"[" + b" " * 8190 + b"]"
    r = shared_server.post("/signup", data=chunks(), headers={"Content-Type": "application/json"})
    assert "Content-Length" not in r.request.headers
    assert r.request.headers.get("Transfer-Encoding") == "chunked"
    assert_error(r, 413, "payload_too_large")
    assert shared_server.get("/healthz").status_code == 200


def test_small_chunked_body_is_accepted(shared_server):
    name = unique_name()
    payload = json.dumps({"username": name, "password": PASSWORD}).encode()
    r = shared_server.post("/signup", data=iter([payload[:5], payload[5:]]),
                           headers={"Content-Type": "application/json"})
    assert r.status_code == 201
    login(shared_server, name)


def test_expect_100_continue_over_limit_is_refused_before_the_body(shared_server):
    head = (f"POST /signup HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {LIMIT + 1}\r\nExpect: 100-continue\r\n\r\n").encode()
    # Send only the head: the refusal must come without the body being sent.
    with socket.create_connection(("127.0.0.1", shared_server.port), timeout=5) as sock:
        sock.sendall(head)
        assert_raw_error(read_response(sock), 413, "payload_too_large")


def test_expect_100_continue_within_limit(shared_server):
    name = unique_name()
    body = json.dumps({"username": name, "password": PASSWORD}).encode()
    head = (f"POST /signup HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", shared_server.port), timeout=5) as sock:
        sock.sendall(head)
        interim = sock.recv(1024)
        assert interim.startswith(b"HTTP/1.1 100"), interim
        sock.sendall(body)
        answer = read_response(sock)
    assert answer and answer[0] == 201, answer
    login(shared_server, name)


# -- routing -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/nope", "/signup/", "/SIGNUP", "/protected/x", "/healthz.json",
                                  "/%2e%2e/etc/passwd", "/login%00"])
def test_unknown_path(shared_server, path):
    for method in ("GET", "POST"):
        assert_error(shared_server.request(method, path), 404, "not_found")


def test_query_string_is_ignored_by_routing(shared_server):
    assert shared_server.get("/healthz?verbose=1").json() == {"status": "ok"}


@pytest.mark.parametrize("method,path,allow", [
    ("GET", "/login", "POST"), ("GET", "/signup", "POST"), ("DELETE", "/signup", "POST"),
    ("PUT", "/login", "POST"), ("POST", "/protected", "GET"), ("POST", "/get_active_sessions", "GET"),
    ("GET", "/logout", "POST"), ("GET", "/refresh_token", "POST"), ("POST", "/healthz", "GET"),
    ("PATCH", "/protected", "GET"),
])
def test_wrong_method(shared_server, method, path, allow):
    r = shared_server.request(method, path)
    assert_error(r, 405, "method_not_allowed")
    assert [m.strip() for m in r.headers["Allow"].split(",")] == [allow]


# -- broken HTTP --------------------------------------------------------------------------


@pytest.mark.parametrize("data", [
    b"HELLO\r\n\r\n",
    b"\x00\x01\x02\x03\r\n\r\n",
    b"GET / HTTP/9.9\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nno colon here\r\n\r\n",
    b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello",
    b"POST /login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nX-Big: " + b"h" * 70000 + b"\r\n\r\n",
], ids=["hello", "binary", "http-9.9", "no-colon", "bad-length", "two-lengths", "bad-chunk", "huge-header"])
def test_raw_garbage(shared_server, data):
    answer = raw_exchange(shared_server.port, data)
    if answer is not None:
        status, headers, body = answer
        assert 400 <= status < 500, answer
        parsed = json.loads(body)
        assert set(parsed) == {"error", "message"}
    assert shared_server.get("/healthz").status_code == 200


def test_http_1_0_request(shared_server):
    answer = raw_exchange(shared_server.port, b"GET /healthz HTTP/1.0\r\n\r\n")
    assert answer and answer[0] == 200 and json.loads(answer[2]) == {"status": "ok"}


def test_stalled_client_does_not_block_others(shared_server):
    with socket.create_connection(("127.0.0.1", shared_server.port), timeout=5) as stalled:
        stalled.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"user")
        t0 = time.monotonic()
        for _ in range(3):
            assert shared_server.get("/healthz").status_code == 200
        name = new_user(shared_server)
        login(shared_server, name)
        assert time.monotonic() - t0 < 5


def test_request_id_on_unreadable_requests(shared_server):
    # Every answer carries X-Request-Id, also those for requests that could
    # not be read (413 here, 400 for a broken request line).
    r = post_raw(shared_server, "/signup", big_body(LIMIT + 1), {"X-Request-Id": "big-1"})
    assert r.status_code == 413
    assert r.headers.get("X-Request-Id")
    answer = raw_exchange(shared_server.port, b"HELLO\r\n\r\n")
    if answer is not None:
        assert answer[1].get("x-request-id")
