"""Second factors through the JSON API: an authenticator app (TOTP, codes
from pyotp, not from our code) and recovery codes; /login's second step
(401 mfa_required, then /login/mfa); a code accepted once; five wrong codes;
the step bound to its caller; the fresh password each change asks for; and
bad input on every new endpoint."""
import json
import time

import pyotp
import pytest

from conftest import PASSWORD, assert_error, bearer, direct_session, login, new_user, protected

DATA_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
ADMIN_TOKEN = "admin-token-for-the-mfa-e2e-tests-0123456789-abcdef"


@pytest.fixture(scope="module")
def mfa_server(tmp_path_factory):
    from conftest import module_server

    yield from module_server(tmp_path_factory, "mfa", {"DATA_ENCRYPTION_KEY": DATA_KEY, "ADMIN_TOKEN": ADMIN_TOKEN})


def totp_of(setup):
    return pyotp.parse_uri(setup["otpauth_uri"])


def later_code(totp):
    """A code of the next time step (one step of drift is accepted): never
    the step a code was just taken for, however fast the test runs."""
    return totp.at(time.time() + 30)


def enrol(s, access_token):
    r = s.post("/account/mfa/totp", headers=bearer(access_token), json={"password": PASSWORD})
    assert r.status_code == 201, r.text
    setup = r.json()
    totp = totp_of(setup)
    r = s.post("/account/mfa/totp/confirm", headers=bearer(access_token), json={"code": totp.now()})
    assert r.status_code == 200, r.text
    return totp, r.json().get("recovery_codes", [])


def mfa_required(s, name):
    r = s.post("/login", json={"username": name, "password": PASSWORD})
    assert r.status_code == 401, r.text
    body = r.json()
    assert body["error"] == "mfa_required"
    assert r.headers["Cache-Control"] == "no-store"
    return body


def test_totp_setup_then_login_needs_the_code(mfa_server):
    s = mfa_server
    name = new_user(s)
    tokens = login(s, name)
    r = s.get("/account/mfa", headers=bearer(tokens["access_token"]))
    assert r.status_code == 200
    assert r.json() == {"mfa_required": False, "totp": {"enabled": False, "pending": False, "available": True},
                        "recovery_codes": {"remaining": 0}, "methods": []}

    r = s.post("/account/mfa/totp", headers=bearer(tokens["access_token"]), json={"password": PASSWORD})
    assert r.status_code == 201, r.text
    setup = r.json()
    assert r.headers["Cache-Control"] == "no-store"
    assert setup["otpauth_uri"].startswith("otpauth://totp/")
    assert setup["qr_svg"].startswith("<svg")
    totp = totp_of(setup)
    assert totp.digits == 6 and totp.interval == 30 and totp.digest().name == "sha1"
    assert totp.secret == setup["secret"].replace(" ", "")
    assert s.get("/account/mfa", headers=bearer(tokens["access_token"])).json()["totp"]["pending"] is True
    # Pending: a login still needs only the password.
    login(s, name)

    assert_error(s.post("/account/mfa/totp/confirm", headers=bearer(tokens["access_token"]),
                        json={"code": "000000" if totp.now() != "000000" else "111111"}), 401, "invalid_mfa_code")
    r = s.post("/account/mfa/totp/confirm", headers=bearer(tokens["access_token"]), json={"code": totp.now()})
    assert r.status_code == 200, r.text
    codes = r.json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    status = s.get("/account/mfa", headers=bearer(tokens["access_token"])).json()
    assert status["mfa_required"] is True and status["totp"]["enabled"] is True
    assert status["recovery_codes"]["remaining"] == 10
    assert status["methods"] == ["totp", "recovery_code"]

    body = mfa_required(s, name)
    assert body["methods"] == ["totp", "recovery_code"] and body["expires_in"] == 300
    assert set(body) == {"error", "message", "mfa_token", "methods", "expires_in"}
    r = s.post("/login/mfa", json={"mfa_token": body["mfa_token"], "totp_code": later_code(totp)})
    assert r.status_code == 200, r.text
    assert protected(s, r.json()["access_token"]).status_code == 200
    # The same code again, on a new step: taken once; and a code of an older step.
    again = mfa_required(s, name)
    assert_error(s.post("/login/mfa", json={"mfa_token": again["mfa_token"], "totp_code": later_code(totp)}),
                 401, "invalid_mfa_code")
    assert_error(s.post("/login/mfa", json={"mfa_token": again["mfa_token"], "totp_code": totp.now()}),
                 401, "invalid_mfa_code")


