"""Email end to end through the JSON API, delivered to a real SMTP server
(aiosmtpd, STARTTLS with a self-signed certificate, AUTH required: see
mail_support.py): verifying an address, a forgotten password (and a second
factor on reset), changing the address, the security notices (and
MAIL_NOTICES), signing in with the address (LOGIN_WITH_EMAIL) or only with
a verified one (REQUIRE_VERIFIED_EMAIL), refused addresses (header
injection, lengths, syntax), mail turned off, the claims of the email
scope, the same answer time for a known and an unknown address, and a
durable outbox: a mail server down for 30 s, latchkey killed with -9 while
sending, messages given up and retried by an administrator."""
import contextlib
import json
import sqlite3
import re
import socket
import statistics
import time
import uuid

import pyotp
import pytest

from conftest import (PASSWORD, RFC3339_UTC, assert_error, bearer, direct_session, jwt_claims, login,
                      module_server, protected, refresh, run_cli, run_to_exit, unique_name)
from mail_support import (MAIL_FROM, MAIL_WAIT, PAGES, assert_well_formed, expect_mail, is_page_link,  # noqa: F401
                          link_in, mail_env, module_smtp, new_address, signup_with, smtp, smtp_cert, token_in,
                          verified_user, verify)
from oidc_support import ADMIN_TOKEN, Browser, code_from, register

DATA_KEY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
ADMIN = bearer(ADMIN_TOKEN)
NEW_PASSWORD = "a fresh passphrase 2024"
BAD_ADDRESSES = [
    "a@example.com\r\nBcc: x@example.com",
    "a@example.com\nBcc: x@example.com",
    "a@example.com\rBcc: x@example.com",
    "a@example.com\r\n",
    "a@example.com\x00",
    "plainaddress",
    "a@b@example.com",
    "a b@example.com",
    "a@exam ple.com",
    "@example.com",
    "a@",
    "Ann <a@example.com>",
    "x" * 243 + "@example.com",  # 255 characters
    "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 58 + ".com",  # 255 characters, every part short enough
]
NOTICES = {"new_device", "password_changed", "factor_added", "factor_removed", "email_changed"}


def settings(smtp, **extra):
    return mail_env(smtp, ADMIN_TOKEN=ADMIN_TOKEN, DATA_ENCRYPTION_KEY=DATA_KEY, **extra)


@pytest.fixture(scope="module")
def lk(module_smtp, tmp_path_factory):
    """One latchkey for the module's tests that need no setting of their own
    (each uses its own users and addresses), sending through module_smtp."""
    yield from module_server(tmp_path_factory, "mail", settings(module_smtp))


# -- helpers -------------------------------------------------------------------


def email_of(s, access):
    r = s.get("/account/email", headers=bearer(access))
    assert r.status_code == 200, r.text
    return r.json()


def forgot(s, address, **kw):
    r = s.post("/password/forgot", json={"email": address}, **kw)
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "accepted" and isinstance(body["message"], str) and body["message"], body
    return body


def reset_token(s, smtp, address):
    since = smtp.mark()
    forgot(s, address)
    return token_in(s, expect_mail(smtp, "reset_password", address, since=since), "/password/reset")


def reset(s, token, new_password=NEW_PASSWORD, **codes):
    return s.post("/password/reset", json={"token": token, "new_password": new_password, **codes})


def outbox(s, limit=None):
    r = s.get("/admin/mail" + (f"?limit={limit}" if limit else ""), headers=ADMIN)
    assert r.status_code == 200, r.text
    return r.json()["messages"]


def outbox_for(s, address, kind=None):
    return [m for m in outbox(s, 1000) if m["recipient"].lower() == address.lower() and kind in (None, m["kind"])]


def metric(s, name):
    text = s.get("/metrics").text
    m = re.search(rf"^{name}(?:{{[^}}]*}})? ([0-9.e+]+)$", text, re.M)
    assert m, f"{name} not in /metrics"
    return float(m.group(1))


def wait_outbox(s, done, timeout=MAIL_WAIT, what="the outbox"):
    deadline = time.monotonic() + timeout
    while True:
        messages = outbox(s, 1000)
        if done(messages):
            return messages
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not as expected within {timeout}s: {json.dumps(messages)[:3000]}")
        time.sleep(0.2)


def settle(s, smtp, since):
    """Waits until the outbox has nothing left to send (so any message a
    request queued has reached `smtp`); a sentinel: a mail queued after
    whatever came before it, and received."""
    address = new_address("sentinel")
    signup_with(s, address)
    smtp.wait_for(kind="verify_email", to=address, since=since)
    wait_outbox(s, lambda ms: all(m["status"] != "pending" for m in ms), what="an empty queue")


def enrol_totp(s, access):
    r = s.post("/account/mfa/totp", headers=bearer(access), json={"password": PASSWORD})
    assert r.status_code == 201, r.text
    totp = pyotp.parse_uri(r.json()["otpauth_uri"])
    r = s.post("/account/mfa/totp/confirm", headers=bearer(access), json={"code": totp.now()})
    assert r.status_code == 200, r.text
    return totp, r.json()["recovery_codes"]


