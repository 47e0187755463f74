"""Email in a real browser (headless Chromium), with the messages delivered
to a real SMTP server (mail_support.py): from an app's sign-in page,
"Forgot your password?", the form, the link the message brought, a new
password, and a sign-in with it; an account made with an address, its
verification page (a button: a GET verifies nothing) and the account page
showing the address. Screenshots of every page."""
import urllib.parse

from browser_support import (App, By, WebDriverWait, arrives, button, check_accessible, chrome, link,  # noqa: F401
                             on_phone, press, pytestmark, replaced, shot, submit, waits_for)
from conftest import PASSWORD, bearer, direct_session, login, unique_name
from mail_support import (PAGES, link_in, mail_env, new_address, smtp, smtp_cert, token_in,  # noqa: F401
                          verified_user)
from oidc_support import ADMIN_TOKEN, jwt_parts, register

NEW_PASSWORD = "a browser made passphrase 9"


def accessible(driver):
    """browser_support.check_accessible, after checking that what the page
    means to hide is hidden (a stylesheet's display rule beats the `hidden`
    attribute)."""
    for field in driver.find_elements(By.CSS_SELECTOR, "[hidden]"):
        assert not field.is_displayed(), f"shown though hidden: {field.get_attribute('outerHTML')}"
    check_accessible(driver)


def labelled(driver, name, label):
    """The field `name`, after checking its label says `label`."""
    field = driver.find_element(By.NAME, name)
    (lab,) = driver.find_elements(By.CSS_SELECTOR, f"label[for='{field.get_attribute('id')}']")
    assert label in lab.text, (name, lab.text)
    return field


def body_text(driver):
    return driver.find_element(By.TAG_NAME, "main").text if driver.find_elements(By.TAG_NAME, "main") \
        else driver.find_element(By.TAG_NAME, "body").text


def test_forgot_password_from_the_sign_in_page(server_factory, chrome, smtp):
    op = server_factory(env=mail_env(smtp, ADMIN_TOKEN=ADMIN_TOKEN))
    app = App("App M")
    problems = []
    try:
        client = register(op, client_name="App M", first_party=True, redirect_uris=[app.base + "/cb"])
        user, address = verified_user(op, smtp)

        def authorize_url(state):
            return op.url("/authorize?") + urllib.parse.urlencode({
                "response_type": "code", "client_id": client["client_id"], "redirect_uri": app.base + "/cb",
                "scope": "openid profile", "state": state, "nonce": "n-" + state})

        # The sign-in page offers a way out.
        chrome.get(authorize_url("m1"))
        assert chrome.find_elements(By.NAME, "password")
        forgot = link(chrome, "Forgot your password?")
        forgot_url = forgot.get_attribute("href")
        assert forgot_url.startswith(op.url("/"))
        assert urllib.parse.urlsplit(forgot_url).path in PAGES["/password/forgot"], forgot_url
        shot(chrome, "signin-with-forgot-link")
        forgot.click()
        arrives(chrome, forgot_url)
        accessible(chrome)
        shot(chrome, "forgot-password")
        on_phone(chrome, "forgot-password")

        # The form: the same page whether or not an account has the address.
        def ask(addr):
            chrome.get(forgot_url)
            labelled(chrome, "email", "Email address").send_keys(addr)
            form_button = chrome.find_element(By.CSS_SELECTOR, "form [type=submit]")
            form_button.click()
            replaced(chrome, form_button)
            return body_text(chrome).replace(addr, "ADDRESS")  # the page may repeat the address typed

        since = smtp.mark()
        nobody = ask(new_address("nobody"))
        sent = ask(address)
        assert sent == nobody, (sent, nobody)
        accessible(chrome)
        shot(chrome, "forgot-password-sent")
        on_phone(chrome, "forgot-password-sent")

        # The link the message brought.
        mail = smtp.wait_for(kind="reset_password", to=address, since=since)
        url = link_in(mail)
        token_in(op, mail, "/password/reset")
        r = direct_session().get(url, timeout=10)  # showing the form spends nothing
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html"), r.status_code
        assert r.headers.get("Referrer-Policy") == "no-referrer"
        assert r.headers.get("Cache-Control") == "no-store"
        chrome.get(url)
        try:  # told at the end: the rest of the way is worth checking too
            accessible(chrome)
        except AssertionError as e:
            problems.append(f"the reset page: {e}")
        assert not chrome.find_elements(By.NAME, "code")  # no second factor: no code asked
        shot(chrome, "reset-password")
        on_phone(chrome, "reset-password")
        labelled(chrome, "new_password", "New password").send_keys(NEW_PASSWORD)
        submit(chrome)
        waits_for(chrome, "Your password was changed")
        accessible(chrome)
        shot(chrome, "password-changed")
        on_phone(chrome, "password-changed")
        to_sign_in = link(chrome, "sign in")
        assert to_sign_in.get_attribute("href").startswith(op.url("/"))

        # The link is spent: a page that says so, with a 400.
        r = direct_session().get(url, timeout=10)
        assert r.status_code == 400 and r.headers["Content-Type"].startswith("text/html"), r.status_code
        chrome.get(url)
        accessible(chrome)
        shot(chrome, "reset-password-bad-link")

        # The old password no longer signs in; the new one does.
        chrome.get(authorize_url("m2"))
        chrome.find_element(By.NAME, "username").send_keys(user)
        chrome.find_element(By.NAME, "password").send_keys(PASSWORD)
        submit(chrome)
        waits_for(chrome, "Wrong username or password")
        username = chrome.find_element(By.NAME, "username")
        if not username.get_attribute("value"):
            username.send_keys(user)
        chrome.find_element(By.NAME, "password").send_keys(NEW_PASSWORD)
        submit(chrome)
        arrives(chrome, app.base + "/cb")
        query = app.calls[-1][1]
        assert query["state"] == "m2"
        r = direct_session().post(op.url("/token"), data={"grant_type": "authorization_code", "code": query["code"],
                                                          "redirect_uri": app.base + "/cb"},
                                  auth=(client["client_id"], client["client_secret"]), timeout=10)
        assert r.status_code == 200, r.text
        _, claims = jwt_parts(r.json()["id_token"])
        assert claims["sub"] and "pwd" in claims.get("amr", ["pwd"])
        login(op, user, NEW_PASSWORD)
        assert not problems, problems
    finally:
        app.close()


