"""The /admin/ HTTP API: ADMIN_TOKEN, every endpoint, and bad input for each."""
import json
import time

import pytest

from conftest import (PASSWORD, TEST_SECRET, assert_error, bearer, login, new_user, protected, refresh,
                      raw_exchange, run_to_exit, unique_name)

ADMIN_TOKEN = "admin-token-for-the-e2e-tests-0123456789-abcdef"
ADMIN = bearer(ADMIN_TOKEN)


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory):
    from conftest import module_server
    yield from module_server(tmp_path_factory, "admin", {"ADMIN_TOKEN": ADMIN_TOKEN})


def call(s, method, path, **kw):
    headers = {**ADMIN, **kw.pop("headers", {})}
    return s.request(method, path, headers=headers, **kw)


def ok(r, status=200):
    assert r.status_code == status, r.text
    assert r.headers.get("Cache-Control") == "no-store"
    return r.json()


ROUTES = [("GET", "/admin/users"), ("POST", "/admin/users"), ("GET", "/admin/users/x"),
          ("DELETE", "/admin/users/x"), ("POST", "/admin/users/x/disable"), ("POST", "/admin/users/x/enable"),
          ("POST", "/admin/users/x/password"), ("GET", "/admin/users/x/sessions"),
          ("DELETE", "/admin/users/x/sessions"), ("DELETE", "/admin/users/x/sessions/y"),
          ("GET", "/admin/users/x/audit"), ("GET", "/admin/audit"), ("GET", "/admin/keys"),
          ("POST", "/admin/keys/rotate")]


@pytest.mark.parametrize("method,path", ROUTES)
def test_without_admin_token_every_admin_path_is_an_unknown_path(server, method, path):
    r = server.request(method, path, headers=ADMIN)
    unknown = server.request(method, "/no-such-path", headers=ADMIN)
    assert_error(r, 404, "not_found")
    assert r.json() == unknown.json()


@pytest.mark.parametrize("method,path", ROUTES)
def test_missing_or_wrong_token_is_refused(server_factory, method, path):
    s = server_factory(env={"ADMIN_TOKEN": ADMIN_TOKEN})  # its own failure budget
    r = s.request(method, path)
    assert_error(r, 401, "token_missing")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    for h in (bearer(ADMIN_TOKEN + "x"), bearer(ADMIN_TOKEN[:-1]), {"Authorization": "Basic " + ADMIN_TOKEN},
              {"Authorization": "Bearer " + ADMIN_TOKEN + " x"}):
        r = s.request(method, path, headers=h)
        assert_error(r, 401, None)
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = s.request(method, path, headers={"Authorization": ADMIN["Authorization"] + ", " + ADMIN["Authorization"]})
    assert_error(r, 401, "invalid_token")


def test_failed_admin_authentication_is_rate_limited(server_factory):
    s = server_factory(env={"ADMIN_TOKEN": ADMIN_TOKEN})
    codes = [s.get("/admin/users", headers=bearer("wrong-" + ADMIN_TOKEN)).status_code for _ in range(15)]
    assert codes[:10] == [401] * 10 and codes[-1] == 429, codes
    r = s.get("/admin/users", headers=bearer("wrong"))
    assert_error(r, 429, "rate_limited")
    assert int(r.headers["Retry-After"]) >= 1
    # While the IP is locked even the right token is refused, unread: a lock
    # that let the right guess through would only tell the guesser when it was right.
    assert_error(s.get("/admin/users", headers=ADMIN), 429, "rate_limited")
    # It locked that IP only.
    metrics = s.get("/metrics").text
    assert 'latchkey_limit_refusals_total{limit="admin_token"}' in metrics


@pytest.mark.parametrize("value", ["short", "x" * 31])
def test_a_short_admin_token_stops_the_start(tmp_path, value):
    out = run_to_exit(tmp_path, env={"ADMIN_TOKEN": value})
    assert out.code == 2 and "ADMIN_TOKEN" in out.stderr, out


def test_create_list_show(admin_server):
    s = admin_server
    name = unique_name("api")
    created = ok(call(s, "POST", "/admin/users", json={"username": name, "password": PASSWORD}), 201)
    assert created["username"] == name and created["disabled"] is False and created["live_sessions"] == 0
    login(s, name)
    shown = ok(call(s, "GET", f"/admin/users/{name.upper()}"))
    assert shown["id"] == created["id"] and shown["live_sessions"] == 1
    page = ok(call(s, "GET", "/admin/users?limit=1"))
    assert len(page["users"]) == 1 and page["next"] == page["users"][0]["username"]
    rest = ok(call(s, "GET", f"/admin/users?limit=1000&after={page['next']}"))
    assert rest["next"] is None and page["next"] not in [u["username"] for u in rest["users"]]
    # Percent-encoded names.
    odd = "Zoë " + unique_name()
    ok(call(s, "POST", "/admin/users", json={"username": odd, "password": PASSWORD}), 201)
    assert ok(call(s, "GET", "/admin/users/" + requests_quote(odd)))["username"] == odd


