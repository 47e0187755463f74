"""Access and refresh tokens: their shape, and every way of presenting a bad one."""
import base64
import hashlib
import hmac
import http.client
import json
import re
import time

import jwt
import pytest

from conftest import (TEST_SECRET, assert_error, bearer, jwt_claims, jwt_header, login, new_user,
                      protected, refresh)

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def user(shared_server):
    """(username, login answer) of a fresh user on the shared keyed server."""
    name = new_user(shared_server)
    return name, login(shared_server, name)


def forge(server, real_access_token, key=TEST_SECRET, header=None, drop=(), **claims):
    """An access token like `real_access_token` with some claims or header
    fields changed, signed HS256 with `key`."""
    c = jwt_claims(real_access_token)
    c.update(claims)
    for k in drop:
        c.pop(k, None)
    h = {k: v for k, v in jwt_header(real_access_token).items() if k != "alg"}
    h.update(header or {})
    alg = h.pop("alg", "HS256")
    return jwt.encode(c, key, algorithm=alg, headers=h)


def sign_hs256(header, claims, key=TEST_SECRET):
    """A JWT with exactly this header (PyJWT would add typ)."""
    signing_input = f"{b64(header)}.{b64(claims)}"
    sig = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode()


def b64(obj):
    raw = json.dumps(obj, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def assert_token_refused(r, code, description, message=None):
    assert_error(r, 401, code, message)
    www = r.headers.get("WWW-Authenticate", "")
    assert www.startswith('Bearer realm="latchkey"'), www
    assert 'error="invalid_token"' in www, www
    assert f'error_description="{description}"' in www, www


# -- what a good token looks like -----------------------------------------


def test_access_token_header_and_claims(shared_server, user):
    name, t = user
    at = t["access_token"]
    h = jwt_header(at)
    assert h["alg"] == "HS256" and h["typ"] == "at+jwt" and isinstance(h.get("kid"), str) and h["kid"]
    c = jwt.decode(at, TEST_SECRET, algorithms=["HS256"], audience="latchkey")
    assert c["iss"] == f"http://127.0.0.1:{shared_server.port}"
    assert c["aud"] == "latchkey"
    assert UUID_RE.fullmatch(c["sub"]) and c["sub"] != name
    assert c["exp"] - c["iat"] == 900
    assert abs(c["iat"] - time.time()) < 60
    assert c["sid"] == t["session_id"]
    assert c["type"] == "access"
    assert c["preferred_username"] == name
    assert isinstance(c["jti"], str) and c["jti"]


def test_refresh_token_is_opaque(user):
    _, t = user
    rt = t["refresh_token"]
    assert rt.startswith("lkr_")
    assert len(rt) >= 36
    with pytest.raises(jwt.DecodeError):  # not a JWT, not even an unsigned one
        jwt.get_unverified_header(rt)
    with pytest.raises(jwt.DecodeError):
        jwt.decode(rt, TEST_SECRET, algorithms=["HS256"], audience="latchkey")


def test_jti_unique_and_subject_stable(shared_server, user):
    name, t1 = user
    t2 = login(shared_server, name)
    r = refresh(shared_server, t1["refresh_token"])
    assert r.status_code == 200
    tokens = [t1["access_token"], t2["access_token"], r.json()["new_access_token"]]
    claims = [jwt.decode(x, TEST_SECRET, algorithms=["HS256"], audience="latchkey") for x in tokens]
    assert len({c["jti"] for c in claims}) == 3
    assert len({c["sub"] for c in claims}) == 1
    assert t1["session_id"] != t2["session_id"]
    assert t1["refresh_token"] != t2["refresh_token"]
    # The refreshed token belongs to the same session as the refresh token.
    assert claims[2]["sid"] == t1["session_id"]


def test_bearer_scheme_is_case_insensitive(shared_server, user):
    _, t = user
    r = shared_server.get("/protected", headers={"Authorization": "bearer " + t["access_token"]})
    assert r.status_code == 200


def test_forged_token_with_the_right_key_is_accepted(shared_server, user):
    # Proves the forging helper makes tokens the server accepts, so the
    # refusals below are caused by the one thing each of them changes.
    _, t = user
    assert protected(shared_server, forge(shared_server, t["access_token"], jti="forged")).status_code == 200


# -- missing tokens ----------------------------------------------------------


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": ""},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer "},
    {"Authorization": "Basic dXNlcjpwYXNzd29yZA=="},
    {"Authorization": "Token abc.def.ghi"},
], ids=["absent", "empty", "scheme-only", "scheme-space", "basic", "other-scheme"])
def test_missing_token(shared_server, headers):
    for path, method in (("/protected", "GET"), ("/get_active_sessions", "GET"), ("/logout", "POST")):
        r = shared_server.request(method, path, headers=headers)
        assert_error(r, 401, "token_missing", "Token is missing")
        www = r.headers.get("WWW-Authenticate", "")
        assert www.startswith('Bearer realm="latchkey"'), www
        assert "error=" not in www, www  # RFC 6750 3.1: no error code without credentials


