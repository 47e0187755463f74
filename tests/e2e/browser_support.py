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