def later_code(totp):
    return totp.at(time.time() + 30)


def wrong_code(totp):
    return "000000" if later_code(totp) != "000000" and totp.now() != "000000" else "111111"


def is_time(v):
    return isinstance(v, int) or (isinstance(v, str) and RFC3339_UTC.fullmatch(v))


# -- verifying an address ----------------------------------------------------------


def test_signup_with_an_address_then_verify_it(lk, module_smtp):
    s, smtp = lk, module_smtp
    local = unique_name("Ann.Lee+tag")
    typed, stored = f"{local}@Example.COM", f"{local}@example.com"
    name = signup_with(s, typed)
    access = login(s, name)["access_token"]
    assert email_of(s, access) == {"email": stored, "email_verified": False}

    m = expect_mail(smtp, "verify_email", stored)
    token = token_in(s, m, "/email/verify")
    assert email_of(s, access)["email_verified"] is False  # mail alone verifies nothing
    r = verify(s, token)
    assert r.status_code == 200, r.text
    assert r.json() == {"email": stored, "email_verified": True}
    assert email_of(s, access) == {"email": stored, "email_verified": True}
    # Once only.
    assert_error(verify(s, token), 400, "invalid_email_token")
    assert_error(s.get("/account/email"), 401, None)


def test_bad_verification_tokens_change_nothing(lk, module_smtp):
    s, smtp = lk, module_smtp
    # A reset token is no verification token, nor the other way round; neither is spent by the wrong use.
    name, address = verified_user(s, smtp)
    reset_tok = reset_token(s, smtp, address)
    other = new_address("unverified")
    other_name = signup_with(s, other)
    verify_tok = token_in(s, expect_mail(smtp, "verify_email", other), "/email/verify")
    access = login(s, other_name)["access_token"]

    for token in (reset_tok, "A" * 43, verify_tok[:-1], verify_tok + "A"):
        assert_error(verify(s, token), 400, "invalid_email_token")
    for body in ({}, {"token": ""}, {"token": 42}, {"token": None}, {"token": "x" * 5000}):
        assert_error(s.post("/email/verify", json=body), 400, None)
    assert_error(s.post("/email/verify", data="{not json", headers={"Content-Type": "application/json"}), 400, None)
    assert_error(reset(s, verify_tok), 400, "invalid_reset_token")
    assert email_of(s, access) == {"email": other, "email_verified": False}

    # Both still work for what they are.
    assert verify(s, verify_tok).status_code == 200
    r = reset(s, reset_tok)
    assert r.status_code == 200, r.text
    login(s, name, NEW_PASSWORD)


def test_a_new_verification_voids_the_older_one(lk, module_smtp):
    s, smtp = lk, module_smtp
    address = new_address("resend")
    name = signup_with(s, address)
    first = token_in(s, expect_mail(smtp, "verify_email", address), "/email/verify")
    access = login(s, name)["access_token"]
    since = smtp.mark()
    r = s.post("/account/email/resend", headers=bearer(access))
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "verification_sent"
    second = token_in(s, expect_mail(smtp, "verify_email", address, since=since), "/email/verify")
    assert second != first
    assert_error(verify(s, first), 400, "invalid_email_token")
    assert verify(s, second).status_code == 200
    assert_error(s.post("/account/email/resend", headers=bearer(access)), 409, "email_already_verified")
    assert_error(s.post("/account/email/resend"), 401, None)

    bare = unique_name("noaddress")
    r = s.post("/signup", json={"username": bare, "password": PASSWORD})
    assert r.status_code == 201, r.text
    bare_access = login(s, bare)["access_token"]
    assert email_of(s, bare_access) == {"email": None, "email_verified": False}
    assert_error(s.post("/account/email/resend", headers=bearer(bare_access)), 400, "no_email")


def test_an_address_verified_by_another_user_first_is_taken(lk, module_smtp):
    s, smtp = lk, module_smtp
    address = new_address("contested")
    a = signup_with(s, address)
    a_token = token_in(s, expect_mail(smtp, "verify_email", address), "/email/verify")
    since = smtp.mark()
    b = signup_with(s, address)
    b_token = token_in(s, expect_mail(smtp, "verify_email", address, since=since), "/email/verify")
    assert verify(s, a_token).status_code == 200
    assert_error(verify(s, b_token), 409, "email_taken")
    assert email_of(s, login(s, b)["access_token"]) == {"email": address, "email_verified": False}
    assert email_of(s, login(s, a)["access_token"]) == {"email": address, "email_verified": True}


# -- a forgotten password -------------------------------------------------------------