def test_refresh_without_any_token(shared_server):
    r = shared_server.post("/refresh_token")
    assert_error(r, 401, "token_missing", "Token is missing")
    r = shared_server.post("/refresh_token", json={})
    assert_error(r, 401, "token_missing", "Token is missing")


# -- invalid tokens ------------------------------------------------------------


def test_garbage_tokens(shared_server):
    for tok in ("garbage", "a.b.c", "eyJ.eyJ.sig", "...", "Zm9v.YmFy.YmF6", "\u00e9t\u00e9".encode().decode("latin-1")):
        r = shared_server.get("/protected", headers={"Authorization": "Bearer " + tok})
        assert_token_refused(r, "invalid_token", "invalid token", "Invalid token")


def test_tampered_signature(shared_server, user):
    _, t = user
    head, payload, sig = t["access_token"].split(".")
    flipped = sig[:-2] + ("AA" if sig[-2:] != "AA" else "BB")
    r = protected(shared_server, f"{head}.{payload}.{flipped}")
    assert_token_refused(r, "invalid_token", "invalid token")


def test_tampered_payload(shared_server, user):
    _, t = user
    head, _, sig = t["access_token"].split(".")
    c = jwt_claims(t["access_token"])
    c["preferred_username"] = "admin"
    r = protected(shared_server, f"{head}.{b64(c)}.{sig}")
    assert_token_refused(r, "invalid_token", "invalid token")


def test_alg_none(shared_server, user):
    _, t = user
    h = dict(jwt_header(t["access_token"]), alg="none")
    c = jwt_claims(t["access_token"])
    for tok in (f"{b64(h)}.{b64(c)}.", f"{b64(h)}.{b64(c)}.e30"):
        assert_token_refused(protected(shared_server, tok), "invalid_token", "invalid token")
    # Header without alg at all, and a lower-case "none" variant.
    for hh in ({k: v for k, v in h.items() if k != "alg"}, dict(h, alg="None")):
        assert_token_refused(protected(shared_server, f"{b64(hh)}.{b64(c)}."), "invalid_token", "invalid token")


def test_signed_with_another_key(shared_server, user):
    _, t = user
    other = "a-completely-different-secret-key-of-48-bytes!!!"
    r = protected(shared_server, forge(shared_server, t["access_token"], key=other))
    assert_token_refused(r, "invalid_token", "invalid token")


def test_other_hmac_algorithm_with_the_right_key(shared_server, user):
    _, t = user
    r = protected(shared_server, forge(shared_server, t["access_token"], header={"alg": "HS512"}))
    assert_token_refused(r, "invalid_token", "invalid token")


def test_unknown_or_missing_kid(shared_server, user):
    _, t = user
    r = protected(shared_server, forge(shared_server, t["access_token"], header={"kid": "no-such-key"}))
    assert_token_refused(r, "invalid_token", "invalid token")
    c = jwt_claims(t["access_token"])
    no_kid = jwt.encode(c, TEST_SECRET, algorithm="HS256", headers={"typ": "at+jwt"})
    assert "kid" not in jwt_header(no_kid)
    assert_token_refused(protected(shared_server, no_kid), "invalid_token", "invalid token")


