"""OAuth client registration: RFC 7591 (POST /register, with ADMIN_TOKEN as
the initial access token) and RFC 7592 (GET/PUT/DELETE /register/{client_id},
with the registration access token). Every refusal carries the RFCs' code,
hostile redirect URIs are refused, secrets are shown once, and nothing a
client sends gets a 5xx."""
import json
import random

import pytest

from conftest import assert_error, bearer, module_server

ADMIN_TOKEN = "admin-token-for-the-registration-tests-0123456789"
INITIAL = bearer(ADMIN_TOKEN)
WEB = {"client_name": "Example app", "redirect_uris": ["https://app.example.com/callback"]}
MAX_METADATA = 32 * 1024
CHALLENGE = 'Bearer error="invalid_token"'


@pytest.fixture(scope="module")
def reg_server(tmp_path_factory):
    # Many wrong tokens are sent on purpose here: the admin token's failure
    # budget is raised so that only the test of that budget meets it.
    yield from module_server(tmp_path_factory, "registration",
                             {"ADMIN_TOKEN": ADMIN_TOKEN, "LIMIT_ADMIN_TOKEN": "100000/1m"})


def register(s, metadata=None, headers=None, **kw):
    h = {**INITIAL, **(headers or {})}
    if "data" in kw:
        h.setdefault("Content-Type", "application/json")
        return s.post("/register", headers=h, **kw)
    return s.post("/register", headers=h, json=WEB if metadata is None else metadata, **kw)


def registered(s, metadata=None):
    r = register(s, metadata)
    assert r.status_code == 201, r.text
    assert r.headers["Cache-Control"] == "no-store"
    return r.json()


def manage(s, method, client, token=None, **kw):
    token = client["registration_access_token"] if token is None else token
    headers = {**bearer(token), **kw.pop("headers", {})}
    return s.request(method, "/register/" + client["client_id"], headers=headers, **kw)


def oauth_error(r, status, code):
    """An RFC 7591 / RFC 6750 error answer."""
    assert r.status_code == status, f"{r.status_code} {r.text}"
    body = r.json()
    assert body["error"] == code, body
    assert set(body) <= {"error", "error_description"}, body
    assert r.headers["Cache-Control"] == "no-store"
    return body


def invalid_token(r):
    oauth_error(r, 401, "invalid_token")
    assert r.headers["WWW-Authenticate"] == CHALLENGE
    return r


def refused(r, code="invalid_client_metadata"):
    body = oauth_error(r, 400, code)
    assert body["error_description"], body
    return body


# -- registration ----------------------------------------------------------------


def test_register_a_confidential_client(reg_server):
    s = reg_server
    r = register(s, {**WEB, "grant_types": ["authorization_code", "refresh_token"],
                     "scope": "openid email offline_access", "unknown_member": {"ignored": True}})
    assert r.status_code == 201, r.text
    assert r.headers["Cache-Control"] == "no-store"
    c = r.json()
    assert c["client_name"] == "Example app"
    assert c["redirect_uris"] == WEB["redirect_uris"]
    assert c["grant_types"] == ["authorization_code", "refresh_token"] and c["response_types"] == ["code"]
    assert c["token_endpoint_auth_method"] == "client_secret_basic"
    assert c["scope"] == "openid email offline_access"
    assert "unknown_member" not in c
    assert isinstance(c["client_id_issued_at"], int) and c["client_id_issued_at"] > 1_700_000_000
    assert len(c["client_secret"]) >= 43 and c["client_secret_expires_at"] == 0
    assert len(c["registration_access_token"]) >= 43
    assert c["registration_client_uri"] == s.url("/register/" + c["client_id"])
    assert r.headers["Location"] == c["registration_client_uri"]
    # The registration is readable with its token; the secret is never shown again.
    read = manage(s, "GET", c)
    assert read.status_code == 200, read.text
    assert read.headers["Cache-Control"] == "no-store"
    again = read.json()
    assert "client_secret" not in again and c["client_secret"] not in read.text
    assert again["registration_access_token"] == c["registration_access_token"]
    assert {k: v for k, v in again.items() if k != "client_secret"} == {
        k: v for k, v in c.items() if k != "client_secret"}