def test_forgot_password_then_reset_ends_every_session(lk, module_smtp):
    s, smtp = lk, module_smtp
    name, address = verified_user(s, smtp)
    first, second = login(s, name), login(s, name)
    since = smtp.mark()
    token = reset_token(s, smtp, address)
    r = reset(s, token)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "password_reset" and r.json()["sessions_ended"] == 2, r.text

    for tokens in (first, second):
        assert protected(s, tokens["access_token"]).status_code == 401
        assert refresh(s, tokens["refresh_token"]).status_code == 401
    assert_error(s.post("/login", json={"username": name, "password": PASSWORD}), 401, "invalid_credentials")
    login(s, name, NEW_PASSWORD)
    notice = expect_mail(smtp, "password_changed", address, since=since)
    assert token not in notice.raw.decode(errors="replace")
    # The token is spent.
    assert_error(reset(s, token, "yet another passphrase 7"), 400, "invalid_reset_token")
    login(s, name, NEW_PASSWORD)


def test_forgot_answers_the_same_for_an_unknown_or_unverified_address(lk, module_smtp):
    s, smtp = lk, module_smtp
    since = smtp.mark()
    _, known = verified_user(s, smtp)
    unverified = new_address("notverified")
    signup_with(s, unverified)
    unknown = new_address("nobody")
    # A Host header of the request's choosing changes no link.
    bodies = [forgot(s, a, headers={"Host": "evil.example"}) for a in (known, unverified, unknown)]
    assert bodies[0] == bodies[1] == bodies[2]
    token_in(s, expect_mail(smtp, "reset_password", known, since=since), "/password/reset")
    settle(s, smtp, since)
    assert smtp.messages("reset_password", unverified, since) == []
    assert smtp.messages(None, unknown, since) == []
    assert outbox_for(s, unknown) == [] and outbox_for(s, unverified, "reset_password") == []


def test_reset_with_a_second_factor_needs_a_code(lk, module_smtp):
    s, smtp = lk, module_smtp
    name, address = verified_user(s, smtp)
    since = smtp.mark()
    access = login(s, name)["access_token"]
    totp, recovery = enrol_totp(s, access)
    expect_mail(smtp, "factor_added", address, since=since)

    token = reset_token(s, smtp, address)
    assert_error(reset(s, token), 401, "mfa_code_required")
    assert_error(reset(s, token), 401, "mfa_code_required")  # not spent
    r = reset(s, token, totp_code=later_code(totp))
    assert r.status_code == 200, r.text
    # The second factor stays.
    r = s.post("/login", json={"username": name, "password": NEW_PASSWORD})
    assert r.status_code == 401 and r.json()["error"] == "mfa_required", r.text

    token = reset_token(s, smtp, address)
    assert_error(reset(s, token, "third passphrase 333", totp_code=wrong_code(totp)), 401, "invalid_mfa_code")
    token = reset_token(s, smtp, address)
    r = reset(s, token, "third passphrase 333", recovery_code=recovery[0])
    assert r.status_code == 200, r.text
    r = s.post("/login", json={"username": name, "password": "third passphrase 333"})
    assert r.status_code == 401 and r.json()["error"] == "mfa_required", r.text

    since = smtp.mark()
    r = s.post("/login", json={"username": name, "password": "third passphrase 333"})
    r = s.post("/login/mfa", json={"mfa_token": r.json()["mfa_token"], "recovery_code": recovery[1]})
    assert r.status_code == 200, r.text
    r = s.request("DELETE", "/account/mfa/totp", headers=bearer(r.json()["access_token"]),
                  json={"password": "third passphrase 333"})
    assert r.status_code == 200, r.text
    expect_mail(smtp, "factor_removed", address, since=since)


def test_a_weak_new_password_keeps_the_token(lk, module_smtp):
    s, smtp = lk, module_smtp
    name, address = verified_user(s, smtp)
    token = reset_token(s, smtp, address)
    for weak in ("short", "password", "iloveyou", name):
        assert_error(reset(s, token, weak), 400, "weak_password")
    for body in ({"token": token}, {"token": token, "new_password": 5}, {"new_password": NEW_PASSWORD}):
        assert_error(s.post("/password/reset", json=body), 400, None)
    for token_value in ("", "A" * 43, "x" * 5000):
        assert_error(reset(s, token_value), 400, None)
    login(s, name)  # unchanged so far
    r = reset(s, token)
    assert r.status_code == 200, r.text
    login(s, name, NEW_PASSWORD)


# -- changing the address ------------------------------------------------------------


