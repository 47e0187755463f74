"""Single sign-on in a real browser: headless Chromium (Debian chromium +
chromium-driver, driven by python3-selenium) signs in on the hosted page
for app A, reaches app B without a password (consenting once), and logs out
through A's end_session while B's back-channel receiver gets its
logout_token. Screenshots of every page are kept as test artefacts
(build/artifacts/screenshots, or $LATCHKEY_ARTIFACTS/screenshots)."""
import http.server
import os
import shutil
import threading
import urllib.parse
from pathlib import Path

import pytest

from conftest import direct_session
from oidc_support import OIDC_ENV, PASSWORD, LogoutReceiver, jwt_parts, make_user, register

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent.parent
SHOTS = Path(os.environ.get("LATCHKEY_ARTIFACTS", ROOT / "build" / "artifacts")) / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

pytestmark = pytest.mark.skipif(not (Path(CHROMIUM).exists() and Path(DRIVER).exists()),
                                reason="chromium and chromium-driver are needed (make test installs them)")


class App:
    """A relying party's redirect URI: records each callback's query."""

    def __init__(self, name):
        self.calls = []
        app = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                if self.path.startswith("/favicon"):
                    self.send_response(404)
                    self.end_headers()
                    return
                app.calls.append((self.path.split("?")[0], {k: v[0] for k, v in query.items()}))
                body = f"<!doctype html><html lang=en><title>{name}</title><h1>{name}: back from latchkey</h1>".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def chrome():
    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1024,800", "--no-proxy-server"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


def shot(driver, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def check_accessible(driver):
    """What every page promises: lang, a label for each visible field,
    a CSRF token in each form, nothing wider than a phone at 360 px."""
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang")
    for field in driver.find_elements(By.CSS_SELECTOR, "input:not([type=hidden])"):
        fid = field.get_attribute("id")
        assert fid and driver.find_elements(By.CSS_SELECTOR, f"label[for='{fid}']"), fid
    for form in driver.find_elements(By.TAG_NAME, "form"):
        assert form.find_elements(By.CSS_SELECTOR, "input[name=csrf]")


def on_phone(driver, name):
    driver.set_window_size(360, 740)
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 360
    shot(driver, name + "-phone")
    driver.set_window_size(1024, 800)


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
        chrome.find_element(By.CSS_SELECTOR, "form [type=submit]").click()
        assert "Wrong username or password" in chrome.page_source
        shot(chrome, "login-error")
        chrome.find_element(By.NAME, "password").send_keys(PASSWORD)
        username = chrome.find_element(By.NAME, "username")
        if not username.get_attribute("value"):
            username.send_keys(user)
        chrome.find_element(By.CSS_SELECTOR, "form [type=submit]").click()
        assert chrome.current_url.startswith(app_a.base + "/cb")
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
        chrome.find_element(By.CSS_SELECTOR, "button[value=allow], input[value=allow]").click()
        assert chrome.current_url.startswith(app_b.base + "/cb")
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
        assert chrome.current_url == app_a.base + "/bye?state=bye"
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