def test_register_a_public_native_client(reg_server):
    c = registered(reg_server, {"client_name": "Native", "token_endpoint_auth_method": "none",
                                "redirect_uris": ["com.example.app:/oauth2redirect", "http://127.0.0.1/cb",
                                                  "http://[::1]:8080/cb", "http://localhost/cb"]})
    assert "client_secret" not in c and "client_secret_expires_at" not in c
    assert c["token_endpoint_auth_method"] == "none"


def test_register_a_machine_client(reg_server):
    c = registered(reg_server, {"grant_types": ["client_credentials"], "response_types": []})
    assert c["redirect_uris"] == [] and c["client_secret"]


def test_the_initial_access_token_may_make_a_client_first_party(reg_server):
    assert registered(reg_server, {**WEB, "first_party": True})["first_party"] is True


@pytest.mark.parametrize("headers", [
    {}, bearer(ADMIN_TOKEN + "x"), bearer(ADMIN_TOKEN[:-1]), bearer("x"),
    {"Authorization": "Basic " + ADMIN_TOKEN}, {"Authorization": ADMIN_TOKEN},
    {"Authorization": "Bearer " + ADMIN_TOKEN + " x"},
])
def test_no_or_a_wrong_initial_access_token_is_401(reg_server, headers):
    r = reg_server.post("/register", json=WEB, headers=headers)
    invalid_token(r)


def test_a_repeated_authorization_header_is_401(reg_server):
    r = reg_server.post("/register", json=WEB,
                        headers={"Authorization": INITIAL["Authorization"] + ", " + INITIAL["Authorization"]})
    invalid_token(r)


def test_registration_is_off_without_an_admin_token(server):
    r = server.post("/register", json=WEB, headers=INITIAL)
    assert_error(r, 404, "not_found")
    assert r.json() == server.post("/no-such-path", json=WEB, headers=INITIAL).json()
    # Management stays: a client registered earlier would still manage itself.
    invalid_token(server.get("/register/some-client", headers=bearer("token")))
    # Discovery names no endpoint that is not there.
    assert "registration_endpoint" not in server.get("/.well-known/openid-configuration").json()


def test_failed_initial_access_tokens_count_against_the_admin_token_limit(server_factory):
    s = server_factory(env={"ADMIN_TOKEN": ADMIN_TOKEN})
    codes = [s.post("/register", json=WEB, headers=bearer("wrong-" + ADMIN_TOKEN)).status_code for _ in range(12)]
    assert codes[:10] == [401] * 10 and codes[-1] == 429, codes
    r = s.post("/register", json=WEB, headers=INITIAL)
    assert_error(r, 429, "rate_limited")
    assert int(r.headers["Retry-After"]) >= 1
    # The same budget as the admin API's.
    assert_error(s.get("/admin/users", headers=INITIAL), 429, "rate_limited")


# -- what registration refuses -------------------------------------------------------


HOSTILE_REDIRECTS = [
    "javascript:alert(1)", "JavaScript:alert(1)", "javascript://example.com/%0aalert(1)",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "file:///etc/passwd",
    "http://evil.example/cb", "HTTP://evil.example/cb", "http://127.0.0.1.evil.example/cb",
    "http://localhost.evil.example/cb", "http://127.0.0.1@evil.example/cb", "http://evil.example\\@127.0.0.1/cb",
    "https://app.example.com/cb#fragment", "https://app.example.com/cb#", "com.example.app:/cb#x",
    "https://*.example.com/cb", "https://app.example.com/*", "https://app.example.com/cb?x=*",
    "https://user:password@app.example.com/cb", "https://user@app.example.com/cb",
    "https://app.example.com/c b", " https://app.example.com/cb", "https://app.example.com/cb\n",
    "https://app.example.com/\u00e9", "https://app.example.com/\x00", "/relative/cb", "app.example.com/cb",
    "https://", "https:///cb", "", "x" * 3000, "https://app.example.com/" + "a" * 2000, "about:blank", "mailto:a@b.c",
]