def test_change_the_address(lk, module_smtp):
    s, smtp = lk, module_smtp
    name, old = verified_user(s, smtp)
    access = login(s, name)["access_token"]
    new = new_address("moved")
    assert_error(s.post("/account/email", json={"email": new, "password": PASSWORD}), 401, None)
    assert_error(s.post("/account/email", headers=bearer(access), json={"email": new, "password": "wrong password"}),
                 401, "invalid_credentials")
    assert_error(s.post("/account/email", headers=bearer(access), json={"email": "not an address",
                                                                         "password": PASSWORD}), 400, "invalid_email")
    r = s.post("/account/email", headers=bearer(access), json={"email": new})  # no password
    assert_error(r, r.status_code if r.status_code in (400, 401) else 400, None)
    since = smtp.mark()
    r = s.post("/account/email", headers=bearer(access), json={"email": new, "password": PASSWORD})
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "verification_sent" and r.json()["email"] == new
    token = token_in(s, expect_mail(smtp, "verify_email", new, since=since), "/email/verify")
    # Until it is verified the old address stays, and still gets a reset.
    assert email_of(s, access) == {"email": old, "email_verified": True}
    assert smtp.messages("email_changed", old, since) == []
    reset_token(s, smtp, old)

    r = verify(s, token)
    assert r.status_code == 200, r.text
    assert r.json() == {"email": new, "email_verified": True}
    notice = expect_mail(smtp, "email_changed", old, since=since)
    assert new in notice.text
    assert email_of(s, access) == {"email": new, "email_verified": True}
    # The old address is no longer this account's.
    since = smtp.mark()
    forgot(s, old)
    reset_token(s, smtp, new)
    settle(s, smtp, since)
    assert smtp.messages("reset_password", old, since) == []


# -- security notices -----------------------------------------------------------------


def test_a_sign_in_from_a_new_device_is_told(lk, module_smtp):
    s, smtp = lk, module_smtp
    name, address = verified_user(s, smtp)
    since = smtp.mark()
    first = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}
    login(s, name, headers=first)
    login(s, name, headers=first)
    login(s, name, headers={"User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15"})
    m = expect_mail(smtp, "new_device", address, since=since)
    assert "Safari" in m.text, m.text  # which device
    settle(s, smtp, since)
    assert len(smtp.messages("new_device", address, since)) == 1
    assert len(outbox_for(s, address, "new_device")) == 1


def test_notices_go_only_to_a_verified_address(lk, module_smtp):
    s, smtp = lk, module_smtp
    since = smtp.mark()
    address = new_address("quiet")
    name = signup_with(s, address)
    login(s, name, headers={"User-Agent": "agent-one/1.0"})
    access = login(s, name, headers={"User-Agent": "agent-two/1.0"})["access_token"]
    enrol_totp(s, access)
    settle(s, smtp, since)
    assert [m.kind for m in smtp.messages(None, address, since)] == ["verify_email"]


@pytest.mark.parametrize("notices", ["none", "password_changed,factor_added"])
def test_mail_notices_chooses_which_are_sent(smtp, server_factory, notices):
    s = server_factory(env=settings(smtp, MAIL_NOTICES=notices))
    wanted = set() if notices == "none" else set(notices.split(","))
    name, address = verified_user(s, smtp)
    login(s, name, headers={"User-Agent": "agent-one/1.0"})
    access = login(s, name, headers={"User-Agent": "agent-two/1.0"})["access_token"]  # new_device
    enrol_totp(s, access)  # factor_added
    r = s.request("DELETE", "/account/mfa/totp", headers=bearer(access), json={"password": PASSWORD})
    assert r.status_code == 200, r.text  # factor_removed
    assert reset(s, reset_token(s, smtp, address)).status_code == 200  # password_changed
    access = login(s, name, NEW_PASSWORD, headers={"User-Agent": "agent-one/1.0"})["access_token"]
    new = new_address("moved")
    r = s.post("/account/email", headers=bearer(access), json={"email": new, "password": NEW_PASSWORD})
    assert r.status_code == 202, r.text
    assert verify(s, token_in(s, expect_mail(smtp, "verify_email", new), "/email/verify")).status_code == 200
    for kind in wanted:
        expect_mail(smtp, kind, address)
    settle(s, smtp, 0)
    kinds = {m.kind for m in smtp.messages()}
    assert kinds & NOTICES == wanted, kinds
    assert {m["kind"] for m in outbox(s, 1000)} & NOTICES == wanted


# -- signing in with the address -----------------------------------------------------------


def test_login_with_a_verified_address(smtp, server_factory, lk, module_smtp):
    s = server_factory(env=settings(smtp, LOGIN_WITH_EMAIL="on"))
    name, address = verified_user(s, smtp)
    r = s.post("/login", json={"username": address, "password": PASSWORD})
    assert r.status_code == 200, r.text
    assert_error(s.post("/login", json={"username": address, "password": "wrong password"}), 401,
                 "invalid_credentials")
    unverified = new_address("pending")
    signup_with(s, unverified)
    assert_error(s.post("/login", json={"username": unverified, "password": PASSWORD}), 401, "invalid_credentials")
    # Off by default.
    _, elsewhere = verified_user(lk, module_smtp)
    assert_error(lk.post("/login", json={"username": elsewhere, "password": PASSWORD}), 401, "invalid_credentials")


