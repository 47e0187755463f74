"""Passkeys in a real browser: headless Chromium with Chromium's virtual
authenticator (CTAP2, internal transport, resident keys, user
verification) adds a passkey on the account page, signs in to an app with
the password and then the passkey (the id_token's amr says so), then signs
in with the passkey alone from the login page. The issuer is
http://localhost:PORT: browsers treat localhost as a secure context, and a
host name is a valid RP ID where 127.0.0.1 is not. Screenshots of each page."""
import urllib.parse

import pytest

from browser_support import (App, By, WebDriverWait, arrives, check_accessible, chrome, on_phone, press,  # noqa: F401
                             pytestmark, shot, sign_in, waits_for)
from conftest import direct_session, free_port
from oidc_support import OIDC_ENV, PASSWORD, jwt_parts, make_user, register

from selenium.webdriver.common.virtual_authenticator import Protocol, Transport, VirtualAuthenticatorOptions  # noqa: E402


def test_passkey_added_then_second_step_then_alone(server_factory, chrome):
    port = free_port()
    base = f"http://localhost:{port}"
    op = server_factory(env={**OIDC_ENV, "ISSUER": base}, port=port)
    app = App("App P")
    options = VirtualAuthenticatorOptions()
    options.protocol = Protocol.CTAP2
    options.transport = Transport.INTERNAL
    options.has_resident_key = True
    options.has_user_verification = True
    options.is_user_verified = True
    chrome.add_virtual_authenticator(options)
    try:
        client = register(op, client_name="App P", first_party=True, redirect_uris=[app.base + "/cb"])
        user = make_user(op)

        # Add a passkey on the account page.
        chrome.get(base + "/account")
        sign_in(chrome, user, PASSWORD)
        arrives(chrome, base + "/account")
        press(chrome, "Add a passkey")
        waits_for(chrome, "Create passkey")
        check_accessible(chrome)
        shot(chrome, "passkey-new")
        on_phone(chrome, "passkey-new")
        chrome.find_element(By.NAME, "name").send_keys("Test laptop")
        press(chrome, "Create passkey")
        arrives(chrome, base + "/account?done=passkey_added")
        waits_for(chrome, "Test laptop")
        assert len(chrome.get_credentials()) == 1 and chrome.get_credentials()[0].is_resident_credential
        check_accessible(chrome)
        shot(chrome, "account-passkeys")
        # Renamed on the account page.
        field = chrome.find_element(By.CSS_SELECTOR, "form.rename input[name=name]")
        field.clear()
        field.send_keys("Work laptop")
        press(chrome, "Rename")
        waits_for(chrome, "Passkey renamed")
        assert "Work laptop" in chrome.page_source

        # Signed out, an app's sign-in: the password, then the passkey. (The
        # authenticator is away while the login page loads: else the page's
        # passkey autofill, which the virtual authenticator accepts at once,
        # signs in with the passkey alone, as the last part shows.)
        press(chrome, "Sign out")
        waits_for(chrome, "signed out")
        credential = chrome.get_credentials()[0]
        chrome.remove_virtual_authenticator()
        chrome.get(base + "/authorize?" + urllib.parse.urlencode({
            "response_type": "code", "client_id": client["client_id"], "redirect_uri": app.base + "/cb",
            "scope": "openid", "state": "s1", "nonce": "n1"}))
        sign_in(chrome, user, PASSWORD)
        waits_for(chrome, "Use a passkey")
        chrome.add_virtual_authenticator(options)
        chrome.add_credential(credential)
        check_accessible(chrome)
        shot(chrome, "second-factor-passkey")
        press(chrome, "Use a passkey")
        arrives(chrome, app.base + "/cb")
        code = app.calls[-1][1]["code"]
        r = direct_session().post(base + "/token", data={"grant_type": "authorization_code", "code": code,
                                                          "redirect_uri": app.base + "/cb"},
                                  auth=(client["client_id"], client["client_secret"]), timeout=10)
        assert r.status_code == 200, r.text
        _, claims = jwt_parts(r.json()["id_token"])
        assert "pwd" in claims["amr"] and "mfa" in claims["amr"]
        assert {"hwk", "swk"} & set(claims["amr"])

        # Signed out again: the passkey alone, with the button of the login page.
        chrome.get(base + "/account")
        press(chrome, "Sign out")
        waits_for(chrome, "signed out")
        credential = chrome.get_credentials()[0]
        chrome.remove_virtual_authenticator()
        chrome.get(base + "/account")
        waits_for(chrome, "Sign in with a passkey")
        assert "webauthn" in chrome.find_element(By.NAME, "username").get_attribute("autocomplete")
        check_accessible(chrome)
        shot(chrome, "login-passkey")
        on_phone(chrome, "login-passkey")
        chrome.add_virtual_authenticator(options)
        chrome.add_credential(credential)
        press(chrome, "Sign in with a passkey")
        arrives(chrome, base + "/account")
        waits_for(chrome, "Where you")
        assert "never" not in chrome.find_element(By.CSS_SELECTOR, ".rows").text  # the passkey's last use

        # And through the browser's autofill (conditional mediation): loading
        # the login page is enough, the authenticator answering at once.
        press(chrome, "Sign out")
        waits_for(chrome, "signed out")
        chrome.get(base + "/account")
        arrives(chrome, base + "/account")
        waits_for(chrome, "Where you")
    finally:
        app.close()