@pytest.mark.parametrize("uri", HOSTILE_REDIRECTS)
def test_hostile_redirect_uris_are_refused(reg_server, uri):
    refused(register(reg_server, {"redirect_uris": ["https://ok.example/cb", uri]}), "invalid_redirect_uri")


@pytest.mark.parametrize("uri", ["javascript:alert(1)", "http://evil.example/", "https://a.example/#x"])
def test_hostile_logout_uris_are_refused(reg_server, uri):
    refused(register(reg_server, {**WEB, "post_logout_redirect_uris": [uri]}))
    refused(register(reg_server, {**WEB, "backchannel_logout_uri": uri}))


def test_no_redirect_uri_for_the_code_grant_is_refused(reg_server):
    refused(register(reg_server, {"client_name": "x"}), "invalid_redirect_uri")
    refused(register(reg_server, {"redirect_uris": []}), "invalid_redirect_uri")


BAD_METADATA = [
    # Wrongly typed members.
    {"redirect_uris": "https://app.example.com/cb"},
    {**WEB, "redirect_uris": [1]},
    {**WEB, "client_name": 42},
    {**WEB, "client_name": ["a"]},
    {**WEB, "grant_types": "authorization_code"},
    {**WEB, "response_types": "code"},
    {**WEB, "token_endpoint_auth_method": 1},
    {**WEB, "scope": ["openid"]},
    {**WEB, "first_party": "yes"},
    {**WEB, "backchannel_logout_session_required": "true"},
    {**WEB, "jwks": [1]},
    {**WEB, "jwks": {"keys": "x"}},
    {**WEB, "post_logout_redirect_uris": "https://a.example/"},
    # Values not offered.
    {**WEB, "grant_types": ["implicit"]},
    {**WEB, "grant_types": ["password"]},
    {**WEB, "grant_types": []},
    {**WEB, "grant_types": ["refresh_token"]},
    {**WEB, "response_types": ["token"]},
    {**WEB, "response_types": ["code", "id_token"]},
    {**WEB, "token_endpoint_auth_method": "private_key_jwt"},
    {**WEB, "token_endpoint_auth_method": "none", "grant_types": ["client_credentials"], "response_types": []},
    {**WEB, "id_token_signed_response_alg": "none"},
    {**WEB, "id_token_signed_response_alg": "HS256"},
    {**WEB, "scope": "openid ad\\\\min"},
    {**WEB, "client_name": "x" * 201},
    {**WEB, "client_name": "line\nbreak"},
    {**WEB, "redirect_uris": [f"https://app.example.com/cb{i}" for i in range(21)]},
    {**WEB, "jwks": {"keys": [{"k": "x" * 17000}]}},
]


@pytest.mark.parametrize("metadata", BAD_METADATA, ids=[json.dumps(m)[:60] for m in BAD_METADATA])
def test_bad_metadata_is_refused(reg_server, metadata):
    refused(register(reg_server, metadata))


@pytest.mark.parametrize("body", [
    "{", "{}}", '{"redirect_uris": ["https://a.example/cb"],}', "[]", '"text"', "42", "null", "true", "", "   ",
    '{"client_name": "a", "client_name": "b", "redirect_uris": ["https://a.example/cb"]}',
    '{"redirect_uris": ["https://a.example/cb"], "redirect_uris": ["https://b.example/cb"]}',
    "[" * 100 + "]" * 100, '{"a":' * 40 + "1" + "}" * 40, "\xff\xfe", '{"client_name": "\\ud800"}',
    "not json at all",
])
def test_broken_bodies_are_refused(reg_server, body):
    refused(register(reg_server, data=body.encode("utf-8", "surrogatepass")))


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/jsonx",
                                          "json"])
def test_metadata_must_be_sent_as_json(reg_server, content_type):
    headers = {**INITIAL}
    if content_type:
        headers["Content-Type"] = content_type
    r = reg_server.post("/register", data=json.dumps(WEB), headers=headers)
    refused(r)


def test_json_with_parameters_is_json(reg_server):
    r = register(reg_server, data=json.dumps(WEB), headers={"Content-Type": "Application/JSON; charset=utf-8"})
    assert r.status_code == 201, r.text