def test_embedded_key_headers_are_refused(shared_server, user):
    _, t = user
    jwk = {"kty": "oct", "k": base64.urlsafe_b64encode(TEST_SECRET.encode()).rstrip(b"=").decode()}
    for extra in ({"jwk": jwk}, {"jku": "http://127.0.0.1:1/jwks"}, {"crit": ["exp"]}):
        r = protected(shared_server, forge(shared_server, t["access_token"], header=extra))
        assert_token_refused(r, "invalid_token", "invalid token")


def test_wrong_issuer(shared_server, user):
    _, t = user
    for iss in ("http://evil.example", f"http://127.0.0.1:{shared_server.port}/", ""):
        r = protected(shared_server, forge(shared_server, t["access_token"], iss=iss))
        assert_token_refused(r, "invalid_token", "invalid token")


def test_wrong_audience(shared_server, user):
    _, t = user
    for aud in ("someone-else", ["someone-else"], "", "LATCHKEY"):
        r = protected(shared_server, forge(shared_server, t["access_token"], aud=aud))
        assert_token_refused(r, "invalid_token", "invalid token")
    r = protected(shared_server, forge(shared_server, t["access_token"], drop=("aud",)))
    assert_token_refused(r, "invalid_token", "invalid token")


@pytest.mark.parametrize("claim", ["iss", "sub", "sid", "jti", "exp", "iat"])
def test_missing_required_claim(shared_server, user, claim):
    _, t = user
    r = protected(shared_server, forge(shared_server, t["access_token"], drop=(claim,)))
    assert_token_refused(r, "invalid_token", "invalid token")


def test_issued_in_the_future(shared_server, user):
    _, t = user
    now = int(time.time())
    r = protected(shared_server, forge(shared_server, t["access_token"], iat=now + 600, exp=now + 1500))
    assert_token_refused(r, "invalid_token", "invalid token")
    r = protected(shared_server, forge(shared_server, t["access_token"], nbf=now + 600))
    assert_token_refused(r, "invalid_token", "invalid token")


def test_several_tokens_in_one_header(shared_server, user):
    _, t = user
    at = t["access_token"]
    for value in (f"Bearer {at} {at}", "Bearer a b", f"Bearer {at},{at}", f"Bearer {at}\t{at}"):
        r = shared_server.get("/protected", headers={"Authorization": value})
        assert_token_refused(r, "invalid_token", "invalid token")


def test_duplicate_authorization_headers(shared_server, user):
    _, t = user
    conn = http.client.HTTPConnection("127.0.0.1", shared_server.port, timeout=10)
    try:
        conn.putrequest("GET", "/protected")
        conn.putheader("Authorization", "Bearer " + t["access_token"])
        conn.putheader("Authorization", "Bearer " + t["access_token"])
        conn.endheaders()
        resp = conn.getresponse()
        body = json.loads(resp.read())
        assert resp.status == 401
        assert body == {"error": "invalid_token", "message": "Invalid token"}
        assert 'error="invalid_token"' in resp.getheader("WWW-Authenticate", "")
    finally:
        conn.close()


def test_oversized_token_10k(shared_server, user):
    # Longer than any token latchkey issues, still within the header limit.
    r = shared_server.get("/protected", headers={"Authorization": "Bearer " + "A" * 10_000})
    assert_token_refused(r, "invalid_token", "invalid token")


def test_oversized_token_100k(shared_server):
    r = shared_server.get("/protected", headers={"Authorization": "Bearer " + "A" * 100_000})
    assert_token_refused(r, "invalid_token", "invalid token", "Invalid token")
    assert shared_server.get("/healthz").status_code == 200


# -- expiry, type and revocation --------------------------------------------------


def test_expired_token(shared_server, user):
    _, t = user
    now = int(time.time())
    tok = forge(shared_server, t["access_token"], iat=now - 1020, exp=now - 120)
    assert_token_refused(protected(shared_server, tok), "token_expired", "token expired", "Token has expired")
    r = shared_server.get("/get_active_sessions", headers=bearer(tok))
    assert_token_refused(r, "token_expired", "token expired")


def test_expiry_leeway_is_small(shared_server, user):
    # A token that expired 10 s ago is still inside the allowed clock skew;
    # one that expired 120 s ago is not (above).
    _, t = user
    now = int(time.time())
    tok = forge(shared_server, t["access_token"], iat=now - 910, exp=now - 10)
    assert protected(shared_server, tok).status_code == 200


