"""Single sign-on: other services verify latchkey's access tokens offline
through the JWKS with independent libraries (PyJWT, jwcrypto, jose from npm),
and online through introspection; revocation; discovery; key rotation."""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from jwcrypto import jwk as jc_jwk
from jwcrypto import jwt as jc_jwt

from conftest import (HERE, assert_error, bearer, free_port, jwt_claims, jwt_header, login,
                      new_user, protected, refresh, run_to_exit)

os.environ["no_proxy"] = "127.0.0.1,localhost"  # PyJWKClient uses urllib, which honours proxies
ALGS = ["ES256", "EdDSA", "RS256"]
INTEROP = HERE.parent / "interop"
RESOURCE_SERVICE = HERE.parent.parent / "examples" / "resource-service" / "service.py"
INTROSPECTION_SECRET = "introspection-secret-for-tests"


def jwks_url(server):
    return server.url("/.well-known/jwks.json")


def issuer(server):
    return f"http://127.0.0.1:{server.port}"


def verify_pyjwt(server, token):
    key = pyjwt.PyJWKClient(jwks_url(server), cache_keys=False).get_signing_key_from_jwt(token)
    return pyjwt.decode(token, key.key, algorithms=ALGS, audience="latchkey", issuer=issuer(server),
                        options={"verify_exp": False})


def verify_jwcrypto(server, token):
    keys = jc_jwk.JWKSet.from_json(server.get("/.well-known/jwks.json").text)
    t = jc_jwt.JWT(jwt=token, key=keys, algs=ALGS,
                   check_claims={"iss": issuer(server), "aud": "latchkey"})
    return json.loads(t.claims)


def verify_jose(server, token, at=None):
    out = subprocess.run(["node", str(INTEROP / "verify.mjs"), jwks_url(server), issuer(server),
                          "latchkey", token] + ([str(at)] if at else []),
                         capture_output=True, text=True, timeout=30, cwd=INTEROP,
                         env={**os.environ, "NO_PROXY": "127.0.0.1"})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def tamper(token):
    h, p, s = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
    claims["sub"] = "someone-else"
    p2 = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{h}.{p2}.{s}"


@pytest.fixture(params=ALGS)
def alg_server(request, server_factory):
    return server_factory(env={"JWT_ALG": request.param})


def test_tokens_verify_in_three_independent_libraries(alg_server):
    s = alg_server
    alg = s.env["JWT_ALG"]
    t = login(s, new_user(s))
    token = t["access_token"]
    header = jwt_header(token)
    assert header["alg"] == alg and header["typ"] == "at+jwt"
    keys = s.get("/.well-known/jwks.json").json()["keys"]
    assert header["kid"] in {k["kid"] for k in keys}
    assert next(k for k in keys if k["kid"] == header["kid"])["alg"] == alg
    # Beside JWT_ALG's key, an RS256 one for ID tokens (OpenID Connect Core 15.1).
    assert sorted(k["alg"] for k in keys) == sorted({alg, "RS256"})
    for k in keys:
        assert k["use"] == "sig"
        assert not {"d", "p", "q", "dp", "dq", "qi", "k"} & set(k), "private material published"

    assert verify_pyjwt(s, token)["sid"] == t["session_id"]
    assert verify_jwcrypto(s, token)["sid"] == t["session_id"]
    jose = verify_jose(s, token)
    assert jose["ok"], jose
    assert jose["alg"] == alg and jose["payload"]["sid"] == t["session_id"]

    bad = tamper(token)
    with pytest.raises(pyjwt.InvalidSignatureError):
        verify_pyjwt(s, bad)
    with pytest.raises(Exception):
        verify_jwcrypto(s, bad)
    assert not verify_jose(s, bad)["ok"]
    assert_error(protected(s, bad), 401, "invalid_token")


@pytest.mark.parametrize("alg", ALGS)
def test_a_rotated_out_key_fails_everywhere(server_factory, alg):
    s = server_factory(env={"JWT_ALG": alg, "ACCESS_TOKEN_TTL": "1", "TOKEN_LEEWAY": "0"})
    old = login(s, new_user(s))["access_token"]
    assert s.stop() == 0
    rotated = run_to_exit(s.workdir, env={"DATABASE_URL": s.env["DATABASE_URL"], "JWT_ALG": alg},
                          args=["keys", "rotate", "--now"])
    assert rotated.code == 0, rotated.stderr
    time.sleep(1.5)  # the old key's last token has expired: it leaves the key set
    s.start()
    kids = {k["kid"] for k in s.get("/.well-known/jwks.json").json()["keys"]}
    # The new key, and the RS256 one for ID tokens (the same key when JWT_ALG is RS256).
    assert jwt_header(old)["kid"] not in kids and len(kids) == (1 if alg == "RS256" else 2)
    with pytest.raises(pyjwt.PyJWKClientError):
        verify_pyjwt(s, old)
    with pytest.raises(Exception):
        verify_jwcrypto(s, old)
    # jose judged at the token's own time, so only the missing key can fail it.
    assert verify_jose(s, old, at=jwt_claims(old)["iat"])["code"] == "ERR_JWKS_NO_MATCHING_KEY"
    fresh = login(s, new_user(s))["access_token"]
    assert jwt_header(fresh)["kid"] in kids
    assert verify_pyjwt(s, fresh)


