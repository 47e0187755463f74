"""The OpenID Connect provider end to end, with a real client library:
Authlib (Debian python3-authlib) as a confidential client completes the
authorization-code flow against the real binary, validates the id_token
(signature through the JWKS, iss, aud, nonce, at_hash) and calls UserInfo;
then every rule of the flow, each with its negative test."""
import base64
import hashlib
import time
import urllib.parse

import pytest
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken

from conftest import direct_session
from oidc_support import (OIDC_ENV, PASSWORD, Browser, LogoutReceiver, code_from, forms_of, jwks_of, jwt_parts,
                          make_user, pkce_pair, register)

REDIRECT = "http://127.0.0.1:9/cb"


@pytest.fixture
def op(server_factory):
    return server_factory(env={**OIDC_ENV, "OIDC_CODE_TTL": "2"})


def start(browser, client, *, scope="openid profile", state="st-1", nonce="n-1", pkce=None, **extra):
    params = {"response_type": "code", "client_id": client["client_id"], "redirect_uri": REDIRECT, "scope": scope,
              "state": state, "nonce": nonce}
    if pkce:
        params.update(code_challenge=pkce[1], code_challenge_method="S256")
    params.update(extra)
    return browser.authorize(params)


def exchange(op, client, code, verifier=None, redirect_uri=REDIRECT):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if verifier:
        data["code_verifier"] = verifier
    return direct_session().post(op.url("/token"), data=data, auth=(client["client_id"], client["client_secret"]),
                                 timeout=10)


def signed_in_code(op, browser, client, user, **kw):
    page = start(browser, client, **kw)
    assert page.status_code == 200 and "password" in page.text, page.text[:500]
    return code_from(browser.sign_in(page, user), REDIRECT)


def test_discovery_tells_the_truth(op):
    d = op.get("/.well-known/openid-configuration").json()
    base = op.url("")
    assert d["issuer"] == base
    assert d["authorization_endpoint"] == base + "/authorize"
    assert d["token_endpoint"] == base + "/token"
    assert d["userinfo_endpoint"] == base + "/userinfo"
    assert d["registration_endpoint"] == base + "/register"
    assert d["end_session_endpoint"] == base + "/end_session"
    assert d["response_types_supported"] == ["code"]
    assert d["code_challenge_methods_supported"] == ["S256"]
    assert "RS256" in d["id_token_signing_alg_values_supported"]
    assert d["subject_types_supported"] == ["public"]
    assert set(d["scopes_supported"]) == {"openid", "profile", "email", "offline_access"}
    assert {"sub", "auth_time", "sid", "preferred_username", "email"} <= set(d["claims_supported"])
    assert set(d["token_endpoint_auth_methods_supported"]) == {"client_secret_basic", "client_secret_post",
                                                                "private_key_jwt", "none"}
    assert d["backchannel_logout_supported"] is True and d["backchannel_logout_session_supported"] is True
    assert d["authorization_response_iss_parameter_supported"] is True
    assert d["backchannel_logout_supported"] is True
    assert set(d["grant_types_supported"]) == {"authorization_code", "refresh_token", "client_credentials"}
    kty = {k["kty"] for k in jwks_of(op)["keys"]}
    assert "RSA" in kty and "EC" in kty


def test_authlib_confidential_client_completes_the_flow(op):
    client = register(op, first_party=True)
    user = make_user(op)
    base = op.url("")
    meta = op.get("/.well-known/openid-configuration").json()
    rp = OAuth2Session(client["client_id"], client["client_secret"], scope="openid profile offline_access",
                       redirect_uri=REDIRECT, code_challenge_method="S256",
                       token_endpoint_auth_method="client_secret_basic")
    rp.trust_env = False
    verifier = pkce_pair()[0]
    url, state = rp.create_authorization_url(meta["authorization_endpoint"], nonce="nonce-42", code_verifier=verifier)
    browser = Browser(op)
    page = browser.get(url)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"] == "no-referrer"
    back = browser.sign_in(page, user)
    params = code_from(back, REDIRECT)
    assert params["state"] == state and params["iss"] == base  # RFC 9207
    token = rp.fetch_token(meta["token_endpoint"], authorization_response=back.headers["Location"],
                           code_verifier=verifier)
    assert token["token_type"].lower() == "bearer" and token["refresh_token"]
    keys = JsonWebKey.import_key_set(jwks_of(op))
    claims = jwt.decode(token["id_token"], keys, claims_cls=CodeIDToken,
                        claims_options={"iss": {"essential": True, "value": base}},
                        claims_params={"nonce": "nonce-42", "client_id": client["client_id"],
                                       "access_token": token["access_token"]})
    claims.validate(leeway=5)  # exp, iat, aud, nonce, at_hash
    header, _ = jwt_parts(token["id_token"])
    assert header["alg"] == "RS256"
    for name in ("auth_time", "sid", "azp", "amr", "acr"):
        assert name in claims, name
    assert claims["amr"] == ["pwd"] and claims["azp"] == client["client_id"]
    info = rp.get(meta["userinfo_endpoint"]).json()
    assert info["sub"] == claims["sub"] and info["preferred_username"] == user
    # The access token is an RFC 9068 JWT with client_id and scope.
    _, at = jwt_parts(token["access_token"])
    assert at["client_id"] == client["client_id"] and "openid" in at["scope"].split()
    # Refresh through the OAuth token endpoint, bound to this client.
    refreshed = rp.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    assert refreshed["access_token"] != token["access_token"]
    # The browser session is a latchkey session: listed with its kind.
    login = op.post("/login", json={"username": user, "password": PASSWORD}).json()
    sessions = op.get("/get_active_sessions", headers={"Authorization": f"Bearer {login['access_token']}"}).json()
    kinds = sorted(s.get("kind") for s in sessions["active_sessions"])
    assert "browser" in kinds and "oauth" in kinds and "api" in kinds