def test_sign_up_with_an_address_and_confirm_it(server_factory, chrome, smtp):
    op = server_factory(env=mail_env(smtp, ADMIN_TOKEN=ADMIN_TOKEN))
    user, address = unique_name("browser"), new_address("browser")

    # The account page's sign-in leads to the sign-up page, with an address field.
    chrome.get(op.url("/account"))
    link(chrome, "Create an account").click()
    labelled(chrome, "email", "Email address")
    accessible(chrome)
    shot(chrome, "signup-with-email")
    chrome.find_element(By.NAME, "username").send_keys(user)
    chrome.find_element(By.NAME, "password").send_keys(PASSWORD)
    chrome.find_element(By.NAME, "email").send_keys(address)
    form_button = chrome.find_element(By.CSS_SELECTOR, "form [type=submit]")
    form_button.click()
    replaced(chrome, form_button)

    mail = smtp.wait_for(kind="verify_email", to=address)
    url = link_in(mail)
    token_in(op, mail, "/email/verify")
    access = login(op, user)["access_token"]

    def state():
        return op.get("/account/email", headers=bearer(access)).json()

    # Following the link shows a button; the GET alone verifies nothing (mail scanners follow links).
    chrome.get(url)
    accessible(chrome)
    shot(chrome, "verify-email")
    on_phone(chrome, "verify-email")
    assert state() == {"email": address, "email_verified": False}
    press(chrome, "Confirm my address")
    waits_for(chrome, "Your address is verified")
    accessible(chrome)
    shot(chrome, "email-verified")
    on_phone(chrome, "email-verified")
    assert state() == {"email": address, "email_verified": True}

    # The account page shows it, with a form to change it.
    chrome.get(op.url("/account"))
    if chrome.find_elements(By.NAME, "password") and not chrome.find_elements(By.ID, "current_password"):
        chrome.find_element(By.NAME, "username").send_keys(user)
        chrome.find_element(By.NAME, "password").send_keys(PASSWORD)
        submit(chrome)
        arrives(chrome, op.url("/account"))
    waits_for(chrome, address)
    assert chrome.find_elements(By.CSS_SELECTOR, "input[type=email], input[name*=email]")
    accessible(chrome)
    shot(chrome, "account-email")

    # A new address from the account page: the password again, a link to the
    # new address; the old one stays until the link is opened, then is told.
    since = smtp.mark()
    new = new_address("moved")
    labelled(chrome, "email", "New email address").send_keys(new)
    labelled(chrome, "password", "Current password").send_keys(PASSWORD)
    form_button = button(chrome, "Change email address")
    form_button.click()
    replaced(chrome, form_button)
    waits_for(chrome, "A link is on its way to the new address")
    accessible(chrome)
    shot(chrome, "account-email-sent")
    assert state() == {"email": address, "email_verified": True}
    mail = smtp.wait_for(kind="verify_email", to=new, since=since)
    chrome.get(link_in(mail))
    press(chrome, "Confirm my address")
    waits_for(chrome, "Your address is verified")
    assert state() == {"email": new, "email_verified": True}
    notice = smtp.wait_for(kind="email_changed", to=address, since=since)
    assert new in notice.text
