"""Passkeys through the JSON API, with a software authenticator
(passkey_support.py): register one (the password first), sign in with it
alone, use it as /login's second step; a challenge works once, a counter
that does not grow, a missing user verification, another origin and bad
input are refused; rename and remove. The server's issuer is
http://localhost:PORT, whose host is a valid RP ID."""
import pytest

from conftest import PASSWORD, assert_error, bearer, free_port, login, new_user, protected
from passkey_support import UP, SoftAuthenticator, b64u, unb64u


@pytest.fixture
def op(server_factory):
    port = free_port()
    return server_factory(env={"ISSUER": f"http://localhost:{port}"}, port=port)


def register(op, access, auth, name="Test key"):
    r = op.post("/webauthn/register/options", headers=bearer(access), json={"password": PASSWORD})
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    options = r.json()
    pk = options["publicKey"]
    assert pk["rp"]["id"] == "localhost" and pk["attestation"] == "none"
    assert pk["authenticatorSelection"]["residentKey"] == "required"
    assert pk["authenticatorSelection"]["userVerification"] == "required"
    assert {p["alg"] for p in pk["pubKeyCredParams"]} == {-7, -8, -257}
    r = op.post("/webauthn/register", headers=bearer(access), json={**auth.create(options), "name": name})
    assert r.status_code == 201, r.text
    return r.json()


def sign_in_options(op):
    r = op.post("/webauthn/login/options")
    assert r.status_code == 200, r.text
    return r.json()


def test_register_then_sign_in_with_the_passkey_alone(op):
    name = new_user(op)
    access = login(op, name)["access_token"]
    auth = SoftAuthenticator(origin=f"http://localhost:{op.port}")
    created = register(op, access, auth)
    assert created["name"] == "Test key" and created["last_used_at"] is None
    listed = op.get("/account/passkeys", headers=bearer(access)).json()["passkeys"]
    assert [p["id"] for p in listed] == [created["id"]]

    options = sign_in_options(op)
    assert options["publicKey"]["allowCredentials"] == [] and options["publicKey"]["rpId"] == "localhost"
    assertion = auth.get(options)
    r = op.post("/webauthn/login", json=assertion)
    assert r.status_code == 200, r.text
    assert protected(op, r.json()["access_token"]).status_code == 200
    # The same assertion again: its challenge is spent.
    assert_error(op.post("/webauthn/login", json=assertion), 401, "invalid_passkey")
    # A counter that did not grow (a cloned authenticator?).
    assert_error(op.post("/webauthn/login", json=auth.get(sign_in_options(op), count_step=0)), 401, "invalid_passkey")
    # Alone, a passkey needs user verification.
    assert_error(op.post("/webauthn/login", json=auth.get(sign_in_options(op), flags=UP)), 401, "invalid_passkey")
    # Another origin.
    assert_error(op.post("/webauthn/login", json=auth.get(sign_in_options(op), origin="http://evil.example")), 401,
                 "invalid_passkey")
    # A challenge this server never issued.
    assert_error(op.post("/webauthn/login", json=auth.get(sign_in_options(op), challenge="bm90LWlzc3VlZA")), 401,
                 "invalid_passkey")
    # Another RP ID's authenticator data.
    evil = SoftAuthenticator(rp_id="evil.example", origin=auth.origin)
    evil.key, evil.credential_id, evil.count, evil.user_handle = auth.key, auth.credential_id, auth.count, auth.user_handle
    assert_error(op.post("/webauthn/login", json=evil.get(sign_in_options(op))), 401, "invalid_passkey")
    # A tampered signature.
    tampered = auth.get(sign_in_options(op))
    sig = bytearray(unb64u(tampered["response"]["signature"]))
    sig[-1] ^= 0x01
    tampered["response"]["signature"] = b64u(bytes(sig))
    assert_error(op.post("/webauthn/login", json=tampered), 401, "invalid_passkey")
    # None of that changed anything: the passkey still signs in.
    r = op.post("/webauthn/login", json=auth.get(sign_in_options(op)))
    assert r.status_code == 200, r.text


def test_another_users_passkey_is_no_second_step(op):
    alice, bob = new_user(op), new_user(op)
    a_auth = SoftAuthenticator(origin=f"http://localhost:{op.port}")
    b_auth = SoftAuthenticator(origin=f"http://localhost:{op.port}")
    register(op, login(op, alice)["access_token"], a_auth)
    register(op, login(op, bob)["access_token"], b_auth)
    token = op.post("/login", json={"username": bob, "password": PASSWORD}).json()["mfa_token"]
    options = op.post("/login/mfa/passkey/options", json={"mfa_token": token}).json()
    assert_error(op.post("/login/mfa", json={"mfa_token": token, "passkey": a_auth.get(options)}), 401,
                 "invalid_mfa_code")
    # The step goes on: bob's own passkey, on a new challenge.
    options = op.post("/login/mfa/passkey/options", json={"mfa_token": token}).json()
    r = op.post("/login/mfa", json={"mfa_token": token, "passkey": b_auth.get(options)})
    assert r.status_code == 200, r.text