@pytest.mark.parametrize("jwt_alg", ["ES256", "EdDSA"])
def test_each_client_gets_the_id_token_algorithm_it_registered(server_factory, jwt_alg):
    """Core 15.1: RS256 always, beside JWT_ALG's key. A client may register
    either; one that no key here signs is refused at registration (RFC 7591
    2), not at every code exchange."""
    op = server_factory(env={**OIDC_ENV, "JWT_ALG": jwt_alg})
    algs = op.get("/.well-known/openid-configuration").json()["id_token_signing_alg_values_supported"]
    assert sorted(algs) == sorted({"RS256", jwt_alg})
    user = make_user(op)
    browser = Browser(op)
    keys = JsonWebKey.import_key_set(jwks_of(op))
    for i, alg in enumerate(algs):
        client = register(op, first_party=True, id_token_signed_response_alg=alg)
        params = signed_in_code(op, browser, client, user) if i == 0 else code_from(start(browser, client), REDIRECT)
        t = exchange(op, client, params["code"])
        assert t.status_code == 200, t.text
        header, _ = jwt_parts(t.json()["id_token"])
        assert header["alg"] == alg
        # Authlib checks at_hash by the hash its alg names; EdDSA names none
        # (SHA-512 for Ed25519, as panva's oidc-provider and the OpenID
        # conformance suite compute it): that one is checked here.
        access = t.json()["access_token"]
        claims = jwt.decode(t.json()["id_token"], keys, claims_cls=CodeIDToken,
                            claims_params={"nonce": "n-1", "client_id": client["client_id"],
                                           **({} if alg == "EdDSA" else {"access_token": access})})
        claims.validate(leeway=5)
        if alg == "EdDSA":
            half = hashlib.sha512(access.encode()).digest()[:32]
            assert claims["at_hash"] == base64.urlsafe_b64encode(half).rstrip(b"=").decode()
    unsigned = ({"RS256", "ES256", "EdDSA"} - set(algs)).pop()
    r = op.post("/register", headers={"Authorization": f"Bearer {OIDC_ENV['ADMIN_TOKEN']}"},
                json={"redirect_uris": [REDIRECT], "id_token_signed_response_alg": unsigned})
    assert r.status_code == 400 and r.json()["error"] == "invalid_client_metadata", r.text
    assert unsigned in r.json()["error_description"] and "RS256" in r.json()["error_description"]
    # A client that never gets an id_token is not asked.
    register(op, grant_types=["client_credentials"], response_types=[], redirect_uris=[],
             id_token_signed_response_alg=unsigned)


def test_a_shared_secret_deployment_signs_no_id_token_and_says_so(server_factory):
    """SECRET_KEY (the seed's HS256) keeps no key pair: an id_token is never
    signed with a shared secret of ours. Discovery lists no algorithm, and a
    client of the code flow is refused at registration, not at each exchange."""
    op = server_factory(env={**OIDC_ENV, "SECRET_KEY": "s" * 40})
    assert op.get("/.well-known/openid-configuration").json()["id_token_signing_alg_values_supported"] == []
    r = op.post("/register", headers={"Authorization": f"Bearer {OIDC_ENV['ADMIN_TOKEN']}"},
                json={"redirect_uris": [REDIRECT]})
    assert r.status_code == 400 and r.json()["error"] == "invalid_client_metadata", r.text
    assert "none signs id_tokens" in r.json()["error_description"]
    register(op, grant_types=["client_credentials"], response_types=[], redirect_uris=[])


def test_single_sign_on_and_consent(op):
    a = register(op, first_party=True)
    b = register(op)  # third-party: asks for consent once
    user = make_user(op)
    browser = Browser(op)
    signed_in_code(op, browser, a, user)
    page = start(browser, b)
    assert page.status_code == 200 and "password" not in page.text  # no password asked again
    assert b["client_name"] in page.text
    forms = forms_of(page.text)
    assert "csrf" in forms[0]["fields"]
    params = code_from(browser.submit(page, button=("decision", "allow")), REDIRECT)
    assert exchange(op, b, params["code"]).status_code == 200
    # Remembered: the next request goes straight back with a code...
    assert "code" in code_from(start(browser, b), REDIRECT)
    # ...unless the client asks again.
    again = start(browser, b, prompt="consent")
    assert again.status_code == 200 and "decision" in again.text
    # Deny answers access_denied with the state.
    denied = code_from(browser.submit(again, button=("decision", "deny")), REDIRECT)
    assert denied["error"] == "access_denied" and denied["state"] == "st-1"


