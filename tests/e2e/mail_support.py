"""What the mail tests share: a real SMTP server (aiosmtpd, Debian
python3-aiosmtpd) in a background thread on 127.0.0.1, speaking STARTTLS
with a self-signed certificate made per session by the `openssl` command
line, and requiring AUTH (over TLS only). It records every message it
accepts, parsed by the `email` package, and can be stopped and started
again on the same port (a mail server that is down for a while), made slow
(a reply to DATA held back: a sender killed while it waits), or made to
refuse every recipient.

Fixtures: smtp_cert (session), smtp (one test), module_smtp (one module).
mail_env(smtp) is the latchkey settings that send through it."""
import asyncio
import email
import email.policy
import email.utils
import logging
import re
import ssl
import subprocess
import threading
import time
import urllib.parse
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

import pytest

import aiosmtpd.controller as aiosmtpd_controller  # Debian python3-aiosmtpd: missing, the tests fail (no skip)
from aiosmtpd.smtp import AuthResult, LoginPassword

from conftest import ABUSE_LIMITS_OFF, LATCHKEY_BIN, PASSWORD, free_port, unique_name

logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd's: a deprecation warning on every AUTH

SMTP_USERNAME = "latchkey-mailer"
SMTP_PASSWORD = "smtp-secret-0123456789"
MAIL_FROM_ADDRESS = "no-reply@example.com"
MAIL_FROM = f"Latchkey <{MAIL_FROM_ADDRESS}>"
MAIL_WAIT = 20.0  # seconds: a message queued by a request is sent within MAIL_POLL of it, normally

LINK = re.compile(r"https?://[^\s<>\"']+")
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # 32 random bytes, base64url
MESSAGE_ID = re.compile(r"<[^<>@\s]+@example\.com>")  # in MAIL_FROM's domain
# Where the hosted pages a message or the sign-in page links to are (the
# JSON API has its own paths: POST /email/verify, /password/reset,
# /password/forgot), by the API path they stand beside.
PAGES = {
    "/email/verify": ("/verify-email",),
    "/password/reset": ("/reset-password",),
    "/password/forgot": ("/forgot-password",),
}


# -- the certificate -------------------------------------------------------------


def make_cert(directory):
    """A self-signed certificate (and its key) for 127.0.0.1 and localhost,
    made by the openssl command line in `directory`; returns (cert, key)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=30)
    return cert, key


# -- one received message --------------------------------------------------------


class Mail:
    """A message as the SMTP server accepted it: the envelope, the session
    (TLS? who logged in?), the raw bytes and the parsed message."""

    def __init__(self, envelope, session, raw):
        self.received_at = time.time()
        self.raw = raw
        self.mail_from = envelope.mail_from
        self.rcpt_tos = list(envelope.rcpt_tos)
        self.tls = session.ssl is not None
        self.login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        self.acknowledged = False  # the 250 after DATA went out
        self.msg = email.message_from_bytes(raw, policy=email.policy.default)
        self.kind = self.header("X-Latchkey-Kind")
        self.message_id = self.header("Message-ID")
        self.subject = self.header("Subject")
        self.to = [addr for _, addr in email.utils.getaddresses(self.msg.get_all("To", []))]
        self.text = self._part("plain")
        self.html = self._part("html")

    def header(self, name):
        value = self.msg.get(name)
        return str(value).strip() if value is not None else None

    def _part(self, subtype):
        try:
            part = self.msg.get_body(preferencelist=(subtype,))
            if part is None or part.get_content_subtype() != subtype:
                return None
            return part.get_content()
        except Exception:  # a malformed part: the tests' checks say what is wrong
            return None

    def parts(self):
        """(content type, charset) of each leaf part."""
        return [(p.get_content_type(), p.get_content_charset()) for p in self.msg.walk() if not p.is_multipart()]

    def addressed_to(self, address):
        a = address.lower()
        return any(r.lower() == a for r in self.rcpt_tos) or any(t.lower() == a for t in self.to)

    def __repr__(self):
        return f"<Mail {self.kind} to {self.rcpt_tos} id {self.message_id}>"


def link_in(mail):
    """The first http(s) link of the message's text part (else its html part)."""
    for body in (mail.text, mail.html):
        if body:
            m = LINK.search(body)
            if m:
                return m.group(0).rstrip(".,;:)]>").replace("&amp;", "&")
    raise AssertionError(f"no link in {mail!r}:\n{mail.raw[:3000]!r}")


# -- the server --------------------------------------------------------------------