def test_keys_list_and_rotation_keep_everyone_logged_in(server_factory):
    s = server_factory()
    t = login(s, new_user(s))
    listed = run_to_exit(s.workdir, env={"DATABASE_URL": s.env["DATABASE_URL"]}, args=["keys", "list"])
    assert listed.code == 0 and "signing" in listed.stdout and "ES256" in listed.stdout
    assert run_to_exit(s.workdir, env={"DATABASE_URL": s.env["DATABASE_URL"]},
                       args=["keys", "rotate", "--now"]).code == 0
    s.restart()
    assert protected(s, t["access_token"]).status_code == 200  # the old key still verifies
    # The old ES256 key, the new one, and the RS256 key for ID tokens (not rotated).
    assert len(s.get("/.well-known/jwks.json").json()["keys"]) == 3
    assert jwt_header(login(s, new_user(s))["access_token"])["kid"] != jwt_header(t["access_token"])["kid"]


def test_the_rs256_key_rotates_on_its_own(server_factory):
    s = server_factory()
    before = {k["alg"]: k["kid"] for k in s.get("/.well-known/jwks.json").json()["keys"]}
    assert set(before) == {"ES256", "RS256"}
    env = {"DATABASE_URL": s.env["DATABASE_URL"]}
    wrong = run_to_exit(s.workdir, env=env, args=["keys", "rotate", "EdDSA"])
    assert wrong.code == 2 and "ES256 or RS256" in wrong.stderr
    assert run_to_exit(s.workdir, env=env, args=["keys", "rotate", "RS256", "--now"]).code == 0
    s.restart()
    keys = s.get("/.well-known/jwks.json").json()["keys"]
    rsa = [k["kid"] for k in keys if k["alg"] == "RS256"]
    assert before["RS256"] in rsa and len(rsa) == 2  # the old one verifies a while longer
    # Access tokens go on with the same ES256 key.
    assert jwt_header(login(s, new_user(s))["access_token"])["kid"] == before["ES256"]
    listed = run_to_exit(s.workdir, env=env, args=["keys", "list"]).stdout
    assert listed.count("signing") == 2, listed


def test_hs256_secret_is_never_published(keyed_server):
    r = keyed_server.get("/.well-known/jwks.json")
    assert r.status_code == 200 and r.json() == {"keys": []}
    assert "max-age=" in r.headers["Cache-Control"]


def test_discovery_document(server):
    r = server.get("/.well-known/openid-configuration")
    assert r.status_code == 200
    d = r.json()
    iss = issuer(server)
    assert d["issuer"] == iss
    assert d["jwks_uri"] == iss + "/.well-known/jwks.json"
    assert d["token_endpoint"] == iss + "/token"  # the OpenID Connect provider's (RFC 6749 3.2), no longer /refresh_token
    assert d["introspection_endpoint"] == iss + "/introspect"
    assert d["revocation_endpoint"] == iss + "/revoke"
    # JWT_ALG's, and RS256 for ID tokens (OpenID Connect Core 15.1).
    assert d["id_token_signing_alg_values_supported"] == ["ES256", "RS256"]
    assert "max-age=" in r.headers["Cache-Control"]
    assert server.get(d["jwks_uri"][len(iss):]).status_code == 200


@pytest.mark.parametrize("header_extra", [{"jku": "http://127.0.0.1:1/keys"},
                                          {"x5u": "http://127.0.0.1:1/cert"},
                                          {"jwk": {"kty": "oct", "k": "AAAA"}}])