def test_require_verified_email(smtp, server_factory):
    s = server_factory(env=settings(smtp, REQUIRE_VERIFIED_EMAIL="on"))
    address = new_address("mustverify")
    name = signup_with(s, address)
    first = token_in(s, expect_mail(smtp, "verify_email", address), "/email/verify")
    since = smtp.mark()
    r = s.post("/login", json={"username": name, "password": PASSWORD})
    assert r.status_code == 403, r.text
    assert r.json()["error"] == "email_unverified"
    fresh = token_in(s, expect_mail(smtp, "verify_email", address, since=since), "/email/verify")
    assert fresh != first
    # A wrong password is told nothing about the address.
    assert_error(s.post("/login", json={"username": name, "password": "wrong password"}), 401, "invalid_credentials")
    assert verify(s, fresh).status_code == 200
    login(s, name)

    bare = unique_name("noaddress")
    assert s.post("/signup", json={"username": bare, "password": PASSWORD}).status_code == 201
    r = s.post("/login", json={"username": bare, "password": PASSWORD})
    assert r.status_code == 403 and r.json()["error"] == "email_unverified", r.text


# -- refused addresses ---------------------------------------------------------------------


def test_bad_addresses_are_refused_and_nothing_is_sent(lk, module_smtp):
    s, smtp = lk, module_smtp
    since = smtp.mark()
    name = unique_name("tidy")
    access = login(s, signup_with(s, new_address("tidy"), name=name))["access_token"]
    for bad in BAD_ADDRESSES:
        who = unique_name("bad")
        assert_error(s.post("/signup", json={"username": who, "password": PASSWORD, "email": bad}), 400,
                     "invalid_email")
        assert_error(s.post("/login", json={"username": who, "password": PASSWORD}), 401, "invalid_credentials")
        assert_error(s.post("/password/forgot", json={"email": bad}), 400, "invalid_email")
        assert_error(s.post("/account/email", headers=bearer(access), json={"email": bad, "password": PASSWORD}),
                     400, "invalid_email")
    for bad in (42, None, ["a@example.com"], {"a": "b"}):
        if bad is not None:  # null: no address, as when the field is left out
            assert_error(s.post("/signup", json={"username": unique_name("bad"), "password": PASSWORD,
                                                 "email": bad}), 400, None)
        assert_error(s.post("/password/forgot", json={"email": bad}), 400, None)
    assert_error(s.post("/password/forgot", json={}), 400, None)
    assert_error(s.post("/password/forgot", json={"email": ""}), 400, None)
    # A user name with a line break, with a good address: refused, nothing sent.
    injected = new_address("inj")
    for who in (f"bob{unique_name()}\r\nBcc: x@example.com", f"bob{unique_name()}\nSubject: hi"):
        assert_error(s.post("/signup", json={"username": who, "password": PASSWORD, "email": injected}), 400, None)
    # 254 characters is the longest address there is, and fine.
    longest = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + ("d" + uuid.uuid4().hex)[:57].ljust(57, "d") + ".com"
    assert len(longest) == 254
    signup_with(s, longest)
    expect_mail(smtp, "verify_email", longest, since=since)
    settle(s, smtp, since)
    recipients = {r.lower() for m in smtp.messages(since=since) for r in m.rcpt_tos}
    assert "x@example.com" not in recipients and injected not in recipients, recipients
    for m in smtp.messages(since=since):
        assert m.msg.get("Bcc") is None
    assert "x@example.com" not in {m["recipient"] for m in outbox(s, 1000)}
    assert email_of(s, access)["email"] != "x@example.com"


# -- mail turned off ----------------------------------------------------------------------


def test_without_smtp_mail_is_off(server_factory):
    s = server_factory(env={"ADMIN_TOKEN": ADMIN_TOKEN})
    address = new_address("offline")
    name = signup_with(s, address)
    access = login(s, name)["access_token"]
    assert email_of(s, access) == {"email": address, "email_verified": False}
    assert_error(s.post("/password/forgot", json={"email": address}), 403, "mail_unavailable")
    assert_error(s.post("/account/email", headers=bearer(access), json={"email": new_address(), "password": PASSWORD}),
                 403, "mail_unavailable")
    sign_in = direct_session().get(s.url("/account"), timeout=10)  # the sign-in page
    assert sign_in.status_code == 200 and 'name="password"' in sign_in.text
    assert not any(p in sign_in.text for p in PAGES["/password/forgot"])


def test_links_start_with_public_url(smtp, server_factory):
    s = server_factory(env=settings(smtp, PUBLIC_URL="https://login.example.test"))
    address = new_address("public")
    signup_with(s, address)
    link = link_in(expect_mail(smtp, "verify_email", address))
    assert is_page_link(link, "https://login.example.test", "/email/verify"), link
    sign_in = direct_session().get(s.url("/account"), timeout=10)
    assert sign_in.status_code == 200  # mail on: the way out is offered
    assert any(p in sign_in.text for p in PAGES["/password/forgot"]), sign_in.text


