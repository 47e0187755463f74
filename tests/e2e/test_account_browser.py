"""The account page and two-step verification in a real browser (headless
Chromium): sign in to the account page, set up an authenticator app from
its QR code (the screenshot decoded by zbarimg must give the same
otpauth:// URI the page's key spells; codes from pyotp), save the recovery
codes, sign in to an app with the password and then the code (id_token amr
says so), then with a recovery code; see where you are signed in and end a
session, remove an app's access, change the password, and confirm the
password again before a security change. Screenshots of every page."""
import shutil
import subprocess
import time
import urllib.parse

import pyotp
import pytest

from browser_support import (SHOTS, App, By, WebDriverWait, arrives, check_accessible, chrome, on_phone,  # noqa: F401
                             press, pytestmark, shot, sign_in, submit, waits_for)
from conftest import bearer, direct_session
from oidc_support import OIDC_ENV, PASSWORD, jwt_parts, make_user, register

DATA_KEY = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
ZBARIMG = shutil.which("zbarimg")


def later_code(totp):
    return totp.at(time.time() + 30)


def decoded_qr(driver, name):
    """The page's QR code, screenshotted as the browser draws it (name.png)
    and decoded by zbarimg."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    png = SHOTS / f"{name}.png"
    png.write_bytes(driver.find_element(By.CSS_SELECTOR, "figure.qr svg").screenshot_as_png)
    out = subprocess.run([ZBARIMG, "--raw", "-q", str(png)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.mark.skipif(not ZBARIMG, reason="zbarimg (zbar-tools) is needed (make test installs it)")
def test_account_page_and_two_step_sign_in(server_factory, chrome):
    op = server_factory(env={**OIDC_ENV, "DATA_ENCRYPTION_KEY": DATA_KEY})
    app = App("App C")
    try:
        client = register(op, client_name="App C", redirect_uris=[app.base + "/cb"])
        user = make_user(op)
        api_login = op.post("/login", json={"username": user, "password": PASSWORD}).json()

        # The account page asks for a sign-in first, then comes back.
        chrome.get(op.url("/account"))
        check_accessible(chrome)
        sign_in(chrome, user, PASSWORD)
        arrives(chrome, op.url("/account"))
        waits_for(chrome, "Where you")
        assert user in chrome.page_source and "This device" in chrome.page_source
        check_accessible(chrome)
        shot(chrome, "account")
        on_phone(chrome, "account")

        # An authenticator app, from the QR code.
        press(chrome, "Set up an authenticator app")
        waits_for(chrome, "Scan this code")
        check_accessible(chrome)
        shot(chrome, "totp-setup")
        on_phone(chrome, "totp-setup")
        uri = decoded_qr(chrome, "totp-setup-qr")
        assert uri.startswith("otpauth://totp/")
        totp = pyotp.parse_uri(uri)
        key = chrome.find_element(By.CSS_SELECTOR, "code.key").text.replace(" ", "")
        assert totp.secret == key
        assert urllib.parse.unquote(uri).split("?")[0].endswith(":" + user)
        chrome.find_element(By.NAME, "code").send_keys("000000" if totp.now() != "000000" else "111111")
        submit(chrome, "form[action='/account/totp/confirm'] [type=submit]")
        waits_for(chrome, "did not work")
        check_accessible(chrome)
        shot(chrome, "totp-setup-error")
        assert decoded_qr(chrome, "totp-setup-error-qr") == uri  # the same key, shown again
        chrome.find_element(By.NAME, "code").send_keys(totp.now())
        chrome.find_element(By.NAME, "end_others").click()
        submit(chrome, "form[action='/account/totp/confirm'] [type=submit]")
        waits_for(chrome, "Your recovery codes")
        check_accessible(chrome)
        shot(chrome, "recovery-codes")
        on_phone(chrome, "recovery-codes")
        codes = [c.text for c in chrome.find_elements(By.CSS_SELECTOR, ".codes code")]
        assert len(codes) == 10 and len(set(codes)) == 10
        # "Also sign out everywhere else": the API session has ended.
        assert op.get("/protected", headers=bearer(api_login["access_token"])).status_code == 401
        chrome.find_element(By.LINK_TEXT, "I have saved them").click()
        waits_for(chrome, "Recovery codes left: 10")

        # Signed out, an app's sign-in needs the password and then a code.
        press(chrome, "Sign out")
        waits_for(chrome, "signed out")
        chrome.get(op.url("/authorize?") + urllib.parse.urlencode({
            "response_type": "code", "client_id": client["client_id"], "redirect_uri": app.base + "/cb",
            "scope": "openid profile", "state": "s1", "nonce": "n1"}))
        sign_in(chrome, user, PASSWORD)
        waits_for(chrome, "Two-step verification")
        assert "App C" in chrome.page_source
        check_accessible(chrome)
        assert chrome.switch_to.active_element.get_attribute("name") == "code"
        shot(chrome, "second-factor")
        on_phone(chrome, "second-factor")
        chrome.find_element(By.NAME, "code").send_keys("000000" if later_code(totp) != "000000" else "111111")
        submit(chrome)
        waits_for(chrome, "That code did not work")
        shot(chrome, "second-factor-error")
        chrome.find_element(By.NAME, "code").send_keys(later_code(totp))
        submit(chrome)
        waits_for(chrome, "wants to")  # the consent page: App C is not first-party
        submit(chrome, "button[value=allow]")
        arrives(chrome, app.base + "/cb")
        query = app.calls[-1][1]
        r = direct_session().post(op.url("/token"), data={"grant_type": "authorization_code", "code": query["code"],
                                                          "redirect_uri": app.base + "/cb"},
                                  auth=(client["client_id"], client["client_secret"]), timeout=10)
        assert r.status_code == 200, r.text
        _, claims = jwt_parts(r.json()["id_token"])
        assert {"pwd", "otp", "mfa"} <= set(claims["amr"])

        # A recovery code instead, once.
        chrome.get(op.url("/account"))
        press(chrome, "Sign out")
        waits_for(chrome, "signed out")
        chrome.get(op.url("/account"))
        sign_in(chrome, user, PASSWORD)
        waits_for(chrome, "Two-step verification")
        chrome.find_element(By.TAG_NAME, "summary").click()
        chrome.find_element(By.ID, "recovery_code").send_keys(codes[0])
        submit(chrome, "details form [type=submit]")
        arrives(chrome, op.url("/account"))
        waits_for(chrome, "Recovery codes left: 9")

        # Where you're signed in: another session (the API, with its second step), ended from here.
        step = op.post("/login", json={"username": user, "password": PASSWORD}).json()
        assert step["error"] == "mfa_required"
        other = op.post("/login/mfa", json={"mfa_token": step["mfa_token"], "recovery_code": codes[1]}).json()
        chrome.get(op.url("/account"))
        rows = chrome.find_elements(By.CSS_SELECTOR, "form[action='/account/sessions/end'] button")
        assert len(rows) == 1
        rows[0].click()
        waits_for(chrome, "That session is signed out")
        assert op.get("/protected", headers=bearer(other["access_token"])).status_code == 401

        # The app allowed on the consent page, and its access removed.
        assert "App C" in chrome.page_source
        press(chrome, "Remove access")
        waits_for(chrome, "no longer has access")
        assert "App C" not in chrome.find_element(By.ID, "apps").find_element(By.XPATH, "..").text

        # The password: a wrong current one changes nothing; a right one does.
        chrome.find_element(By.ID, "current_password").send_keys("not my password")
        chrome.find_element(By.ID, "new_password").send_keys("a brand new passphrase 42")
        press(chrome, "Change password")
        waits_for(chrome, "Your current password is wrong")
        shot(chrome, "account-error")
        chrome.find_element(By.ID, "current_password").send_keys(PASSWORD)
        chrome.find_element(By.ID, "new_password").send_keys("a brand new passphrase 42")
        press(chrome, "Change password")
        waits_for(chrome, "Password changed")
        # The second factor stays: a password change does not bypass it.
        r = op.post("/login", json={"username": user, "password": "a brand new passphrase 42"})
        assert r.status_code == 401 and r.json()["error"] == "mfa_required"

        # The authenticator removed (the sign-in was minutes ago at most: no new password asked).
        press(chrome, "Turn off the authenticator app")
        waits_for(chrome, "The authenticator app is removed")
        r = op.post("/login", json={"username": user, "password": "a brand new passphrase 42"})
        assert r.status_code == 200, r.text
    finally:
        app.close()


def test_a_security_change_asks_for_the_password_again(server_factory, chrome):
    op = server_factory(env={**OIDC_ENV, "DATA_ENCRYPTION_KEY": DATA_KEY, "REAUTHENTICATE_AFTER": "0s"})
    user = make_user(op)
    chrome.get(op.url("/account"))
    sign_in(chrome, user, PASSWORD)
    arrives(chrome, op.url("/account"))
    time.sleep(1.1)  # the sign-in's second is over: no longer fresh
    press(chrome, "Set up an authenticator app")
    waits_for(chrome, "Confirm it")
    check_accessible(chrome)
    shot(chrome, "reauthenticate")
    on_phone(chrome, "reauthenticate")
    chrome.find_element(By.NAME, "password").send_keys("wrong password")
    submit(chrome)
    waits_for(chrome, "Wrong password")
    shot(chrome, "reauthenticate-error")
    chrome.find_element(By.NAME, "password").send_keys(PASSWORD)
    submit(chrome)
    arrives(chrome, op.url("/account?done=confirmed"))
    waits_for(chrome, "You can change your security settings now")


def test_account_forms_refuse_bad_input(server_factory):
    """Without a session, a stale CSRF token, a broken form: a readable page with a 4xx, never a 5xx."""
    op = server_factory(env={**OIDC_ENV, "DATA_ENCRYPTION_KEY": DATA_KEY})
    s = direct_session()
    r = s.get(op.url("/account"))
    assert r.status_code == 200 and 'name="password"' in r.text  # the sign-in page
    assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")
    for path in ("/account/sessions/end", "/account/sessions/end-others", "/account/sign-out", "/account/apps/revoke",
                 "/account/password", "/account/reauthenticate", "/account/totp/setup", "/account/totp/confirm",
                 "/account/totp/remove", "/account/recovery-codes", "/signin/mfa"):
        r = s.post(op.url(path), data={"csrf": "forged"})
        assert r.status_code in (400, 401, 403), (path, r.status_code)
        assert r.headers["Content-Type"].startswith("text/html")
        r = s.post(op.url(path), data=b"%zz=\xff", headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert 400 <= r.status_code < 500, (path, r.status_code)