class _Handler:
    def __init__(self, box):
        self.box = box

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.box.refusal:
            return self.box.refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        mail = Mail(envelope, session, envelope.original_content or envelope.content)
        self.box._record(mail)  # recorded first: a sender killed while the reply is held back still "sent" it
        if self.box.delay:
            await asyncio.sleep(self.box.delay)
        mail.acknowledged = True
        return "250 2.0.0 Message accepted"


class _Controller(aiosmtpd_controller.Controller):
    """aiosmtpd's, keeping each connection's protocol: its stop() leaves
    open connections open (unserved), where a stopped server must drop them."""

    def __init__(self, connections, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections = connections

    def factory(self):
        protocol = super().factory()
        self.connections.append(protocol)
        return protocol


class SmtpServer:
    """aiosmtpd on 127.0.0.1:port, STARTTLS required, AUTH required.

    delay: seconds to hold back the reply to DATA (the message is recorded
    when its data has arrived). refusal: a reply such as "451 4.3.0 Try
    later" to give every RCPT (None: accept)."""

    def __init__(self, cert, key, port=None, username=SMTP_USERNAME, password=SMTP_PASSWORD):
        self.cert, self.key = str(cert), str(key)
        self.port = port or free_port()
        self.username, self.password = username, password
        self.delay = 0.0
        self.refusal = None
        self.auth_failures = 0
        self.mails = []
        self._cond = threading.Condition()
        self._controller = None
        self._connections = []

    # -- process control --

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.username
              and auth_data.password.decode() == self.password)
        if not ok:
            self.auth_failures += 1
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def start(self):
        assert self._controller is None, "already running"
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(self.cert, self.key)
        deadline = time.monotonic() + 10
        while True:
            controller = _Controller(
                self._connections, _Handler(self), hostname="127.0.0.1", port=self.port, server_hostname="mail.test",
                ident="latchkey-test-smtp", tls_context=tls, require_starttls=True, auth_required=True,
                auth_require_tls=True, authenticator=self._authenticate, ready_timeout=5)
            try:
                controller.start()
                break
            except OSError:  # the port is still held a moment after a stop
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self._controller = controller
        return self

    def stop(self):
        """Stops listening and drops every connection: the port refuses
        connections until start() (on the same port)."""
        if self._controller is not None:
            dropped = threading.Event()

            def drop():
                for protocol in self._connections:
                    for transport in (protocol.transport, getattr(protocol, "_original_transport", None)):
                        if transport is not None:
                            transport.abort()
                self._connections.clear()
                dropped.set()

            self._controller.loop.call_soon_threadsafe(drop)
            dropped.wait(5)
            self._controller.stop()
            self._controller = None

    def running(self):
        return self._controller is not None

    def env(self, **extra):
        return mail_env(self, **extra)

    # -- what it received --

    def _record(self, mail):
        with self._cond:
            self.mails.append(mail)
            self._cond.notify_all()

    def mark(self):
        """How many messages so far: pass it as since= to see only later ones."""
        with self._cond:
            return len(self.mails)

    def messages(self, kind=None, to=None, since=0):
        with self._cond:
            found = self.mails[since:]
        return [m for m in found if (kind is None or m.kind == kind) and (to is None or m.addressed_to(to))]

    def wait_for(self, kind=None, to=None, timeout=MAIL_WAIT, since=0, count=1):
        """The first message (since the mark `since`) of this X-Latchkey-Kind
        to this address, once `count` of them have arrived; fails the test
        after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self.messages(kind, to, since)
                if len(found) >= count:
                    return found[0]
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = "\n  ".join(repr(m) for m in self.mails[since:]) or "(none)"
                    pytest.fail(f"no{'' if count == 1 else f' {count}'} {kind or 'message'} to {to or 'anyone'} "
                                f"within {timeout}s; messages since the mark:\n  {seen}")
                self._cond.wait(min(left, 0.5))

    def wait_until(self, done, timeout=MAIL_WAIT, what="the expected messages"):
        """Waits until done(all messages) holds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not done(list(self.mails)):
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = "\n  ".join(repr(m) for m in self.mails) or "(none)"
                    pytest.fail(f"{what} did not arrive within {timeout}s; messages:\n  {seen}")
                self._cond.wait(min(left, 0.5))


# -- latchkey's settings for it -----------------------------------------------


_limits_off = None


def _other_limits_off():
    """Every LIMIT_* setting `latchkey --help` lists beyond conftest's
    (a newer limit, such as one on /password/forgot), off where its help
    says 0 turns it off; the admin token's stays on."""
    global _limits_off
    if _limits_off is None:
        try:
            out = subprocess.run([LATCHKEY_BIN, "--help"], capture_output=True, text=True, timeout=5).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        _limits_off = {}
        for m in re.finditer(r"--[a-z0-9-]+ / (LIMIT_[A-Z0-9_]+)(.*?)(?=\n\s*--[a-z0-9-]+ / |\Z)", out, re.S):
            name, text = m.group(1), m.group(2)
            if name not in ABUSE_LIMITS_OFF and name != "LIMIT_ADMIN_TOKEN" and "0: off" in text:
                _limits_off[name] = "0"
    return _limits_off