@pytest.mark.parametrize("typ", ["JWT", "refresh+jwt", "jwt", None])
def test_wrong_typ_with_the_right_key(shared_server, user, typ):
    _, t = user
    if typ is None:
        h = {"alg": "HS256", "kid": jwt_header(t["access_token"])["kid"]}
        tok = sign_hs256(h, jwt_claims(t["access_token"]))
    else:
        tok = forge(shared_server, t["access_token"], header={"typ": typ})
    r = protected(shared_server, tok)
    assert_token_refused(r, "invalid_token_type", "wrong token type", "Invalid token type")


def test_refresh_token_as_bearer_on_protected(shared_server, user):
    _, t = user
    for path in ("/protected", "/get_active_sessions"):
        r = shared_server.get(path, headers=bearer(t["refresh_token"]))
        # Either answer refuses it; the RFC 6750 error is invalid_token in both.
        code = assert_error(r, 401, None)["error"]
        assert code in ("invalid_token", "invalid_token_type"), code
        description = {"invalid_token": "invalid token", "invalid_token_type": "wrong token type"}[code]
        assert_token_refused(r, code, description)


def test_access_token_on_refresh_endpoint(shared_server, user):
    _, t = user
    at = t["access_token"]
    for kw in ({"headers": bearer(at), "json": {"refresh_token": at}},
               {"headers": bearer(at)},
               {"json": {"refresh_token": at}}):
        r = shared_server.post("/refresh_token", **kw)
        assert_token_refused(r, "invalid_token_type", "wrong token type", "Invalid token type")


def test_unknown_refresh_token(shared_server):
    for rt in ("lkr_" + "A" * 43, "lkr_", "not-a-refresh-token", "lkr_" + "A" * 500):
        r = shared_server.post("/refresh_token", json={"refresh_token": rt})
        assert_token_refused(r, "invalid_token", "invalid token", "Invalid token")


def test_revoked_tokens(shared_server, user):
    _, t = user
    r = shared_server.post("/logout", headers=bearer(t["access_token"]))
    assert r.status_code == 200
    assert_token_refused(protected(shared_server, t["access_token"]), "token_revoked", "session ended",
                         "Token has been revoked")
    assert_token_refused(refresh(shared_server, t["refresh_token"]), "token_revoked", "session ended",
                         "Token has been revoked")


def test_refresh_header_alone_and_body_alone(shared_server, user):
    _, t = user
    rt = t["refresh_token"]
    for how in ("header", "body"):
        kw = {"headers": bearer(rt)} if how == "header" else {"json": {"refresh_token": rt}}
        r = shared_server.post("/refresh_token", **kw)
        assert r.status_code == 200, (how, r.text)
        new_at = r.json()["new_access_token"]
        assert jwt_claims(new_at)["sid"] == t["session_id"]
        assert protected(shared_server, new_at).status_code == 200
        rt = r.json().get("refresh_token", rt)  # follow the rotation, if any


def test_refresh_header_and_body_disagree(shared_server, user):
    name, t = user
    other = login(shared_server, name)
    r = shared_server.post("/refresh_token", headers=bearer(t["refresh_token"]),
                           json={"refresh_token": other["refresh_token"]})
    assert_error(r, 400, "token_mismatch", "Refresh token mismatch")
    r = shared_server.post("/refresh_token", headers=bearer(t["refresh_token"]),
                           json={"refresh_token": "lkr_somethingelse"})
    assert_error(r, 400, "token_mismatch", "Refresh token mismatch")


def test_refreshing_keeps_the_session_going(shared_server, user):
    # Each refresh answers a working access token for the same session, and
    # (rotated or not) a refresh token that refreshes again.
    _, t = user
    rt, seen = t["refresh_token"], set()
    for _ in range(3):
        r = refresh(shared_server, rt)
        assert r.status_code == 200, r.text
        at = r.json()["new_access_token"]
        assert at not in seen and jwt_claims(at)["sid"] == t["session_id"]
        seen.add(at)
        assert protected(shared_server, at).status_code == 200
        rt = r.json().get("refresh_token", rt)
    assert protected(shared_server, t["access_token"]).status_code == 200