def test_a_theme_replaces_a_message(smtp, server_factory, tmp_path):
    """THEME_DIR/mail/<kind>.txt and .html replace the built-in parts; a
    broken one stops the start with its name."""
    theme = tmp_path / "theme"
    (theme / "mail").mkdir(parents=True)
    (theme / "mail" / "verify_email.txt").write_text("Subject: Bienvenue chez Acmé\n\nBonjour {{username}}: {{link}}\n",
                                                          encoding="utf-8")
    (theme / "mail" / "verify_email.html").write_text("<p>Bonjour {{username}}: <a href=\"{{link}}\">ici</a></p>\n")
    s = server_factory(env=settings(smtp, THEME_DIR=str(theme)))
    address = new_address("theme")
    name = signup_with(s, address)
    m = expect_mail(smtp, "verify_email", address)
    assert m.subject == "Bienvenue chez Acmé"
    assert b"\r\nSubject: =?UTF-8?B?" in m.raw  # RFC 2047: a header is ASCII
    assert m.text.startswith(f"Bonjour {name}: http")
    assert "ici</a>" in m.html
    (theme / "mail" / "verify_email.html").write_text("<p>{{#open}}never closed</p>\n")
    out = run_to_exit(tmp_path, env={"THEME_DIR": str(theme)})
    assert out.code != 0 and "verify_email.html" in out.stderr, out.stderr


@pytest.mark.parametrize("env,needle", [
    ({"SMTP_URL": "smtp://127.0.0.1:2525"}, "MAIL_FROM"),
    ({"SMTP_URL": "smtp://mail.example.com:25", "SMTP_STARTTLS": "off", "MAIL_FROM": MAIL_FROM}, "SMTP_STARTTLS"),
])
def test_a_bad_mail_setting_stops_the_start(tmp_path, env, needle):
    out = run_to_exit(tmp_path, env=env)
    assert out.code != 0
    assert needle in out.stderr, out.stderr


@pytest.mark.parametrize("change", ["no CA file", "wrong password"])
def test_an_untrusted_server_or_a_wrong_login_delivers_nothing(smtp, server_factory, change):
    env = settings(smtp)
    if change == "no CA file":
        del env["SMTP_CA_FILE"]  # the self-signed certificate is not trusted
    else:
        env["SMTP_PASSWORD"] = "not-the-password"
    s = server_factory(env=env)
    address = new_address("never")
    signup_with(s, address)
    messages = wait_outbox(s, lambda ms: any(m["recipient"] == address and m["attempts"] >= 2 for m in ms),
                           what="two failed attempts")
    (m,) = [m for m in messages if m["recipient"] == address]
    assert m["status"] == "pending" and m["last_error"] and m["sent_at"] is None, m
    assert "not-the-password" not in json.dumps(messages) and "smtp-secret" not in json.dumps(messages)
    assert smtp.messages() == []
    assert "not-the-password" not in s.log and "smtp-secret" not in s.log


@pytest.mark.parametrize("relay", ["silent", "slow to accept the data"])
def test_an_unresponsive_mail_server_holds_nothing_up(smtp, server_factory, relay):
    """A relay that accepts connections and never says a word, or one that
    holds back its answer to the message: requests still answer at once, and
    a stop takes no longer than usual (conftest's STOP_TIMEOUT)."""
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(16)  # the kernel completes each connection; nobody ever speaks
    try:
        if relay == "silent":
            s = server_factory(env=settings(smtp, SMTP_URL=f"smtp://127.0.0.1:{hole.getsockname()[1]}"))
        else:
            smtp.delay = 120.0
            s = server_factory(env=settings(smtp))
        t = time.perf_counter()
        signup_with(s, new_address("hole"))
        if relay == "silent":
            time.sleep(1.5)  # the sender is waiting for a greeting
        else:
            smtp.wait_for(kind="verify_email")  # the sender is waiting for the answer to its message
        signup_with(s, new_address("hole"))
        assert s.get("/healthz").status_code == 200
        assert time.perf_counter() - t < 5
        t = time.perf_counter()
        assert s.stop() == 0  # within STOP_TIMEOUT, or the test fails
        print(f"stopped in {time.perf_counter() - t:.2f} s")
    finally:
        hole.close()


# -- administration and accounts made by an administrator ----------------------------------


def test_an_administrator_gives_an_address(lk, module_smtp):
    s, smtp = lk, module_smtp
    name, address = unique_name("byadmin"), new_address("byadmin")
    r = s.post("/admin/users", headers=ADMIN, json={"username": name, "password": PASSWORD, "email": address,
                                                     "email_verified": True})
    assert r.status_code == 201, r.text
    assert email_of(s, login(s, name)["access_token"]) == {"email": address, "email_verified": True}
    reset_token(s, smtp, address)
    assert_error(s.post("/admin/users", headers=ADMIN, json={"username": unique_name(), "password": PASSWORD,
                                                             "email": "a@b@example.com"}), 400, "invalid_email")

    cli_name, cli_address = unique_name("bycli"), new_address("bycli")
    out = run_cli(s, "user", "add", cli_name, "--email", cli_address, input=PASSWORD + "\n")
    assert out.code == 0, out
    assert email_of(s, login(s, cli_name)["access_token"])["email"] == cli_address