def test_prompt_none_and_login_and_max_age(op):
    client = register(op, first_party=True)
    user = make_user(op)
    browser = Browser(op)
    silent = code_from(start(browser, client, prompt="none"), REDIRECT)
    assert silent["error"] == "login_required" and silent["state"] == "st-1" and "iss" in silent
    signed_in_code(op, browser, client, user)
    assert "code" in code_from(start(browser, client, prompt="none"), REDIRECT)
    relog = start(browser, client, prompt="login")
    assert relog.status_code == 200 and "password" in relog.text
    time.sleep(2.1)
    aged = start(browser, client, max_age="1")
    assert aged.status_code == 200 and "password" in aged.text
    params = code_from(browser.sign_in(aged, user), REDIRECT)
    id_token = exchange(op, client, params["code"]).json()["id_token"]
    _, claims = jwt_parts(id_token)
    assert claims["auth_time"] >= int(time.time()) - 3


def test_code_works_once_and_replay_revokes(op):
    client = register(op, first_party=True)
    user = make_user(op)
    browser = Browser(op)
    code = signed_in_code(op, browser, client, user)["code"]
    first = exchange(op, client, code)
    assert first.status_code == 200
    access = first.json()["access_token"]
    assert op.get("/userinfo", headers={"Authorization": f"Bearer {access}"}).status_code == 200
    second = exchange(op, client, code)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    assert second.headers["Cache-Control"] == "no-store"
    time.sleep(0.2)
    assert op.get("/userinfo", headers={"Authorization": f"Bearer {access}"}).status_code == 401


def test_code_is_bound(op):
    a = register(op, first_party=True)
    b = register(op, first_party=True)
    user = make_user(op)
    browser = Browser(op)
    verifier, challenge = pkce_pair()
    code = signed_in_code(op, browser, a, user, pkce=(verifier, challenge))["code"]
    # Another client's code.
    assert exchange(op, b, code, verifier).json()["error"] == "invalid_grant"
    code = code_from(start(browser, a, pkce=(verifier, challenge)), REDIRECT)["code"]
    assert exchange(op, a, code, pkce_pair()[0]).json()["error"] == "invalid_grant"  # PKCE mismatch
    code = code_from(start(browser, a, pkce=(verifier, challenge)), REDIRECT)["code"]
    assert exchange(op, a, code, verifier, redirect_uri=REDIRECT + "x").json()["error"] == "invalid_grant"
    code = code_from(start(browser, a), REDIRECT)["code"]
    time.sleep(2.2)  # OIDC_CODE_TTL=2 here; 60 s by default
    assert exchange(op, a, code).json()["error"] == "invalid_grant"


def test_redirect_uri_mismatch_shows_a_page_and_never_redirects(op):
    client = register(op, first_party=True)
    browser = Browser(op)
    for uri in (REDIRECT + "/more", REDIRECT + "?x=1", "http://127.0.0.1:10/cb", "javascript:alert(1)", None):
        params = {"response_type": "code", "client_id": client["client_id"], "scope": "openid", "state": "s"}
        if uri:
            params["redirect_uri"] = uri
        r = browser.authorize(params)
        assert r.status_code == 400 and "Location" not in r.headers, uri
        assert r.headers["Content-Type"].startswith("text/html")
    r = browser.authorize({"response_type": "code", "client_id": "nobody", "redirect_uri": REDIRECT})
    assert r.status_code == 400 and "Location" not in r.headers
    r = browser.get(f"/authorize?client_id={client['client_id']}&client_id=x&redirect_uri={REDIRECT}")
    assert r.status_code == 400 and "Location" not in r.headers


def test_redirected_errors(op):
    public = register(op, token_endpoint_auth_method="none", first_party=True)
    client = register(op, first_party=True)
    browser = Browser(op)
    cases = [
        (client, {"response_type": "token"}, "unsupported_response_type"),
        (client, {"response_type": None}, "invalid_request"),
        (client, {"scope": "openid admin"}, "invalid_scope"),
        (client, {"code_challenge": "x" * 43, "code_challenge_method": "plain"}, "invalid_request"),
        (public, {}, "invalid_request"),  # a public client without PKCE
        (client, {"prompt": "none login"}, "invalid_request"),
        (client, {"max_age": "-1"}, "invalid_request"),
    ]
    for c, extra, error in cases:
        params = {"response_type": "code", "client_id": c["client_id"], "redirect_uri": REDIRECT, "scope": "openid",
                  "state": "s&=1"}
        params.update(extra)
        params = {k: v for k, v in params.items() if v is not None}
        got = code_from(browser.authorize(params), REDIRECT)
        assert got["error"] == error, (extra, got)
        assert got["state"] == "s&=1" and got["iss"] == op.url("")


