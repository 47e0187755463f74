"""What the OpenID Connect tests share: a server with an administrator
token, client registration, a browser without JavaScript (requests plus
an HTML form reader: the hosted pages work without scripts), and a small
back-channel logout receiver."""
import base64
import hashlib
import html.parser
import http.server
import json
import secrets
import threading
import urllib.parse

import requests

from conftest import direct_session, unique_name

ADMIN_TOKEN = "admin-" + "7" * 40
OIDC_ENV = {"ADMIN_TOKEN": ADMIN_TOKEN}
PASSWORD = "correct horse battery staple"


def register(server, **metadata):
    """Registers a client through RFC 7591 with the initial access token;
    returns the registration answer (client_id, client_secret...)."""
    body = {"client_name": unique_name("app"), "redirect_uris": ["http://127.0.0.1:9/cb"],
            "grant_types": ["authorization_code", "refresh_token"], "scope": "openid profile offline_access"}
    body.update(metadata)
    r = server.post("/register", json=body, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert r.status_code == 201, r.text
    return r.json()


def make_user(server, name=None):
    name = name or unique_name("person")
    r = server.post("/signup", json={"username": name, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return name


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


class _Forms(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []
        self._current = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._current = {"action": a.get("action", ""), "method": a.get("method", "get").lower(), "fields": {},
                             "buttons": []}
            self.forms.append(self._current)
        elif tag in ("input", "button") and self._current is not None:
            if a.get("type") == "submit" or tag == "button":
                if a.get("name"):
                    self._current["buttons"].append((a["name"], a.get("value", "")))
            elif a.get("name"):
                self._current["fields"][a["name"]] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def forms_of(page_html):
    p = _Forms()
    p.feed(page_html)
    return p.forms


class Browser:
    """Follows the hosted pages as a browser without JavaScript would:
    cookies kept, redirects to the client's redirect URI not followed."""

    def __init__(self, server):
        self.server = server
        self.http = direct_session()

    def get(self, url, **kw):
        return self.http.get(url if url.startswith("http") else self.server.url(url), allow_redirects=False,
                             timeout=10, **kw)

    def submit(self, page, values=None, button=None, drop=()):
        """Submits the page's first form with `values` filled in."""
        forms = forms_of(page.text)
        assert forms, f"no form on the page ({page.status_code}):\n{page.text[:2000]}"
        form = forms[0]
        data = dict(form["fields"])
        data.update(values or {})
        if button:
            data[button[0]] = button[1]
        for name in drop:
            data.pop(name, None)
        action = urllib.parse.urljoin(page.url, form["action"])
        return self.http.post(action, data=data, allow_redirects=False, timeout=10)

    def authorize(self, params):
        return self.get("/authorize?" + urllib.parse.urlencode(params))

    def sign_in(self, page, username, password=PASSWORD):
        return self.submit(page, {"username": username, "password": password})


def code_from(response, redirect_uri):
    """The code of a redirect to the client, after checking where it goes."""
    assert response.status_code in (302, 303), f"{response.status_code}: {response.text[:2000]}"
    location = response.headers["Location"]
    assert location.startswith(redirect_uri), location
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    return {k: v[0] for k, v in query.items()}


class LogoutReceiver:
    """A client's back-channel logout endpoint (Back-Channel Logout 1.0 2.5):
    records each logout_token posted to it and answers `status`."""

    def __init__(self, status=200):
        self.tokens = []
        self.attempts = 0  # every POST, whatever it was answered
        self.status = status
        self.event = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = urllib.parse.parse_qs(self.rfile.read(length).decode())
                receiver.content_types = self.headers.get("Content-Type")
                receiver.attempts += 1
                if receiver.status == 200:
                    receiver.tokens.extend(body.get("logout_token", []))
                    receiver.event.set()
                self.send_response(receiver.status)
                self.send_header("Cache-Control", "no-store")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/backchannel"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def jwt_parts(token):
    def part(p):
        return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
    h, c, _ = token.split(".")
    return part(h), part(c)


def jwks_of(server):
    return requests.get(server.url("/.well-known/jwks.json"), timeout=10).json()