# -- the claims of the email scope ---------------------------------------------------------


def test_userinfo_and_id_token_carry_the_address(lk, module_smtp):
    s, smtp = lk, module_smtp
    name, address = verified_user(s, smtp)
    client = register(s, first_party=True, scope="openid profile email")
    redirect = client["redirect_uris"][0]
    for scope, claims in (("openid email", {"email": address, "email_verified": True}), ("openid profile", {})):
        browser = Browser(s)
        page = browser.authorize({"response_type": "code", "client_id": client["client_id"], "redirect_uri": redirect,
                                  "scope": scope, "state": "st", "nonce": "n"})
        assert page.status_code == 200, page.text[:500]
        code = code_from(browser.sign_in(page, name, PASSWORD), redirect)["code"]
        r = direct_session().post(s.url("/token"), data={"grant_type": "authorization_code", "code": code,
                                                         "redirect_uri": redirect},
                                  auth=(client["client_id"], client["client_secret"]), timeout=10)
        assert r.status_code == 200, r.text
        id_claims = jwt_claims(r.json()["id_token"])
        info = s.get("/userinfo", headers=bearer(r.json()["access_token"]))
        assert info.status_code == 200, info.text
        for got in (id_claims, info.json()):
            assert {k: got[k] for k in ("email", "email_verified") if k in got} == claims, got


# -- the same answer, as fast, for any address -------------------------------------------


def test_forgot_takes_as_long_for_an_unknown_address(lk, module_smtp):
    s, smtp = lk, module_smtp
    _, known = verified_user(s, smtp)
    unknown = new_address("ghost")

    def timed(address):
        t = time.perf_counter()
        r = s.post("/password/forgot", json={"email": address})
        took = time.perf_counter() - t
        assert r.status_code == 202, r.text
        return took

    for _ in range(5):
        timed(known), timed(unknown)
    known_times, unknown_times = [], []
    for i in range(30):
        order = (known, unknown) if i % 2 == 0 else (unknown, known)
        for address in order:
            (known_times if address == known else unknown_times).append(timed(address))
    k, u = statistics.median(known_times), statistics.median(unknown_times)
    print(f"/password/forgot median: known {k * 1000:.2f} ms, unknown {u * 1000:.2f} ms, "
          f"difference {(k - u) * 1000:+.2f} ms")
    assert abs(k - u) <= max(0.005, 0.25 * max(k, u)), (known_times, unknown_times)


# -- a durable outbox ---------------------------------------------------------------------------


def test_a_mail_server_down_for_30_seconds(smtp, server_factory):
    # settings() sets a data encryption key: a link waits in the outbox sealed.
    s = server_factory(env=settings(smtp))
    name, address = verified_user(s, smtp)
    sent_before = metric(s, "latchkey_mail_sent_total")
    smtp.stop()
    started = time.monotonic()
    t = time.perf_counter()
    forgot(s, address)
    assert time.perf_counter() - t < 2.0  # the answer does not wait for the mail server
    wait_outbox(s, lambda ms: any(m["kind"] == "reset_password" and m["attempts"] >= 2 for m in ms), timeout=15,
                what="two failed attempts")
    time.sleep(max(0.0, started + 28 - time.monotonic()))
    (m,) = outbox_for(s, address, "reset_password")
    assert m["status"] == "pending" and m["attempts"] >= 3 and m["last_error"], m
    assert m["sent_at"] is None and m["gave_up_at"] is None and is_time(m["next_attempt_at"]), m
    assert metric(s, "latchkey_mail_failed_total") >= 3
    assert metric(s, "latchkey_mail_pending") >= 1
    listed_while_down = json.dumps(outbox(s, 1000))
    with contextlib.closing(sqlite3.connect(f"file:{s.workdir / 'latchkey.db'}?mode=ro", uri=True)) as db:
        (detail,) = db.execute("SELECT detail FROM mail_outbox WHERE kind = 'reset_password'").fetchone()
    assert "sealed_link" in detail and "token=" not in detail, detail

    smtp.start()
    mail = expect_mail(smtp, "reset_password", address, timeout=45)
    token = token_in(s, mail, "/password/reset")
    assert token not in listed_while_down and token not in s.log
    messages = wait_outbox(s, lambda ms: any(x["kind"] == "reset_password" and x["status"] == "sent" for x in ms),
                           what="the message noted as sent")
    (m,) = [x for x in messages if x["kind"] == "reset_password"]
    assert is_time(m["sent_at"]) and m["attempts"] >= 4, m
    assert token not in json.dumps(outbox(s, 1000))
    assert metric(s, "latchkey_mail_sent_total") >= sent_before + 1
    assert reset(s, token).status_code == 200
    login(s, name, NEW_PASSWORD)