def test_oversized_metadata_is_refused(reg_server):
    pad = MAX_METADATA + 1 - len(json.dumps({**WEB, "pad": ""}))
    body = json.dumps({**WEB, "pad": "a" * pad})
    assert len(body) == MAX_METADATA + 1
    refused(register(reg_server, data=body))
    # Just under the limit, it is read (the unknown member ignored).
    ok = json.dumps({**WEB, "pad": "a" * (pad - 1)})
    assert register(reg_server, data=ok).status_code == 201
    # Over the server's body limit, the server refuses it before reading it.
    assert_error(register(reg_server, data="x" * (64 * 1024 + 1)), 413, "payload_too_large")


def test_nothing_sent_gets_a_5xx(reg_server):
    rnd = random.Random(7591)
    pieces = ['"redirect_uris"', '"client_name"', '"grant_types"', '"jwks"', '"scope"', '"first_party"',
              '["https://a.example/cb"]', '"javascript:x"', "null", "true", "1e999", "-0", '"\\u0000"',
              "{", "}", "[", "]", ",", ":", '"\u2028"', '"' + "\U0001F600" * 10 + '"', "9" * 400]
    for _ in range(300):
        body = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 12)))
        if rnd.random() < 0.5:
            body = "{" + body + "}"
        r = register(reg_server, data=body.encode())
        assert r.status_code in (201, 400), (body, r.status_code, r.text)


# -- RFC 7592: the client's own registration --------------------------------------------


def test_read_update_delete_with_the_registration_access_token(reg_server):
    s = reg_server
    c = registered(s)
    secret = c["client_secret"]
    # What it read, changed, sent back (the server-issued members left out).
    read = manage(s, "GET", c).json()
    for issued in ("registration_access_token", "registration_client_uri", "client_secret_expires_at",
                   "client_id_issued_at"):
        read.pop(issued)
    read.update(client_name="Renamed", redirect_uris=["https://app.example.com/new-callback"],
                client_secret=secret)
    r = manage(s, "PUT", c, json=read)
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    changed = r.json()
    assert changed["client_name"] == "Renamed"
    assert changed["redirect_uris"] == ["https://app.example.com/new-callback"]
    assert "client_secret" not in changed and changed["client_secret_expires_at"] == 0
    assert changed["registration_access_token"] == c["registration_access_token"]
    assert manage(s, "GET", c).json()["client_name"] == "Renamed"
    # Members left out take their defaults: the update replaces.
    r = manage(s, "PUT", c, json={"client_id": c["client_id"], "redirect_uris": ["https://a.example/cb"]})
    assert r.status_code == 200 and r.json()["client_name"] == "" and r.json()["scope"] == "openid"
    r = manage(s, "DELETE", c)
    assert r.status_code == 204 and r.content == b""
    assert r.headers["Cache-Control"] == "no-store"
    for method in ("GET", "DELETE"):
        invalid_token(manage(s, method, c))
    invalid_token(manage(s, "PUT", c, json={"client_id": c["client_id"], **WEB}))


def test_a_wrong_token_and_an_unknown_client_are_the_same_401(reg_server):
    s = reg_server
    a, b = registered(s), registered(s)
    body = {"client_id": a["client_id"], **WEB}
    for method in ("GET", "PUT", "DELETE"):
        kw = {"json": body} if method == "PUT" else {}
        answers = [
            manage(s, method, a, token=a["registration_access_token"] + "x", **kw),
            manage(s, method, a, token=b["registration_access_token"], **kw),  # another client's
            manage(s, method, a, token=ADMIN_TOKEN, **kw),  # the admin token manages nothing here
            manage(s, method, {**a, "client_id": "no-such-client"}, **kw),
            s.request(method, "/register/" + a["client_id"], **kw),
            s.request(method, "/register/" + a["client_id"], headers={"Authorization": "Basic eDp5"}, **kw),
        ]
        for r in answers:
            invalid_token(r)
        assert len({r.text for r in answers}) == 1
    # Nothing changed.
    assert manage(s, "GET", a).json()["client_name"] == WEB["client_name"]


def test_a_wrong_token_is_told_nothing_of_the_body(reg_server):
    a = registered(reg_server)
    invalid_token(manage(reg_server, "PUT", a, token="wrong", data="{", headers={"Content-Type": "text/plain"}))