def test_key_carrying_headers_are_refused(server, header_extra):
    t = login(server, new_user(server))["access_token"]
    h, p, sig = t.split(".")
    header = {**jwt_header(t), **header_extra}
    h2 = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    assert_error(protected(server, f"{h2}.{p}.{sig}"), 401, "invalid_token")


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_hs256_signed_with_the_public_key_is_refused(server):
    """The classic algorithm confusion: HMAC keyed with the published key."""
    t = login(server, new_user(server))["access_token"]
    [k] = [k for k in server.get("/.well-known/jwks.json").json()["keys"] if k["kid"] == jwt_header(t)["kid"]]
    pem = pyjwt.PyJWK(k).key.public_bytes(serialization.Encoding.PEM,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    for secret in (pem, json.dumps(k).encode(), base64.urlsafe_b64decode(k["x"] + "==")):
        head = _b64(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": k["kid"]}).encode())
        body = _b64(json.dumps(jwt_claims(t)).encode())
        sig = _b64(hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest())
        assert_error(protected(server, f"{head}.{body}.{sig}"), 401, "invalid_token")
    none = f'{_b64(json.dumps({"alg": "none", "typ": "at+jwt", "kid": k["kid"]}).encode())}.{t.split(".")[1]}.'
    assert_error(protected(server, none), 401, "invalid_token")


# -- introspection (RFC 7662) and revocation (RFC 7009) -------------------------


@pytest.fixture
def isecret_server(server_factory):
    return server_factory(env={"INTROSPECTION_SECRET": INTROSPECTION_SECRET})


def introspect(s, token, auth=("svc", INTROSPECTION_SECRET)):
    return s.post("/introspect", data={"token": token}, auth=auth)


def test_introspection_needs_the_service_credential(isecret_server, server):
    s = isecret_server
    t = login(s, new_user(s))["access_token"]
    assert_error(introspect(s, t, auth=None), 401, "invalid_client")
    assert_error(introspect(s, t, auth=("svc", "wrong-secret-wrong-secret")), 401, "invalid_client")
    assert introspect(s, t).status_code == 200
    r = s.post("/introspect", data={"token": t}, headers=bearer(INTROSPECTION_SECRET))
    assert r.status_code == 200 and r.json()["active"] is True
    # Without INTROSPECTION_SECRET configured, nobody may introspect.
    t2 = login(server, new_user(server))["access_token"]
    assert_error(introspect(server, t2), 401, "invalid_client")


def test_introspection_sees_logout_at_once(isecret_server):
    s = isecret_server
    user = new_user(s)
    t = login(s, user)
    a = introspect(s, t["access_token"]).json()
    assert a["active"] is True and a["token_type"] == "access_token"
    assert a["sid"] == t["session_id"] and a["username"] == user and a["aud"] == "latchkey"
    r = introspect(s, t["refresh_token"]).json()
    assert r["active"] is True and r["token_type"] == "refresh_token" and r["sid"] == t["session_id"]
    assert s.post("/logout", headers=bearer(t["access_token"])).status_code == 200
    assert introspect(s, t["access_token"]).json() == {"active": False}
    assert introspect(s, t["refresh_token"]).json() == {"active": False}
    assert introspect(s, "garbage").json() == {"active": False}
    assert_error(s.post("/introspect", data={}, auth=("svc", INTROSPECTION_SECRET)), 400, "invalid_request")


def test_introspection_of_a_spent_refresh_token_is_inactive(isecret_server):
    s = isecret_server
    t = login(s, new_user(s))
    nxt = refresh(s, t["refresh_token"]).json()["refresh_token"]
    assert introspect(s, t["refresh_token"]).json() == {"active": False}
    assert introspect(s, nxt).json()["active"] is True


@pytest.mark.parametrize("which", ["access_token", "refresh_token"])
def test_revocation_ends_the_session(server, which):
    t = login(server, new_user(server))
    r = server.post("/revoke", data={"token": t[which], "token_type_hint": which})
    assert r.status_code == 200, r.text
    assert_error(protected(server, t["access_token"]), 401, "token_revoked")
    assert_error(refresh(server, t["refresh_token"]), 401, "token_revoked")


def test_revocation_of_unknown_tokens_is_200_and_bad_requests_400(server):
    assert server.post("/revoke", data={"token": "not-a-token"}).status_code == 200
    assert server.post("/revoke", data={"token": "lkr_x.0.AAAA"}).status_code == 200
    assert_error(server.post("/revoke", data={}), 400, "invalid_request")
    assert_error(server.post("/revoke", data="token=a&token=b",
                             headers={"Content-Type": "application/x-www-form-urlencoded"}),
                 400, "invalid_request")


# -- a second service trusting latchkey through the JWKS ------------------------


def test_one_login_two_services(alg_server):
    s = alg_server
    procs = []
    try:
        ports = []
        for name in ("orders", "billing"):
            port = free_port()
            procs.append(subprocess.Popen([sys.executable, str(RESOURCE_SERVICE), "--name", name,
                                           "--port", str(port), "--issuer", issuer(s)],
                                          env={**os.environ, "no_proxy": "127.0.0.1"},
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            ports.append(port)
        user = new_user(s)
        token = login(s, user)["access_token"]
        import requests
        with requests.Session() as http:
            http.trust_env = False
            for port, name in zip(ports, ("orders", "billing")):
                deadline = time.monotonic() + 10
                while True:
                    try:
                        r = http.get(f"http://127.0.0.1:{port}/whoami", headers=bearer(token), timeout=5)
                        break
                    except requests.ConnectionError:
                        assert time.monotonic() < deadline, f"{name} did not start"
                        time.sleep(0.05)
                assert r.status_code == 200, r.text
                assert r.json()["service"] == name and r.json()["user"] == user
                bad = http.get(f"http://127.0.0.1:{port}/whoami", headers=bearer(tamper(token)), timeout=5)
                assert bad.status_code == 401
                refresh_as_access = http.get(f"http://127.0.0.1:{port}/whoami",
                                             headers=bearer(login(s, user)["refresh_token"]), timeout=5)
                assert refresh_as_access.status_code == 401
    finally:
        for p in procs:
            p.kill()
            p.wait(timeout=5)