def test_kill_9_while_sending_loses_no_mail(smtp, server_factory):
    s = server_factory(env=settings(smtp))
    smtp.delay = 5.0  # every reply to DATA held back: the sender waits, mid-message, when it is killed
    addresses = [new_address(f"durable{i}") for i in range(5)]
    for a in addresses:
        signup_with(s, a)
    smtp.wait_for(kind="verify_email", timeout=MAIL_WAIT)
    s.kill9()
    in_flight = [m for m in smtp.messages() if not m.acknowledged]
    assert in_flight, "the first message should still be waiting for its 250"
    smtp.delay = 0.0
    s.start()

    def all_there(mails):
        got = {a: [m for m in mails if m.kind == "verify_email" and m.addressed_to(a)] for a in addresses}
        ids = [m.message_id for m in mails]
        return all(got.values()) and all(ids.count(m.message_id) >= 2 for m in in_flight)

    smtp.wait_until(all_there, timeout=30, what="every message, and the one in flight again")
    ids = {}
    for a in addresses:
        copies = smtp.messages("verify_email", a)
        for m in copies:
            assert_well_formed(m, a)
        assert len({m.message_id for m in copies}) == 1, copies  # a resend keeps its Message-ID
        assert len({link_in(m) for m in copies}) == 1
        ids[a] = copies[0].message_id
        assert verify(s, token_in(s, copies[-1], "/email/verify")).status_code == 200
    assert len(set(ids.values())) == len(addresses)


def test_given_up_mail_is_listed_and_retried(smtp, server_factory):
    s = server_factory(env=settings(smtp, MAIL_MAX_ATTEMPTS="1"))
    name, address = verified_user(s, smtp)
    smtp.stop()
    forgot(s, address)
    later = new_address("later")
    signup_with(s, later)

    def given_up(ms):
        return sum(1 for m in ms if m["status"] == "failed") >= 2
    messages = wait_outbox(s, given_up, what="two messages given up")
    failed = {m["recipient"] + " " + m["kind"]: m for m in messages if m["status"] == "failed"}
    reset_msg, later_msg = failed[f"{address} reset_password"], failed[f"{later} verify_email"]
    for m in (reset_msg, later_msg):
        assert m["attempts"] == 1 and m["last_error"] and is_time(m["gave_up_at"]) and m["sent_at"] is None, m
        assert is_time(m["created_at"]) and isinstance(m["id"], int), m
    (sent,) = [m for m in messages if m["recipient"] == address and m["kind"] == "verify_email"]
    assert sent["status"] == "sent" and is_time(sent["sent_at"]) and sent["gave_up_at"] is None, sent
    assert messages[0]["id"] == later_msg["id"]  # newest first
    assert [m["id"] for m in outbox(s, 1)] == [later_msg["id"]]
    assert metric(s, "latchkey_mail_gave_up_total") >= 2

    since = smtp.mark()
    smtp.start()
    time.sleep(2.5)  # a message given up stays given up...
    assert smtp.messages(since=since) == []
    assert_error(s.post(f"/admin/mail/{reset_msg['id']}/retry"), 401, None)
    r = s.post(f"/admin/mail/{reset_msg['id']}/retry", headers=ADMIN)  # ...until an administrator says so
    assert r.status_code == 200, r.text
    token = token_in(s, expect_mail(smtp, "reset_password", address), "/password/reset")
    wait_outbox(s, lambda ms: any(m["id"] == reset_msg["id"] and m["status"] == "sent" for m in ms),
                what="the retried message noted as sent")
    assert_error(s.post(f"/admin/mail/{reset_msg['id']}/retry", headers=ADMIN), 404, None)  # sent: nothing to retry
    assert_error(s.post(f"/admin/mail/{sent['id']}/retry", headers=ADMIN), 404, None)
    assert_error(s.post("/admin/mail/987654321/retry", headers=ADMIN), 404, None)

    # The command line: the list (newest first), and a retry.
    out = run_cli(s, "mail", "list")
    assert out.code == 0, out
    assert address in out.stdout and later in out.stdout and str(reset_msg["id"]) in out.stdout
    assert token not in out.stdout
    out = run_cli(s, "mail", "list", "--limit", "1")
    assert out.code == 0, out
    assert later in out.stdout and address not in out.stdout
    out = run_cli(s, "mail", "retry", str(later_msg["id"]))
    assert out.code == 0, out
    expect_mail(smtp, "verify_email", later)
    messages = wait_outbox(s, lambda ms: all(m["status"] == "sent" for m in ms if m["id"] in
                                             (reset_msg["id"], later_msg["id"])), what="both sent")
    assert token not in json.dumps(messages)
    assert run_cli(s, "mail", "retry", "987654321").code != 0
    assert reset(s, token).status_code == 200  # the link of a retried message works
