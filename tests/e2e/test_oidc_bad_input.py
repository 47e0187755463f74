"""Hostile input on the provider's browser and UserInfo endpoints: missing,
repeated, oversized and malformed fields, broken percent-encoding and UTF-8,
the wrong content type, hostile return_to values. Each gets its 4xx (a
readable page for the browser, the spec's error for UserInfo), never a 5xx
and never a redirect off this server."""
import urllib.parse

import pytest

from conftest import direct_session, module_server
from oidc_support import OIDC_ENV, PASSWORD, Browser, make_user, register

REDIRECT = "http://127.0.0.1:9/cb"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

BODIES = [
    "",
    "%zz",
    "csrf=a&csrf=b&username=x&username=y&password=p",
    "username=" + "x" * 70000,
    "return_to=" + urllib.parse.quote("https://evil.example/"),
    "return_to=" + urllib.parse.quote("//evil.example/x"),
    "return_to=" + urllib.parse.quote("javascript:alert(1)"),
    "return_to=" + urllib.parse.quote("/authorize?client_id=nope\r\nSet-Cookie: x=1"),
    "decision=allow&return_to=%2Fauthorize%3Fclient_id%3Dnope",
    "confirm=yes&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F",
    "\xff\xfe=\xff",
    "a" * 5000,
]

PATHS = ["/signin", "/consent", "/end_session", "/userinfo", "/create-account"]


@pytest.fixture(scope="module")
def op(tmp_path_factory):
    yield from module_server(tmp_path_factory, "oidc-bad-input", OIDC_ENV)


def stays_here(r, base):
    """No Location, a path of this server, or this server's URL. Browsers
    read "/\\host" as "//host": not a path."""
    loc = r.headers.get("Location")
    if loc is None or loc.startswith(base + "/"):
        return True
    return loc.startswith("/") and loc[1:2] not in ("/", "\\") and "\r" not in loc and "\n" not in loc


@pytest.mark.parametrize("path", PATHS)
def test_hostile_posts_get_a_4xx_or_a_page_never_a_5xx(op, path):
    s = direct_session()
    for body in BODIES:
        for headers in (FORM, {"Content-Type": "application/json"}, {}):
            r = s.post(op.url(path), data=body.encode("latin-1"), headers=headers, allow_redirects=False, timeout=10)
            assert r.status_code < 500, (path, body[:60], headers, r.status_code, r.text[:300])
            assert stays_here(r, op.url("")), (path, body[:60], r.headers.get("Location"))
            assert "\r" not in r.headers.get("Location", "") and "x=1" not in r.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("path", ["/authorize", "/end_session", "/userinfo", "/signin", "/consent",
                                  "/create-account", "/forgot-password", "/reset-password", "/verify-email"])
def test_hostile_queries_get_a_4xx_or_a_page_never_a_5xx(op, path):
    s = direct_session()
    queries = ["%zz", "client_id=a&client_id=b", "redirect_uri=" + "x" * 9000, "id_token_hint=a.b.c",
               "id_token_hint=" + "e" * 20000, "post_logout_redirect_uri=javascript:alert(1)",
               "client_id=%00&redirect_uri=%0d%0a", "return_to=%2F%2Fevil.example", "state=%ff%fe",
               "max_age=-1&prompt=none+login", "a=" + "%41" * 6000]
    for q in queries:
        r = s.get(op.url(path) + "?" + q, allow_redirects=False, timeout=10)
        assert r.status_code < 500, (path, q[:60], r.status_code, r.text[:300])
        assert stays_here(r, op.url("")), (path, q[:60], r.headers.get("Location"))


def test_hostile_return_to_after_a_real_sign_in_stays_here(op):
    """A signed-in person's form with a return_to of someone else's making
    never sends the browser elsewhere."""
    client = register(op, first_party=True)
    user = make_user(op)
    browser = Browser(op)
    page = browser.authorize({"response_type": "code", "client_id": client["client_id"], "redirect_uri": REDIRECT,
                              "scope": "openid", "state": "s", "nonce": "n"})
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)", "/\\evil.example"):
        r = browser.submit(page, {"username": user, "password": PASSWORD,
                                  "return_to": target})
        assert r.status_code < 500 and stays_here(r, op.url("")), (target, r.status_code, r.headers.get("Location"))