def requests_quote(text):
    from urllib.parse import quote
    return quote(text, safe="")


@pytest.mark.parametrize("body,status,code", [
    ("{", 400, "invalid_json"), ("[]", 400, "invalid_json"), ('{"username": 1, "password": "x"}', 400, "invalid_request"),
    ('{"username": "a"}', 400, "invalid_request"), ('{"username": "zed-weak", "password": "password"}', 400, "weak_password"),
    ('{"username": "a\\u0001b", "password": "correct horse battery"}', 400, "invalid_username"),
    ('{"username": "a", "username": "b", "password": "correct horse battery"}', 400, "invalid_json"),
])
def test_create_refuses_bad_input(admin_server, body, status, code):
    r = call(admin_server, "POST", "/admin/users", data=body, headers={"Content-Type": "application/json"})
    assert_error(r, status, code)


def test_create_refuses_a_taken_name(admin_server):
    name = new_user(admin_server)
    assert_error(call(admin_server, "POST", "/admin/users", json={"username": name, "password": PASSWORD}), 409,
                 "user_exists")


def test_disable_enable(admin_server):
    s = admin_server
    name = new_user(s)
    t = login(s, name)
    assert ok(call(s, "POST", f"/admin/users/{name}/disable"))["sessions_ended"] == 1
    # This instance refuses at once: no polling needed.
    assert_error(protected(s, t["access_token"]), 401, "token_revoked")
    assert_error(refresh(s, t["refresh_token"]), 401, "token_revoked")
    assert_error(s.post("/login", json={"username": name, "password": PASSWORD}), 403, "account_disabled")
    assert ok(call(s, "GET", f"/admin/users/{name}"))["disabled"] is True
    ok(call(s, "POST", f"/admin/users/{name}/enable"))
    assert protected(s, login(s, name)["access_token"]).status_code == 200


def test_password_set_ends_sessions(admin_server):
    s = admin_server
    name = new_user(s)
    t = login(s, name)
    path = f"/admin/users/{name}/password"
    assert_error(call(s, "POST", path, json={}), 400, "invalid_request")
    assert_error(call(s, "POST", path, json={"password": 5}), 400, "invalid_request")
    assert_error(call(s, "POST", path, data="nope"), 400, "invalid_json")
    assert_error(call(s, "POST", path, json={"password": "password"}), 400, "weak_password")
    assert ok(call(s, "POST", path, json={"password": "new secret words"}))["sessions_ended"] == 1
    assert_error(protected(s, t["access_token"]), 401, "token_revoked")
    login(s, name, "new secret words")


def test_sessions_list_and_end(admin_server):
    s = admin_server
    name = new_user(s)
    a, b, c = (login(s, name, headers={"User-Agent": f"agent-{i}"}) for i in range(3))
    listed = ok(call(s, "GET", f"/admin/users/{name}/sessions"))["sessions"]
    assert {x["session_id"] for x in listed} == {a["session_id"], b["session_id"], c["session_id"]}
    assert {x["user_agent"] for x in listed} == {"agent-0", "agent-1", "agent-2"}
    ok(call(s, "DELETE", f"/admin/users/{name}/sessions/{a['session_id']}"))
    assert_error(protected(s, a["access_token"]), 401, "token_revoked")
    assert protected(s, b["access_token"]).status_code == 200
    assert_error(call(s, "DELETE", f"/admin/users/{name}/sessions/{a['session_id']}"), 404, "session_not_found")
    assert_error(call(s, "DELETE", f"/admin/users/{name}/sessions/nope"), 404, "session_not_found")
    assert ok(call(s, "DELETE", f"/admin/users/{name}/sessions"))["sessions_ended"] == 2
    for t in (b, c):
        assert_error(protected(s, t["access_token"]), 401, "token_revoked")


def test_delete(admin_server):
    s = admin_server
    name = new_user(s)
    t = login(s, name)
    assert ok(call(s, "DELETE", f"/admin/users/{name}"))["sessions_ended"] == 1
    assert_error(protected(s, t["access_token"]), 401, "token_revoked")
    assert_error(call(s, "GET", f"/admin/users/{name}"), 404, "user_not_found")
    assert_error(call(s, "DELETE", f"/admin/users/{name}"), 404, "user_not_found")


@pytest.mark.parametrize("method,suffix", [("GET", ""), ("DELETE", ""), ("POST", "/disable"), ("POST", "/enable"),
                                           ("GET", "/sessions"), ("DELETE", "/sessions")])
def test_unknown_users_are_404(admin_server, method, suffix):
    assert_error(call(admin_server, method, f"/admin/users/ghost-{unique_name()}{suffix}"), 404, "user_not_found")
    r = call(admin_server, "POST", f"/admin/users/ghost-{unique_name()}/password", json={"password": PASSWORD})
    assert_error(r, 404, "user_not_found")