def mail_env(smtp, **extra):
    """The settings of a latchkey that sends through `smtp`: STARTTLS with
    its certificate trusted, AUTH, a 200 ms poll (its shortest is 100 ms)
    and a 1 s first retry."""
    env = {
        **_other_limits_off(),
        "SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
        "SMTP_USERNAME": smtp.username,
        "SMTP_PASSWORD": smtp.password,
        "SMTP_CA_FILE": smtp.cert,
        "MAIL_FROM": MAIL_FROM,
        "MAIL_POLL": "200ms",
        "MAIL_RETRY_BASE": "1s",
    }
    env.update(extra)
    return env


# -- fixtures -----------------------------------------------------------------


@pytest.fixture(scope="session")
def smtp_cert(tmp_path_factory):
    """(cert, key): the SMTP server's self-signed certificate; pass cert as SMTP_CA_FILE."""
    return make_cert(tmp_path_factory.mktemp("smtp-cert"))


@pytest.fixture
def smtp(smtp_cert):
    """An SMTP server of this test's own (stop and start it at will)."""
    server = SmtpServer(*smtp_cert).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def module_smtp(smtp_cert):
    """An SMTP server shared by a module's tests: each uses addresses of its own."""
    server = SmtpServer(*smtp_cert).start()
    yield server
    server.stop()


# -- what the tests of latchkey's mail share ------------------------------------


def new_address(prefix="person", domain="example.com"):
    return f"{unique_name(prefix)}@{domain}"


def signup_with(s, email, name=None, pw=PASSWORD):
    name = name or unique_name("mailuser")
    r = s.post("/signup", json={"username": name, "password": pw, "email": email})
    assert r.status_code == 201, r.text
    return name


def assert_well_formed(m, to):
    """What every message promises: sent over TLS after AUTH, From =
    MAIL_FROM, To = the address alone, a Date, a Message-ID in MAIL_FROM's
    domain, multipart/alternative of UTF-8 text and html."""
    assert m.tls and m.login == SMTP_USERNAME, m
    assert m.mail_from == MAIL_FROM_ADDRESS, m.mail_from
    assert m.rcpt_tos == [to] and m.to == [to], (m.rcpt_tos, m.to)
    for name in ("From", "To", "Date", "Message-ID", "Subject", "X-Latchkey-Kind"):
        assert len(m.msg.get_all(name, [])) == 1, (name, m.raw[:2000])
    for name in ("Bcc", "Cc", "Reply-To"):
        assert m.msg.get(name) is None, (name, m.raw[:2000])
    assert getaddresses([m.header("From")]) == getaddresses([MAIL_FROM]), m.header("From")
    sent = parsedate_to_datetime(m.header("Date")).timestamp()
    assert abs(sent - time.time()) < 600, m.header("Date")
    assert MESSAGE_ID.fullmatch(m.message_id), m.message_id
    assert m.subject, m.raw[:2000]
    assert m.msg.get_content_type() == "multipart/alternative", m.msg.get_content_type()
    assert sorted(m.parts()) == [("text/html", "utf-8"), ("text/plain", "utf-8")], m.parts()
    assert m.text and m.text.strip() and m.html and m.html.strip()


def expect_mail(smtp, kind, to, since=0, timeout=MAIL_WAIT, count=1):
    m = smtp.wait_for(kind=kind, to=to, since=since, timeout=timeout, count=count)
    assert_well_formed(m, to)
    return m


def is_page_link(link, base, page):
    """Whether `link` is base + the page (SPEC.md's path, see PAGES) + ?token=."""
    return any(link.startswith(base + p + "?token=") for p in PAGES[page])


def token_in(s, m, page):
    """The token of the message's link, after checking where the link goes."""
    link = link_in(m)
    assert is_page_link(link, s.url(""), page), link
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["token"][0]
    assert TOKEN.fullmatch(token), token
    assert token in m.html, "the html part has the same link"
    return token


def verify(s, token):
    return s.post("/email/verify", json={"token": token})


def verified_user(s, smtp, prefix="verified"):
    """A user whose address is verified: (name, address)."""
    address = new_address(prefix)
    name = signup_with(s, address)
    token = token_in(s, expect_mail(smtp, "verify_email", address), "/email/verify")
    r = verify(s, token)
    assert r.status_code == 200, r.text
    return name, address