@pytest.mark.parametrize("change", [
    {"client_id": None},
    {"client_id": "someone-else"},
    {"client_id": 7},
    {"registration_access_token": "x"},
    {"registration_client_uri": "https://evil.example/register/x"},
    {"client_secret_expires_at": 0},
    {"client_id_issued_at": 1},
    {"client_secret": "a-secret-the-client-chose-itself-0123456789"},
    {"client_secret": 7},
    {"first_party": True},
    {"first_party": "no"},
    {"redirect_uris": ["javascript:alert(1)"]},
    {"redirect_uris": ["http://evil.example/cb"]},
    {"grant_types": ["implicit"]},
])
def test_update_refusals(reg_server, change):
    s = reg_server
    c = registered(s)
    body = {"client_id": c["client_id"], **WEB, **change}
    body = {k: v for k, v in body.items() if v is not None}
    code = "invalid_redirect_uri" if "redirect_uris" in change else "invalid_client_metadata"
    refused(manage(s, "PUT", c, json=body), code)
    assert manage(s, "GET", c).json()["redirect_uris"] == WEB["redirect_uris"]


@pytest.mark.parametrize("body", ["{", "[]", "", '{"client_id": "a", "client_id": "b"}'])
def test_update_with_a_broken_body(reg_server, body):
    c = registered(reg_server)
    refused(manage(reg_server, "PUT", c, data=body, headers={"Content-Type": "application/json"}))


def test_a_first_party_client_stays_first_party(reg_server):
    s = reg_server
    c = registered(s, {**WEB, "first_party": True})
    r = manage(s, "PUT", c, json={"client_id": c["client_id"], **WEB, "first_party": True})
    assert r.status_code == 200 and r.json()["first_party"] is True
    r = manage(s, "PUT", c, json={"client_id": c["client_id"], **WEB})  # left out: kept, not the default
    assert r.status_code == 200 and r.json()["first_party"] is True
    refused(manage(s, "PUT", c, json={"client_id": c["client_id"], **WEB, "first_party": False}))


def test_a_public_client_made_confidential_gets_a_secret_once(reg_server):
    s = reg_server
    c = registered(s, {**WEB, "token_endpoint_auth_method": "none"})
    r = manage(s, "PUT", c, json={"client_id": c["client_id"], **WEB})
    assert r.status_code == 200, r.text
    secret = r.json()["client_secret"]
    assert len(secret) >= 43 and r.json()["client_secret_expires_at"] == 0
    assert "client_secret" not in manage(s, "GET", c).json()
    # Sent back, the current secret is accepted.
    r = manage(s, "PUT", c, json={"client_id": c["client_id"], **WEB, "client_secret": secret})
    assert r.status_code == 200 and "client_secret" not in r.json()


def test_wrong_methods_are_405(reg_server):
    r = reg_server.get("/register", headers=INITIAL)
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "POST"
    r = reg_server.post("/register/x", json=WEB, headers=INITIAL)
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "DELETE, GET, PUT"


# -- the trail ---------------------------------------------------------------------------


def test_registrations_are_audited_and_listed_for_administrators(reg_server):
    s = reg_server
    c = registered(s, {**WEB, "client_name": "Audited app"})
    manage(s, "PUT", c, json={"client_id": c["client_id"], **WEB})
    assert manage(s, "DELETE", c).status_code == 204
    events = s.get("/admin/audit?limit=1000", headers=INITIAL).json()["events"]
    mine = [e for e in events if e["detail"].get("client_id") == c["client_id"]]
    assert [e["event"] for e in mine] == ["client.deleted", "client.updated", "client.created"]
    assert {e["actor"] for e in mine} == {"registration"}
    assert mine[-1]["detail"]["client_name"] == "Audited app"
    text = json.dumps(events)
    assert c["client_secret"] not in text and c["registration_access_token"] not in text
    # A registered client is one the admin API lists.
    d = registered(s)
    listed = s.get("/admin/clients?limit=1000", headers=INITIAL).json()["clients"]
    assert d["client_id"] in [x["client_id"] for x in listed]