@pytest.mark.parametrize("method,path,allow", [
    ("PUT", "/admin/users", "GET, POST"), ("POST", "/admin/users/x", "DELETE, GET"),
    ("GET", "/admin/users/x/disable", "POST"), ("POST", "/admin/users/x/sessions", "DELETE, GET"),
    ("GET", "/admin/users/x/sessions/y", "DELETE"), ("POST", "/admin/audit", "GET"), ("DELETE", "/admin/keys", "GET"),
    ("GET", "/admin/keys/rotate", "POST"), ("POST", "/admin/users/x/audit", "GET"),
])
def test_wrong_method_is_405_with_allow(admin_server, method, path, allow):
    r = call(admin_server, method, path)
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == allow


@pytest.mark.parametrize("path,status,code", [
    ("/admin/", 404, "not_found"), ("/admin/nothing", 404, "not_found"), ("/admin/users/x/frob", 404, "not_found"),
    ("/admin/users/x/sessions/y/z", 404, "not_found"), ("/admin/users/%zz", 400, "invalid_request"),
    ("/admin/users/%ff%fe", 400, "invalid_request"), ("/admin/users/%", 400, "invalid_request"),
    ("/admin/users?limit=0", 400, "invalid_request"), ("/admin/users?limit=1001", 400, "invalid_request"),
    ("/admin/users?limit=x", 400, "invalid_request"), ("/admin/users?frob=1", 400, "invalid_request"),
    ("/admin/audit?before=12", 400, "invalid_request"), ("/admin/audit?before=a.b", 400, "invalid_request"),
    ("/admin/audit?after=x", 400, "invalid_request"), ("/admin/audit?limit=1&limit=2", 400, "invalid_request"),
])
def test_malformed_paths_and_queries(admin_server, path, status, code):
    # Raw bytes: an HTTP library would re-encode a malformed escape.
    request = (f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\n"
               "Connection: close\r\n\r\n").encode()
    answer = raw_exchange(admin_server.port, request)
    assert answer is not None
    got_status, _, body = answer
    assert got_status == status, body
    assert json.loads(body)["error"] == code


def test_audit_records_admin_calls_with_the_callers_address(admin_server):
    s = admin_server
    name = new_user(s)
    login(s, name, headers={"User-Agent": "audited-agent"})
    ok(call(s, "POST", f"/admin/users/{name}/disable", headers={"User-Agent": "ops-tool/1"}))
    deadline = time.monotonic() + 2
    while True:
        events = ok(call(s, "GET", f"/admin/users/{name}/audit"))["events"]
        if [e["event"] for e in events] == ["admin.user_disabled", "login", "signup"] or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert [e["event"] for e in events] == ["admin.user_disabled", "login", "signup"]
    disabled, logged_in = events[0], events[1]
    assert disabled["actor"] == "admin-api" and disabled["ip"] == "127.0.0.1"
    assert disabled["user_agent"] == "ops-tool/1" and disabled["detail"] == {"sessions_ended": 1}
    assert logged_in["actor"] == "user" and logged_in["user_agent"] == "audited-agent" and logged_in["session_id"]
    # Paging through everyone's events.
    first = ok(call(s, "GET", "/admin/audit?limit=2"))
    assert len(first["events"]) == 2 and first["next"]
    second = ok(call(s, "GET", f"/admin/audit?limit=2&before={first['next']}"))
    assert {e["id"] for e in first["events"]}.isdisjoint(e["id"] for e in second["events"])
    assert ok(call(s, "GET", f"/admin/audit?user={name}"))["events"] == events


def test_keys_list_and_rotate(admin_server):
    s = admin_server
    keys = ok(call(s, "GET", "/admin/keys"))["keys"]
    # One signing key per algorithm: ES256 (access tokens) and RS256 (ID tokens).
    assert sorted(k["alg"] for k in keys if k["state"] == "signing") == ["ES256", "RS256"]
    assert_error(call(s, "POST", "/admin/keys/rotate", json={"now": "yes"}), 400, "invalid_request")
    assert_error(call(s, "POST", "/admin/keys/rotate", data="{"), 400, "invalid_json")
    rotated = ok(call(s, "POST", "/admin/keys/rotate", json={"now": True}))
    # This instance signs with the new key at once.
    token = login(s, new_user(s))["access_token"]
    from conftest import jwt_header
    assert jwt_header(token)["kid"] == rotated["kid"]
    later = ok(call(s, "POST", "/admin/keys/rotate"))
    states = {k["kid"]: k["state"] for k in ok(call(s, "GET", "/admin/keys"))["keys"]}
    assert states[rotated["kid"]] == "signing" and states[later["kid"]] == "upcoming"
    events = ok(call(s, "GET", "/admin/audit?limit=5"))["events"]
    assert [e["detail"]["kid"] for e in events if e["event"] == "admin.key_rotated"][:2] == [later["kid"], rotated["kid"]]


def test_keys_with_secret_key(server_factory):
    s = server_factory(env={"ADMIN_TOKEN": ADMIN_TOKEN, "SECRET_KEY": TEST_SECRET})
    keys = ok(call(s, "GET", "/admin/keys"))["keys"]
    assert [k["alg"] for k in keys] == ["HS256"]
    assert_error(call(s, "POST", "/admin/keys/rotate"), 409, "secret_key_set")
