"""What the browser tests share: headless Chromium (Debian chromium +
chromium-driver, driven by python3-selenium), a relying party's redirect
URI to come back to, screenshots kept as test artefacts
(build/artifacts/screenshots, or $LATCHKEY_ARTIFACTS/screenshots), and the
checks every page must pass (lang, labels, CSRF tokens, a phone's width)."""
import http.server
import os
import shutil
import threading
import urllib.parse
from pathlib import Path

import pytest

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

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


def arrives(driver, prefix, timeout=15):
    """Waits for the browser to reach a URL starting with `prefix`."""
    try:
        WebDriverWait(driver, timeout).until(lambda d: d.current_url.startswith(prefix))
    except Exception:
        raise AssertionError(f"at {driver.current_url}, not {prefix}:\n{driver.page_source[:3000]}")
    return driver.current_url


def _where(driver):
    """Where the browser is, for a failure's message (a page being torn
    down may not say: the message must not hide the failure)."""
    try:
        return f"{driver.current_url}:\n{driver.page_source[:3000]}"
    except WebDriverException as error:
        return f"(a page being replaced: {str(error).splitlines()[0]})"


def _gone(error):
    """Whether a WebDriver error says the element's page was replaced.
    Chromium answers a stale element, or, when the old document is being
    torn down, "unknown error: ... Node with given id does not belong to
    the document"."""
    return isinstance(error, StaleElementReferenceException) or "does not belong to the document" in str(error)


def _polled(look):
    """`look`, with a page being replaced while it looks meaning "not yet"."""
    def step(driver):
        try:
            return look(driver)
        except WebDriverException as error:
            if _gone(error):
                return False
            raise
    return step


def _stale(element):
    """Whether the page holding `element` was replaced."""
    return not _polled(lambda _: element.is_enabled() or True)(None)


def _found(driver, what, look, timeout):
    """Polls `look` until it returns an element. A page still being replaced
    (a form posted, a redirect settling) can hand out an element that goes
    stale before it is read: that is a look again, not a failure."""
    try:
        return WebDriverWait(driver, timeout).until(_polled(look))
    except TimeoutException:
        raise AssertionError(f"no {what} on {_where(driver)}")


def button(driver, text, timeout=15):
    """The displayed button (or submit input) whose label is `text`."""
    def look(d):
        for b in d.find_elements(By.CSS_SELECTOR, "button, input[type=submit]"):
            if (b.text or b.get_attribute("value") or "").strip() == text and b.is_displayed():
                return b
        return False
    return _found(driver, f"button {text!r}", look, timeout)


def _click(driver, what, find):
    """Clicks what `find` finds. ChromeDriver resolves the element before
    it sends any mouse event, so a click refused as stale never reached the
    page: finding it again and clicking cannot post a form twice."""
    for _ in range(3):
        try:
            find().click()
            return
        except WebDriverException as error:
            if not _gone(error):
                raise
    raise AssertionError(f"{what} kept going stale on {_where(driver)}")


def press(driver, text, timeout=15):
    """Clicks the button labelled `text`."""
    _click(driver, f"button {text!r}", lambda: button(driver, text, timeout))


def link(driver, text, timeout=15):
    """The first link whose text contains `text` (any case)."""
    def look(d):
        for a in d.find_elements(By.TAG_NAME, "a"):
            if text.lower() in a.text.strip().lower():
                return a
        return False
    return _found(driver, f"link {text!r}", look, timeout)


def submit(driver, css="form [type=submit]", timeout=15):
    """Clicks the first element matching `css` (the page's first form's
    submit button unless told otherwise)."""
    _click(driver, css, lambda: _found(driver, css, lambda d: d.find_element(By.CSS_SELECTOR, css), timeout))


def sign_in(driver, user, password):
    """Fills in the sign-in page's password form and submits it; both fields
    of one page: a page replaced while typing is filled in again."""
    def fill(d):
        name, secret = d.find_element(By.NAME, "username"), d.find_element(By.NAME, "password")
        name.clear()
        name.send_keys(user)
        secret.clear()
        secret.send_keys(password)
        return True
    _found(driver, "sign-in form", fill, 15)
    press(driver, "Sign in")


def waits_for(driver, text, timeout=15):
    """Waits for `text` to appear in the page's source."""
    try:
        WebDriverWait(driver, timeout).until(_polled(lambda d: text in d.page_source))
    except TimeoutException:
        raise AssertionError(f"{text!r} not on {_where(driver)}")


def replaced(driver, element, timeout=15):
    """Waits for the page holding `element` to be replaced (a form posted)."""
    try:
        WebDriverWait(driver, timeout).until(lambda _: _stale(element))
    except TimeoutException:
        raise AssertionError(f"still on {_where(driver)}")


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