def test_a_passkey_is_the_second_step_after_the_password(op):
    name = new_user(op)
    access = login(op, name)["access_token"]
    auth = SoftAuthenticator(origin=f"http://localhost:{op.port}")
    created = register(op, access, auth)
    r = op.post("/login", json={"username": name, "password": PASSWORD})
    assert r.status_code == 401 and r.json()["error"] == "mfa_required", r.text
    assert r.json()["methods"] == ["passkey"]
    token = r.json()["mfa_token"]
    r = op.post("/login/mfa/passkey/options", json={"mfa_token": token})
    assert r.status_code == 200, r.text
    options = r.json()
    assert [c["id"] for c in options["publicKey"]["allowCredentials"]] == [created["id"]]
    # User presence is enough after a password.
    r = op.post("/login/mfa", json={"mfa_token": token, "passkey": auth.get(options, flags=UP)})
    assert r.status_code == 200, r.text
    assert_error(op.post("/login/mfa/passkey/options", json={"mfa_token": token}), 401, "invalid_mfa_token")


def test_rename_and_remove(op):
    name = new_user(op)
    access = login(op, name)["access_token"]
    auth = SoftAuthenticator(origin=f"http://localhost:{op.port}")
    created = register(op, access, auth)
    r = op.request("PATCH", f"/account/passkeys/{created['id']}", headers=bearer(access),
                   json={"name": "  Phone\u0007 "})
    assert r.status_code == 200, r.text
    assert op.get("/account/passkeys", headers=bearer(access)).json()["passkeys"][0]["name"] == "Phone"
    assert_error(op.request("PATCH", "/account/passkeys/nope", headers=bearer(access), json={"name": "x"}), 404,
                 "factor_not_found")
    assert_error(op.request("DELETE", f"/account/passkeys/{created['id']}", headers=bearer(access),
                            json={"password": "wrong one!"}), 401, "invalid_credentials")
    r = op.request("DELETE", f"/account/passkeys/{created['id']}", headers=bearer(access), json={"password": PASSWORD})
    assert r.status_code == 200, r.text
    login(op, name)  # the password alone again
    # The same credential cannot come back through another account's ceremony either way.
    assert_error(op.post("/webauthn/login", json=auth.get(sign_in_options(op))), 401, "invalid_passkey")


def test_bad_input_gets_a_clear_400(op):
    name = new_user(op)
    access = login(op, name)["access_token"]
    for path in ("/webauthn/login", "/webauthn/register"):
        headers = bearer(access) if path.endswith("register") else {}
        assert_error(op.post(path, data="{nope", headers={**headers, "Content-Type": "application/json"}), 400,
                     "invalid_json")
        assert_error(op.post(path, json={}, headers=headers), 400, "invalid_request")
        assert_error(op.post(path, json={"id": "x", "response": {"clientDataJSON": "***"}}, headers=headers), 400,
                     "invalid_request")
    assert_error(op.post("/webauthn/login", json={"id": 5, "response": {}}), 400, "invalid_request")
    assert_error(op.post("/webauthn/register/options", headers=bearer(access), json={}), 400, "password_required")
    assert_error(op.post("/webauthn/register/options", json={"password": PASSWORD}), 401, "token_missing")
    assert_error(op.post("/login/mfa/passkey/options", json={}), 400, "invalid_request")
    assert_error(op.post("/login/mfa/passkey/options", json={"mfa_token": "x" * 20}), 401, "invalid_mfa_token")
    assert_error(op.post("/login/mfa", json={"mfa_token": "x", "passkey": "nope"}), 400, "invalid_request")
    # Garbage that decodes: refused as a passkey, never a 5xx.
    junk = {"id": "AAAA", "response": {"clientDataJSON": "e30", "authenticatorData": "AAAA", "signature": "AAAA"}}
    assert_error(op.post("/webauthn/login", json=junk), 401, "invalid_passkey")
    r = op.post("/webauthn/register/options", headers=bearer(access), json={"password": PASSWORD})
    assert_error(op.post("/webauthn/register", headers=bearer(access),
                         json={"response": {"clientDataJSON": "e30", "attestationObject": "oA"}}), 401,
                 "invalid_passkey")


def test_on_an_ip_address_passkeys_are_off_and_say_so(server):
    r = server.post("/webauthn/login/options")
    assert_error(r, 403, "passkeys_unavailable")
    assert any(e.get("event") == "mfa.passkeys_off" for e in server.log_events())