def test_the_enrolment_code_is_spent_too(mfa_server):
    s = mfa_server
    name = new_user(s)
    tokens = login(s, name)
    r = s.post("/account/mfa/totp", headers=bearer(tokens["access_token"]), json={"password": PASSWORD})
    totp = totp_of(r.json())
    code = totp.now()
    assert s.post("/account/mfa/totp/confirm", headers=bearer(tokens["access_token"]),
                  json={"code": code}).status_code == 200
    body = mfa_required(s, name)
    assert_error(s.post("/login/mfa", json={"mfa_token": body["mfa_token"], "totp_code": code}), 401,
                 "invalid_mfa_code")


def test_recovery_codes_work_once_and_new_ones_void_the_old(mfa_server):
    s = mfa_server
    name = new_user(s)
    tokens = login(s, name)
    _, codes = enrol(s, tokens["access_token"])
    body = mfa_required(s, name)
    r = s.post("/login/mfa", json={"mfa_token": body["mfa_token"], "recovery_code": codes[0].upper()})
    assert r.status_code == 200, r.text
    body = mfa_required(s, name)
    assert_error(s.post("/login/mfa", json={"mfa_token": body["mfa_token"], "recovery_code": codes[0]}), 401,
                 "invalid_mfa_code")
    r = s.post("/account/mfa/recovery_codes", headers=bearer(tokens["access_token"]), json={"password": PASSWORD})
    assert r.status_code == 201, r.text
    fresh = r.json()["recovery_codes"]
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    body = mfa_required(s, name)
    assert_error(s.post("/login/mfa", json={"mfa_token": body["mfa_token"], "recovery_code": codes[1]}), 401,
                 "invalid_mfa_code")
    r = s.post("/login/mfa", json={"mfa_token": body["mfa_token"], "recovery_code": fresh[1]})
    assert r.status_code == 200, r.text


def test_five_wrong_codes_spend_the_step(mfa_server):
    s = mfa_server
    name = new_user(s)
    totp, _ = enrol(s, login(s, name)["access_token"])
    token = mfa_required(s, name)["mfa_token"]
    for _ in range(5):
        assert_error(s.post("/login/mfa", json={"mfa_token": token, "recovery_code": "aaaa-bbbb-cccc-dddd-eeee-ffff"}),
                     401, "invalid_mfa_code")
    assert_error(s.post("/login/mfa", json={"mfa_token": token, "totp_code": later_code(totp)}), 401,
                 "invalid_mfa_token")


def test_the_step_is_bound_to_its_user_agent(mfa_server):
    s = mfa_server
    name = new_user(s)
    totp, _ = enrol(s, login(s, name)["access_token"])
    token = mfa_required(s, name)["mfa_token"]
    other = direct_session()
    other.headers["User-Agent"] = "someone-else/1.0"
    assert_error(other.post(mfa_server.url("/login/mfa"), json={"mfa_token": token, "totp_code": later_code(totp)}),
                 401, "invalid_mfa_token")
    r = s.post("/login/mfa", json={"mfa_token": token, "totp_code": later_code(totp)})
    assert r.status_code == 200, r.text


def test_changes_ask_for_the_password(mfa_server):
    s = mfa_server
    name = new_user(s)
    access = login(s, name)["access_token"]
    for method, path in (("POST", "/account/mfa/totp"), ("DELETE", "/account/mfa/totp"),
                         ("POST", "/account/mfa/recovery_codes")):
        assert_error(s.request(method, path, headers=bearer(access), json={}), 400, "password_required")
        assert_error(s.request(method, path, headers=bearer(access), json={"password": "wrong password!"}), 401,
                     "invalid_credentials")
        assert_error(s.request(method, path, json={"password": PASSWORD}), 401, "token_missing")
    totp, _ = enrol(s, access)
    assert_error(s.post("/account/mfa/totp", headers=bearer(access), json={"password": PASSWORD}), 409, "factor_exists")
    r = s.request("DELETE", "/account/mfa/totp", headers=bearer(access), json={"password": PASSWORD})
    assert r.status_code == 200, r.text
    assert_error(s.request("DELETE", "/account/mfa/totp", headers=bearer(access), json={"password": PASSWORD}), 404,
                 "factor_not_found")
    assert_error(s.post("/account/mfa/totp/confirm", headers=bearer(access), json={"code": "123456"}), 404,
                 "factor_not_found")
    login(s, name)  # the password alone again


