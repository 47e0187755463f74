"""Single sign-on in a real browser: headless Chromium (Debian chromium +
chromium-driver, driven by python3-selenium) signs in on the hosted page
for app A, reaches app B without a password (consenting once), and logs out
through A's end_session while B's back-channel receiver gets its
logout_token. Screenshots of every page are kept as test artefacts
(build/artifacts/screenshots, or $LATCHKEY_ARTIFACTS/screenshots)."""
import urllib.parse

import pytest

from browser_support import (App, By, WebDriverWait, arrives, check_accessible, chrome, on_phone, pytestmark,  # noqa: F401
                             shot, submit)
from conftest import direct_session
from oidc_support import OIDC_ENV, PASSWORD, LogoutReceiver, jwt_parts, make_user, register


def test_sign_in_once_reach_two_apps_log_out_everywhere(server_factory, chrome):
    op = server_factory(env=OIDC_ENV)
    app_a, app_b, receiver = App("App A"), App("App B"), LogoutReceiver()
    try:
        a = register(op, client_name="App A", first_party=True, redirect_uris=[app_a.base + "/cb"],
                     post_logout_redirect_uris=[app_a.base + "/bye"])
        b = register(op, client_name="App B", redirect_uris=[app_b.base + "/cb"], backchannel_logout_uri=receiver.url)
        user = make_user(op)

        def authorize_url(client, app, state):
            return op.url("/authorize?") + urllib.parse.urlencode({
                "response_type": "code", "client_id": client["client_id"], "redirect_uri": app.base + "/cb",
                "scope": "openid profile", "state": state, "nonce": "n-" + state})

        def redeem(client, app, code):
            r = direct_session().post(op.url("/token"), data={"grant_type": "authorization_code", "code": code,
                                                              "redirect_uri": app.base + "/cb"},
                                      auth=(client["client_id"], client["client_secret"]), timeout=10)
            assert r.status_code == 200, r.text
            return r.json()

        # App A: the hosted login page.
        chrome.get(authorize_url(a, app_a, "a1"))
        assert "Sign in" in chrome.title or chrome.find_elements(By.NAME, "password")
        check_accessible(chrome)
        assert chrome.switch_to.active_element.get_attribute("name") == "username"  # focus starts on the form
        shot(chrome, "login")
        on_phone(chrome, "login")
        chrome.find_element(By.NAME, "username").send_keys(user)
        chrome.find_element(By.NAME, "password").send_keys("wrong password")
        submit(chrome)
        WebDriverWait(chrome, 15).until(lambda d: "Wrong username or password" in d.page_source)
        shot(chrome, "login-error")
        chrome.find_element(By.NAME, "password").send_keys(PASSWORD)
        username = chrome.find_element(By.NAME, "username")
        if not username.get_attribute("value"):
            username.send_keys(user)
        submit(chrome)
        arrives(chrome, app_a.base + "/cb")
        path, query = app_a.calls[-1]
        assert query["state"] == "a1" and query["iss"] == op.url("")
        tokens_a = redeem(a, app_a, query["code"])

        # App B: no password; its consent page, once.
        chrome.get(authorize_url(b, app_b, "b1"))
        assert not chrome.find_elements(By.NAME, "password")
        assert "App B" in chrome.page_source
        check_accessible(chrome)
        shot(chrome, "consent")
        on_phone(chrome, "consent")
        submit(chrome, "button[value=allow], input[value=allow]")
        arrives(chrome, app_b.base + "/cb")
        tokens_b = redeem(b, app_b, app_b.calls[-1][1]["code"])
        _, id_a = jwt_parts(tokens_a["id_token"])
        _, id_b = jwt_parts(tokens_b["id_token"])
        assert id_a["sid"] == id_b["sid"] and id_a["sub"] == id_b["sub"]

        # The confirmation a logout without a hint asks for.
        chrome.get(op.url("/end_session"))
        check_accessible(chrome)
        shot(chrome, "logout-confirm")

        # Logout through App A, with its id_token as the hint.
        chrome.get(op.url("/end_session?") + urllib.parse.urlencode({
            "id_token_hint": tokens_a["id_token"], "post_logout_redirect_uri": app_a.base + "/bye", "state": "bye"}))
        assert arrives(chrome, app_a.base + "/bye") == app_a.base + "/bye?state=bye"
        assert receiver.event.wait(15), "App B got no logout_token"
        _, logout = jwt_parts(receiver.tokens[0])
        assert logout["sid"] == id_b["sid"] and logout["aud"] == b["client_id"]

        # Signed out everywhere: App A must ask for the password again.
        chrome.get(authorize_url(a, app_a, "a2"))
        assert chrome.find_elements(By.NAME, "password")

        # The signed-out page, and an error page (an unregistered redirect URI).
        chrome.get(op.url("/end_session"))
        shot(chrome, "logged-out")
        chrome.get(op.url("/authorize?") + urllib.parse.urlencode({
            "response_type": "code", "client_id": a["client_id"], "redirect_uri": "https://evil.example/cb"}))
        assert chrome.current_url.startswith(op.url("/authorize"))
        check_accessible(chrome)
        shot(chrome, "error")
    finally:
        app_a.close()
        app_b.close()
        receiver.close()