def test_token_endpoint_errors(op):
    client = register(op, first_party=True)
    s = direct_session()
    r = s.post(op.url("/token"), data={"grant_type": "authorization_code", "code": "x", "redirect_uri": REDIRECT},
               auth=(client["client_id"], "wrong"), timeout=10)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    assert r.headers["WWW-Authenticate"].startswith("Basic")
    r = s.post(op.url("/token"), data={"code": "x"}, auth=(client["client_id"], client["client_secret"]), timeout=10)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    r = s.post(op.url("/token"), data={"grant_type": "password"}, auth=(client["client_id"], client["client_secret"]),
               timeout=10)
    assert r.json()["error"] == "unsupported_grant_type"
    r = s.post(op.url("/token"), data="grant_type=a&grant_type=b",
               headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    r = s.post(op.url("/token"), data={"grant_type": "client_credentials"},
               auth=(client["client_id"], client["client_secret"]), timeout=10)
    assert r.json()["error"] == "unauthorized_client"
    for body in ("%zz", "a=" + "x" * 40000):
        r = s.post(op.url("/token"), data=body, headers={"Content-Type": "application/x-www-form-urlencoded"},
                   timeout=10)
        assert 400 <= r.status_code < 500
        if r.headers.get("Content-Type", "").startswith("application/json"):
            assert "\n" not in r.json().get("error_description", "")


def test_client_secret_post_and_userinfo_by_post(op):
    """client_secret_post (RFC 6749 2.3.1) for a client registered with it,
    refused for one registered with Basic; UserInfo by POST with the token
    in the header or in the form (RFC 6750 2.1, 2.2; Core 5.3.1)."""
    client = register(op, first_party=True, token_endpoint_auth_method="client_secret_post")
    user = make_user(op)
    params = signed_in_code(op, Browser(op), client, user)
    s = direct_session()
    form = {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": REDIRECT,
            "client_id": client["client_id"], "client_secret": client["client_secret"]}
    r = s.post(op.url("/token"), data={**form, "client_secret": "wrong"}, timeout=10)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    r = s.post(op.url("/token"), data=form, auth=(client["client_id"], client["client_secret"]), timeout=10)
    assert r.status_code in (400, 401) and r.json()["error"] in ("invalid_client", "invalid_request")  # two methods
    t = s.post(op.url("/token"), data=form, timeout=10)
    assert t.status_code == 200, t.text
    access = t.json()["access_token"]
    sub = jwt_parts(t.json()["id_token"])[1]["sub"]
    by_header = s.post(op.url("/userinfo"), headers={"Authorization": f"Bearer {access}"}, timeout=10)
    by_form = s.post(op.url("/userinfo"), data={"access_token": access}, timeout=10)
    for r in (by_header, by_form):
        assert r.status_code == 200 and r.json()["sub"] == sub and r.json()["preferred_username"] == user
    # Both at once is no token at all to read (RFC 6750 2: one method per request).
    r = s.post(op.url("/userinfo"), data={"access_token": access}, headers={"Authorization": "Bearer x"}, timeout=10)
    assert r.status_code == 401
    basic_only = register(op, first_party=True)
    code = signed_in_code(op, Browser(op), basic_only, user)["code"]
    r = s.post(op.url("/token"), timeout=10, data={"grant_type": "authorization_code", "code": code,
                                                   "redirect_uri": REDIRECT, "client_id": basic_only["client_id"],
                                                   "client_secret": basic_only["client_secret"]})
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"


def test_prompt_none_without_consent_says_consent_required(op):
    third = register(op)
    user = make_user(op)
    browser = Browser(op)
    first = register(op, first_party=True)
    signed_in_code(op, browser, first, user)  # a session, no consent for `third`
    r = code_from(start(browser, third, prompt="none", state="s-9"), REDIRECT)
    assert r["error"] == "consent_required" and r["state"] == "s-9" and r["iss"] == op.url("")


def test_the_consent_and_logout_forms_need_their_csrf_token(op):
    third = register(op)
    user = make_user(op)
    browser = Browser(op)
    consent_page = browser.sign_in(start(browser, third), user)
    assert consent_page.status_code == 200 and "decision" in consent_page.text
    for values in ({"csrf": "forged"}, None):
        r = browser.submit(consent_page, values, button=("decision", "allow"), drop=() if values else ("csrf",))
        assert r.status_code == 403 and "Location" not in r.headers
    confirm = browser.get("/end_session")  # no id_token_hint: a confirmation page
    assert confirm.status_code == 200 and forms_of(confirm.text)
    for values, drop in (({"csrf": "forged"}, ()), (None, ("csrf",))):
        r = browser.submit(confirm, values, drop=drop)  # asked again, not signed out
        assert r.status_code == 200 and "Set-Cookie" not in r.headers and forms_of(r.text)
    # The session is still there: the forged forms did nothing.
    assert "code" in code_from(browser.submit(consent_page, button=("decision", "allow")), REDIRECT)


def test_refresh_token_is_bound_to_its_client(op):
    a = register(op, first_party=True)
    b = register(op, first_party=True)
    user = make_user(op)
    browser = Browser(op)
    code = signed_in_code(op, browser, a, user, scope="openid offline_access")["code"]
    refresh = exchange(op, a, code).json()["refresh_token"]
    s = direct_session()
    r = s.post(op.url("/token"), data={"grant_type": "refresh_token", "refresh_token": refresh},
               auth=(b["client_id"], b["client_secret"]), timeout=10)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    # The seed's /refresh_token does not take a client's token either.
    assert op.post("/refresh_token", json={"refresh_token": refresh}).status_code == 401
    r = s.post(op.url("/token"), data={"grant_type": "refresh_token", "refresh_token": refresh},
               auth=(a["client_id"], a["client_secret"]), timeout=10)
    assert r.status_code == 200, r.text


def test_client_credentials(op):
    svc = register(op, grant_types=["client_credentials"], response_types=[], redirect_uris=[], scope="reports")
    r = direct_session().post(op.url("/token"), data={"grant_type": "client_credentials", "scope": "reports"},
                              auth=(svc["client_id"], svc["client_secret"]), timeout=10)
    assert r.status_code == 200, r.text
    _, claims = jwt_parts(r.json()["access_token"])
    assert claims["sub"] == svc["client_id"] and claims["client_id"] == svc["client_id"]
    assert "refresh_token" not in r.json()
    # Not a person's token: /protected and UserInfo refuse it.
    bearer = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert op.get("/protected", headers=bearer).status_code == 401
    assert op.get("/userinfo", headers=bearer).status_code == 401
    r = direct_session().post(op.url("/token"), data={"grant_type": "client_credentials", "scope": "openid"},
                              auth=(svc["client_id"], svc["client_secret"]), timeout=10)
    assert r.json()["error"] == "invalid_scope"


def test_csrf_token_missing_is_refused(op):
    client = register(op, first_party=True)
    user = make_user(op)
    browser = Browser(op)
    page = start(browser, client)
    r = browser.submit(page, {"username": user, "password": PASSWORD}, drop=("csrf",))
    assert r.status_code == 403 and "Location" not in r.headers
    r = browser.submit(page, {"username": user, "password": PASSWORD, "csrf": "forged"})
    assert r.status_code == 403


def test_wrong_password_tells_nothing(op):
    client = register(op, first_party=True)
    user = make_user(op)
    browser = Browser(op)
    page = start(browser, client)
    wrong = browser.sign_in(page, user, "not the password")
    unknown = browser.sign_in(page, "nobody-" + user, "not the password")
    assert wrong.status_code == unknown.status_code == 401
    text = lambda r: r.text.replace(user, "").replace("nobody-", "")
    assert text(wrong) .count("Wrong username or password") == 1
    assert "Wrong username or password" in unknown.text
    # The page again names the application, as the first one did.
    assert client["client_name"] in page.text
    assert client["client_name"] in wrong.text and client["client_name"] in unknown.text
    # ... and lets the form post to the client's registered origin only.
    assert "127.0.0.1:9" in wrong.headers["Content-Security-Policy"]
    # A return_to rewritten to another redirect URI widens nothing.
    return_to = urllib.parse.parse_qs(forms_of(page.text)[0]["fields"]["return_to"])
    return_to["redirect_uri"] = ["https://evil.example/cb"]
    tampered = urllib.parse.urlencode({k: v[0] for k, v in return_to.items()})
    r = browser.submit(page, {"username": user, "password": "not the password", "return_to": tampered})
    assert r.status_code == 401 and "evil.example" not in r.headers["Content-Security-Policy"]


def test_userinfo_errors(op):
    r = op.get("/userinfo")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    r = op.get("/userinfo", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    user = make_user(op)
    login = op.post("/login", json={"username": user, "password": PASSWORD}).json()
    r = op.get("/userinfo", headers={"Authorization": f"Bearer {login['access_token']}"})
    assert r.status_code == 403 and 'insufficient_scope' in r.headers["WWW-Authenticate"]


def test_logout_everywhere(op):
    receiver = LogoutReceiver()
    try:
        a = register(op, first_party=True, post_logout_redirect_uris=["http://127.0.0.1:9/bye"])
        b = register(op, first_party=True, backchannel_logout_uri=receiver.url,
                     backchannel_logout_session_required=True)
        user = make_user(op)
        browser = Browser(op)
        id_token = exchange(op, a, signed_in_code(op, browser, a, user)["code"]).json()["id_token"]
        b_tokens = exchange(op, b, code_from(start(browser, b), REDIRECT)["code"]).json()
        # An unregistered post-logout URI: an error page, no redirect.
        r = browser.get("/end_session?" + urllib.parse.urlencode(
            {"id_token_hint": id_token, "post_logout_redirect_uri": "http://127.0.0.1:9/elsewhere"}))
        assert r.status_code == 400 and "Location" not in r.headers
        # Without a hint: a confirmation page, nothing ended yet.
        confirm = browser.get("/end_session")
        assert confirm.status_code == 200 and "csrf" in forms_of(confirm.text)[0]["fields"]
        assert "code" in code_from(start(browser, a, prompt="none"), REDIRECT)
        r = browser.get("/end_session?" + urllib.parse.urlencode(
            {"id_token_hint": id_token, "post_logout_redirect_uri": "http://127.0.0.1:9/bye", "state": "bye-1"}))
        assert r.status_code in (302, 303) and r.headers["Location"] == "http://127.0.0.1:9/bye?state=bye-1"
        assert code_from(start(browser, a, prompt="none"), REDIRECT)["error"] == "login_required"
        assert receiver.event.wait(15), "no logout_token arrived"
        header, claims = jwt_parts(receiver.tokens[0])
        assert header["typ"] == "logout+jwt"
        _, id_claims = jwt_parts(id_token)
        assert claims["aud"] == b["client_id"] and claims["sid"] == id_claims["sid"] and claims["sub"] == id_claims["sub"]
        assert "http://schemas.openid.net/event/backchannel-logout" in claims["events"] and "nonce" not in claims
        keys = JsonWebKey.import_key_set(jwks_of(op))
        jwt.decode(receiver.tokens[0], keys)  # signed by us
        # B's tokens ended with the browser session.
        assert op.get("/userinfo", headers={"Authorization": f"Bearer {b_tokens['access_token']}"}).status_code == 401
    finally:
        receiver.close()


@pytest.mark.parametrize("how", ["logout_all", "password_change", "admin_revoke", "restart"])
def test_every_way_of_ending_the_browser_session_ends_single_sign_on(server_factory, how):
    """Not only the end_session endpoint: the API's logout_all, a password
    change (it ends the other sessions) and an administrator each end the
    browser session, and the back-channel receiver hears of it. `restart`:
    the delivery is queued in the database, so a server stopped before it
    could send sends it after its next start."""
    op = server_factory(env={**OIDC_ENV, "OIDC_CODE_TTL": "2"})
    receiver = LogoutReceiver(status=500 if how == "restart" else 200)
    try:
        app = register(op, first_party=True, backchannel_logout_uri=receiver.url)
        user = make_user(op)
        browser = Browser(op)
        exchange(op, app, signed_in_code(op, browser, app, user)["code"])
        login = op.post("/login", json={"username": user, "password": PASSWORD}).json()
        bearer = {"Authorization": f"Bearer {login['access_token']}"}
        admin = {"Authorization": f"Bearer {OIDC_ENV['ADMIN_TOKEN']}"}
        if how == "logout_all":
            r = op.post("/logout_all", headers=bearer)
        elif how == "password_change":
            r = op.post("/change_password", headers=bearer,
                        json={"current_password": PASSWORD, "new_password": "another passphrase 42"})
        else:
            r = op.request("DELETE", f"/admin/users/{user}/sessions", headers=admin)
        assert r.status_code == 200, r.text
        assert code_from(start(browser, app, prompt="none"), REDIRECT)["error"] == "login_required"
        if how == "restart":
            deadline = time.monotonic() + 10
            while receiver.attempts == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert receiver.attempts >= 1  # one attempt failed (500): the delivery waits for its backoff
            receiver.status = 200
            op.restart()
        assert receiver.event.wait(20), f"no logout_token after {how}"
        _, claims = jwt_parts(receiver.tokens[0])
        assert claims["aud"] == app["client_id"]
    finally:
        receiver.close()


def test_the_hosted_page_shares_logins_brute_force_protection(server_factory):
    """Failures on the hosted page count where /login's count: past two free
    failures this name is locked from this address on both, and the locked page
    reads as a wrong password; per IP, too many failures answer 429 there."""
    op = server_factory(env={**OIDC_ENV, "LOGIN_LOCK_AFTER": "2", "LOGIN_LOCK_SECONDS": "10m",
                             "LIMIT_LOGIN_IP": "5/1m"})
    client = register(op, first_party=True)
    user = make_user(op)
    browser = Browser(op)
    page = start(browser, client)
    wrong = [browser.sign_in(page, user, "not the password") for _ in range(3)]
    assert all(r.status_code == 401 and "Location" not in r.headers for r in wrong), [r.status_code for r in wrong]
    locked = browser.sign_in(page, user)  # the right password, locked
    assert locked.status_code == 401 and "Location" not in locked.headers
    assert locked.text.replace(user, "") == wrong[0].text.replace(user, "")  # tells nothing more
    assert op.post("/login", json={"username": user, "password": PASSWORD}).status_code == 401
    codes = []
    for _ in range(6):  # 3 failures so far; the address's budget is 5 a minute
        r = browser.sign_in(page, make_user(op), "not the password")
        codes.append(r.status_code)
        if r.status_code == 429:
            break
    assert codes[-1] == 429 and len(codes) <= 4 and "Retry-After" in r.headers, codes
    assert "Too many attempts" in r.text


def test_private_key_jwt_client(op):
    """private_key_jwt (RFC 7523 2.2): an assertion signed with the client's
    registered key; aud the token endpoint; each jti once."""
    import json as _json
    import uuid

    from jwcrypto import jwk as jwcrypto_jwk
    from jwcrypto import jwt as jwcrypto_jwt

    key = jwcrypto_jwk.JWK.generate(kty="EC", crv="P-256", kid="k1")
    public = _json.loads(key.export_public())
    svc = register(op, token_endpoint_auth_method="private_key_jwt", jwks={"keys": [public]},
                   grant_types=["client_credentials"], response_types=[], redirect_uris=[], scope="reports")
    assert "client_secret" not in svc

    def assertion(jti=None, aud=None, signer=key):
        now = int(time.time())
        claims = {"iss": svc["client_id"], "sub": svc["client_id"], "aud": aud or op.url("/token"),
                  "jti": jti or uuid.uuid4().hex, "iat": now, "exp": now + 60}
        t = jwcrypto_jwt.JWT(header={"alg": "ES256", "kid": "k1"}, claims=claims)
        t.make_signed_token(signer)
        return t.serialize()

    def token(a):
        return direct_session().post(op.url("/token"), data={
            "grant_type": "client_credentials", "scope": "reports", "client_id": svc["client_id"],
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": a}, timeout=10)

    first = assertion(jti="once")
    assert token(first).status_code == 200
    again = token(first)  # the same jti
    assert again.status_code == 401 and again.json()["error"] == "invalid_client"
    assert token(assertion(aud="https://elsewhere.example/token")).json()["error"] == "invalid_client"
    stranger = jwcrypto_jwk.JWK.generate(kty="EC", crv="P-256", kid="k1")
    assert token(assertion(signer=stranger)).json()["error"] == "invalid_client"
    # A secret is no way in for this client.
    r = direct_session().post(op.url("/token"), data={"grant_type": "client_credentials"},
                              auth=(svc["client_id"], "guess"), timeout=10)
    assert r.status_code == 401


def test_people_list_and_revoke_their_consents(op):
    third = register(op)
    user = make_user(op)
    browser = Browser(op)
    page = start(browser, third)
    consent = browser.submit(browser.sign_in(page, user), button=("decision", "allow"))
    tokens = exchange(op, third, code_from(consent, REDIRECT)["code"]).json()
    login = op.post("/login", json={"username": user, "password": PASSWORD}).json()
    bearer = {"Authorization": f"Bearer {login['access_token']}"}
    listed = op.get("/consents", headers=bearer).json()["consents"]
    assert [c["client_id"] for c in listed] == [third["client_id"]]
    assert set(listed[0]["scope"].split()) == {"openid", "profile"}
    assert op.request("DELETE", f"/consents/{third['client_id']}", headers=bearer).status_code == 200
    assert op.get("/consents", headers=bearer).json()["consents"] == []
    assert op.request("DELETE", f"/consents/{third['client_id']}", headers=bearer).status_code == 404
    # What the consent gave ended with it; the next request asks again.
    assert op.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 401
    assert "decision" in start(browser, third).text


def test_an_administrator_lists_and_revokes_a_persons_consents(op):
    third = register(op)
    user = make_user(op)
    browser = Browser(op)
    consent = browser.submit(browser.sign_in(start(browser, third), user), button=("decision", "allow"))
    tokens = exchange(op, third, code_from(consent, REDIRECT)["code"]).json()
    admin = {"Authorization": f"Bearer {OIDC_ENV['ADMIN_TOKEN']}"}
    listed = op.get(f"/admin/users/{user}/consents", headers=admin).json()["consents"]
    assert [c["client_id"] for c in listed] == [third["client_id"]] and listed[0]["granted_at"] > 0
    path = f"/admin/users/{user}/consents/{third['client_id']}"
    assert op.request("DELETE", path, headers={"Authorization": "Bearer wrong"}).status_code == 401
    r = op.request("DELETE", path, headers=admin)
    assert r.status_code == 200 and r.json()["message"] == "Consent revoked"
    assert op.get(f"/admin/users/{user}/consents", headers=admin).json()["consents"] == []
    assert op.request("DELETE", path, headers=admin).json()["error"] == "consent_not_found"
    assert op.get("/admin/users/nobody-here/consents", headers=admin).json()["error"] == "user_not_found"
    # As the person's own revocation: what the consent gave ended; the next request asks again.
    assert op.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 401
    assert "decision" in start(browser, third).text
    deadline = time.monotonic() + 3  # the audit trail is written in batches
    while True:
        events = op.get(f"/admin/users/{user}/audit", headers=admin).json()["events"]
        if any(e["event"] == "consent_revoked" for e in events) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    revoked = [e for e in events if e["event"] == "consent_revoked"]
    assert revoked and revoked[0]["actor"] == "admin-api", events
    assert revoked[0]["detail"]["client_id"] == third["client_id"]


def test_backchannel_logout_survives_a_client_that_is_down(op):
    """The receiver fails first (500): the delivery is retried (5 s backoff)
    and arrives once it answers."""
    receiver = LogoutReceiver(status=500)
    try:
        app = register(op, first_party=True, backchannel_logout_uri=receiver.url)
        user = make_user(op)
        browser = Browser(op)
        exchange(op, app, signed_in_code(op, browser, app, user)["code"])
        confirm = browser.get("/end_session")
        assert browser.submit(confirm).status_code == 200  # signed out
        time.sleep(1.5)
        assert receiver.tokens == []
        receiver.status = 200
        assert receiver.event.wait(15), "the logout token was not delivered again"
        # Counted on /metrics: the failed attempt, then the delivery.
        deadline = time.monotonic() + 10
        while True:
            metrics = op.get("/metrics").text
            if 'latchkey_backchannel_logouts_total{outcome="delivered"} 1' in metrics:
                break
            assert time.monotonic() < deadline, metrics
            time.sleep(0.2)
        assert 'latchkey_backchannel_logouts_total{outcome="failed"} 1' in metrics
        assert 'latchkey_backchannel_logouts_total{outcome="gave_up"} 0' in metrics
    finally:
        receiver.close()


def test_an_apps_token_does_not_manage_the_account(op):
    """RFC 9700 2.3: an app's access token serves the app's resources, not
    the person's account (sessions, password, consents)."""
    client = register(op, first_party=True)
    user = make_user(op)
    access = exchange(op, client, signed_in_code(op, Browser(op), client, user)["code"]).json()["access_token"]
    bearer = {"Authorization": f"Bearer {access}"}
    assert op.get("/protected", headers=bearer).status_code == 200  # a protected resource takes it
    for method, path in (("GET", "/get_active_sessions"), ("POST", "/logout_all"), ("POST", "/logout_others"),
                         ("GET", "/consents")):
        r = op.request(method, path, headers=bearer)
        assert r.status_code == 401, (path, r.status_code)
    assert op.get("/userinfo", headers=bearer).status_code == 200  # still signed in


def test_prompt_login_then_consent_completes(op):
    third = register(op)
    user = make_user(op)
    browser = Browser(op)
    page = start(browser, third, prompt="login", max_age="0")
    consent = browser.sign_in(page, user)
    assert consent.status_code == 200 and "decision" in consent.text, consent.text[:300]
    done = code_from(browser.submit(consent, button=("decision", "allow")), REDIRECT)
    assert "code" in done, done


def test_a_consent_form_written_by_hand_skips_no_sign_in(op):
    """Core 3.1.2.1: under prompt=login the credential is asked for again.
    Whoever holds a signed-in browser can take a CSRF token from any page
    and post a consent form of their own making; its "just signed in"
    marker, forged or kept from an older sign-in, skips nothing."""
    third = register(op)
    user = make_user(op)
    browser = Browser(op)
    consent = browser.sign_in(start(browser, third), user)  # an honest sign-in, then its consent page
    fields = forms_of(consent.text)[0]["fields"]
    honest = dict(urllib.parse.parse_qsl(fields["return_to"]))
    assert honest.get("lk_signed_in", "").isdigit()  # the honest marker: the sign-in's auth_time
    at = int(honest["lk_signed_in"])
    for marker in ("1", str(at - 1), str(at + 1), f"{at}x", ""):
        forged = {**honest, "prompt": "login", "lk_signed_in": marker}
        r = browser.http.post(op.url("/consent"), timeout=10, allow_redirects=False,
                              data={"csrf": fields["csrf"], "return_to": urllib.parse.urlencode(forged),
                                    "decision": "allow"})
        assert r.status_code == 200 and "Location" not in r.headers and "password" in r.text, (marker, r.status_code)
    # The honest form still completes.
    assert "code" in code_from(browser.submit(consent, button=("decision", "allow")), REDIRECT)


def test_signing_in_again_for_a_new_app_then_consenting_gives_a_code(op):
    """prompt=login in a browser already signed in: the credential is entered
    again in the same session (its auth_time moves), then the consent page;
    its Allow gives the code, without a third request for the password."""
    first, third = register(op, first_party=True), register(op)
    user = make_user(op)
    browser = Browser(op)
    before = exchange(op, first, signed_in_code(op, browser, first, user)["code"]).json()
    time.sleep(1.1)  # the second sign-in falls in a later second
    consent = browser.sign_in(start(browser, third, prompt="login"), user)
    assert consent.status_code == 200 and "decision" in consent.text, consent.text[:300]
    params = code_from(browser.submit(consent, button=("decision", "allow")), REDIRECT)
    _, claims = jwt_parts(exchange(op, third, params["code"]).json()["id_token"])
    assert claims["auth_time"] > jwt_parts(before["id_token"])[1]["auth_time"]
    assert claims["sid"] == jwt_parts(before["id_token"])[1]["sid"]  # the same browser session


def test_a_hint_from_another_session_asks_first(op):
    client = register(op, first_party=True, post_logout_redirect_uris=["http://127.0.0.1:9/bye"])
    user = make_user(op)
    old = Browser(op)
    old_id_token = exchange(op, client, signed_in_code(op, old, client, user)["code"]).json()["id_token"]
    browser = Browser(op)
    signed_in_code(op, browser, client, user)
    r = browser.get("/end_session?" + urllib.parse.urlencode({"id_token_hint": old_id_token}))
    assert r.status_code == 200 and "csrf" in forms_of(r.text)[0]["fields"]  # a confirmation, not a logout
    assert "code" in code_from(start(browser, client, prompt="none"), REDIRECT)


def test_refresh_asking_for_more_scope_spends_nothing(op):
    client = register(op, first_party=True)
    user = make_user(op)
    code = signed_in_code(op, Browser(op), client, user, scope="openid offline_access")["code"]
    refresh = exchange(op, client, code).json()["refresh_token"]
    s = direct_session()
    auth = (client["client_id"], client["client_secret"])
    r = s.post(op.url("/token"), data={"grant_type": "refresh_token", "refresh_token": refresh, "scope": "profile"},
               auth=auth, timeout=10)
    assert r.status_code == 400 and r.json()["error"] == "invalid_scope"
    time.sleep(0.1)
    r = s.post(op.url("/token"), data={"grant_type": "refresh_token", "refresh_token": refresh}, auth=auth, timeout=10)
    assert r.status_code == 200, r.text