def test_bad_input_gets_a_clear_400(mfa_server):
    s = mfa_server
    name = new_user(s)
    access = login(s, name)["access_token"]
    enrol(s, access)
    token = mfa_required(s, name)["mfa_token"]
    cases = [
        ({}, "invalid_request"),
        ({"mfa_token": token}, "invalid_request"),
        ({"mfa_token": token, "totp_code": "123456", "recovery_code": "x"}, "invalid_request"),
        ({"mfa_token": token, "totp_code": 123456}, "invalid_request"),
        ({"mfa_token": ["x"], "totp_code": "123456"}, "invalid_request"),
    ]
    for body, code in cases:
        assert_error(s.post("/login/mfa", json=body), 400, code)
    assert_error(s.post("/login/mfa", data="{not json", headers={"Content-Type": "application/json"}), 400,
                 "invalid_json")
    assert_error(s.post("/login/mfa", json={"mfa_token": "x" * 5000, "totp_code": "123456"}), 401,
                 "invalid_mfa_token")
    assert_error(s.post("/login/mfa", json={"mfa_token": token, "totp_code": "12\r\n34"}), 401, "invalid_mfa_code")
    assert_error(s.post("/account/mfa/totp/confirm", headers=bearer(access), json={}), 400, "invalid_request")
    assert_error(s.post("/account/mfa/totp/confirm", headers=bearer(access), json={"code": 5}), 400,
                 "invalid_request")
    assert_error(s.post("/account/mfa/totp", headers={**bearer(access), "Content-Type": "application/json"},
                        data="[]"), 400, "invalid_json")


def test_without_a_data_key_totp_is_off_and_says_so(server):
    s = server
    name = new_user(s)
    access = login(s, name)["access_token"]
    assert_error(s.post("/account/mfa/totp", headers=bearer(access), json={"password": PASSWORD}), 403,
                 "totp_unavailable")
    assert s.get("/account/mfa", headers=bearer(access)).json()["totp"]["available"] is False
    assert any(e.get("event") == "mfa.totp_off" for e in server.log_events())
    # Recovery codes alone do not turn the second step on.
    r = s.post("/account/mfa/recovery_codes", headers=bearer(access), json={"password": PASSWORD})
    assert r.status_code == 201
    login(s, name)


def test_a_bad_data_key_stops_the_start(tmp_path):
    from conftest import run_to_exit

    r = run_to_exit(tmp_path, env={"DATA_ENCRYPTION_KEY": "too short"})
    assert r.code != 0
    assert "DATA_ENCRYPTION_KEY" in r.stderr


def test_an_administrator_lists_and_resets_a_users_factors(mfa_server):
    from conftest import run_cli

    s = mfa_server
    name = new_user(s)
    enrol(s, login(s, name)["access_token"])
    admin = bearer(ADMIN_TOKEN)
    r = s.get(f"/admin/users/{name}/factors", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json() == {"totp": {"enabled": True, "pending": False}, "recovery_codes": {"remaining": 10},
                        "passkeys": {"count": 0}}
    out = run_cli(s, "user", "factors", name, "--json")
    assert out.code == 0, out.stderr
    assert json.loads(out.stdout)["totp"]["enabled"] is True
    assert_error(s.get(f"/admin/users/{name}/factors"), 401, None)
    assert_error(s.get("/admin/users/nobody-here/factors", headers=admin), 404, "user_not_found")

    r = s.request("DELETE", f"/admin/users/{name}/factors", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json() == {"message": "Second factors removed", "factors_removed": 2}
    login(s, name)  # the password alone again
    events = s.get(f"/admin/users/{name}/audit", headers=admin).json()["events"]
    assert any(e["event"] == "mfa_reset" and e["actor"] == "admin-api" for e in events)

    # The command line does the same.
    enrol(s, login(s, name)["access_token"])
    out = run_cli(s, "user", "reset-factors", name)
    assert out.code == 0, out.stderr
    assert "removed" in out.stdout
    login(s, name)
    assert run_cli(s, "user", "reset-factors", "nobody-here").code != 0
