"""The OpenID Connect scenarios: latchkey's provider and panva's oidc-provider
(../shared/peers/oidc_provider) under the same wrk load, in the same run.

- oidc_client_credentials: POST /token grant_type=client_credentials, Basic
  (lua/client_credentials.lua); the figure is tokens/s.
- oidc_code_flow: a browser already signed in: GET /authorize with its
  session cookie answers 303 with a code, POST /token redeems it (Basic) for
  an id_token (lua/code_flow.lua); the figure is completed flows/s and the
  flow's latency, authorization request sent to id_token received.

BROWSERS browsers (each its own user) sign in once per server before the load,
through the server's own pages (latchkey: the hosted login form, POST /signin;
the peer: its development login and consent forms); their session cookies go
to wrk in a file (BENCH_COOKIES), used round-robin. Many browsers, as real
traffic has: the peer's in-memory adapter keeps each grant's tokens in one
list that every new token walks, so a single browser would slow it down run
after run (measured: 470 flows/s, then 230 after 10,000 flows).
Both register the same shapes of client: confidential, client_secret_basic,
RS256 id_tokens (latchkey's default, the peer's bench-web), scope openid.

With the peer, both servers run at once and their runs alternate, so that on a
machine shared with other work both meet the same conditions; each row is the
median of its server's runs, as elsewhere.
"""
import argparse
import base64
import concurrent.futures as futures
import contextlib
import html.parser
import statistics
import subprocess
import urllib.parse as up

import requests

import server as srv

NAMES = ("oidc_client_credentials", "oidc_code_flow")
REDIRECT_URI = "http://127.0.0.1:5999/cb"
ADMIN_TOKEN = "bench-admin-token-" + "0123456789abcdef" * 2
USER, PASSWORD = "oidc-bench", "bench password correct horse"
BROWSERS = 64


def wanted(args):
    return [n for n in NAMES if not args.only or n in args.only or "oidc" in args.only]


class Forms(html.parser.HTMLParser):
    """The first form of a page: its action and its inputs' names and values."""

    def __init__(self, text):
        super().__init__()
        self.action, self.fields = None, {}
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = a.get("action", "")
        elif tag == "input" and a.get("name"):
            self.fields.setdefault(a["name"], a.get("value") or "")


def basic(client_id, secret):
    return base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def authorize_query(client_id):
    return up.urlencode({"client_id": client_id, "response_type": "code", "scope": "openid",
                         "redirect_uri": REDIRECT_URI})


def browser_sign_in(base, authorize_path, login, password, max_steps=10):
    """Runs an authorization request in a fresh browser, filling in whatever
    forms the server shows (login, consent), until it redirects to the client
    with a code. Returns the browser (its cookies are the session) and the code."""
    b = requests.Session()
    r = b.get(base + authorize_path + "&state=signin&nonce=signin", allow_redirects=False, timeout=30)
    for _ in range(max_steps):
        if r.status_code in (302, 303):
            loc = up.urljoin(r.url, r.headers["Location"])
            if loc.startswith(REDIRECT_URI):
                code = up.parse_qs(up.urlsplit(loc).query).get("code")
                assert code, f"sign-in ended without a code: {loc}"
                return b, code[0]
            r = b.get(loc, allow_redirects=False, timeout=30)
            continue
        assert r.status_code == 200, (r.status_code, r.text[:500])
        form = Forms(r.text)
        assert form.action is not None, f"no form on {r.url}: {r.text[:500]}"
        fields = dict(form.fields)
        for k, v in (("username", login), ("login", login), ("password", password)):
            if k in fields:
                fields[k] = v
        r = b.post(up.urljoin(r.url, form.action), data=fields, allow_redirects=False, timeout=30)
    raise RuntimeError(f"sign-in did not finish at {base}")


def check_flow(server, setup):
    """One flow by hand, as the wrk script will run it: a wrong cookie or client
    fails here, with its answer, instead of as a table of errors."""
    h = {"Cookie": open(setup["BENCH_COOKIES"]).readline().strip()}
    r = requests.get(server.url + setup["BENCH_AUTHORIZE"] + "&state=1&nonce=1", headers=h,
                     allow_redirects=False, timeout=30)
    assert r.status_code == 303 and "code=" in r.headers.get("Location", ""), (r.status_code, r.headers, r.text[:300])
    code = up.parse_qs(up.urlsplit(r.headers["Location"]).query)["code"][0]
    t = requests.post(server.url + "/token", timeout=30,
                      headers={"Authorization": "Basic " + setup["BENCH_BASIC"]},
                      data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI})
    assert t.status_code == 200 and "id_token" in t.json(), (t.status_code, t.text[:300])
    c = requests.post(server.url + "/token", timeout=30,
                      headers={"Authorization": "Basic " + setup["BENCH_CC_BASIC"]},
                      data={"grant_type": "client_credentials"})
    assert c.status_code == 200 and "access_token" in c.json(), (c.status_code, c.text[:300])


def sign_in_browsers(server, work, tag, path, cookie_names, signup=False):
    """BROWSERS browsers, user i in browser i; their cookies, one line each, in a file."""
    def one(i):
        user = f"{USER}-{i}"
        if signup:
            server.signup(user, PASSWORD)
        browser, _ = browser_sign_in(server.url, path, user, PASSWORD)
        cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies if c.name in cookie_names)
        assert cookie, f"no session cookie after sign-in: {browser.cookies}"
        return cookie
    with futures.ThreadPoolExecutor(8) as ex:
        cookies = list(ex.map(one, range(BROWSERS)))
    f = work / f"{tag}-cookies.txt"
    f.write_text("\n".join(cookies) + "\n")
    return str(f)


def latchkey_setup(server, work):
    """Registers the two clients (RFC 7591, ADMIN_TOKEN as the initial access
    token), signs users up and in; the wrk scripts' environment."""
    def register(body):
        r = requests.post(server.url + "/register", json=body, timeout=30,
                          headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert r.status_code == 201, (r.status_code, r.text)
        return r.json()["client_id"], r.json()["client_secret"]

    cc = register({"client_name": "bench-client", "grant_types": ["client_credentials"],
                   "redirect_uris": [], "response_types": [],
                   "token_endpoint_auth_method": "client_secret_basic"})
    web = register({"client_name": "bench-web", "redirect_uris": [REDIRECT_URI],
                    "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
                    "scope": "openid profile", "first_party": True,
                    "token_endpoint_auth_method": "client_secret_basic",
                    "id_token_signed_response_alg": "RS256"})
    path = "/authorize?" + authorize_query(web[0])
    cookies = sign_in_browsers(server, work, "latchkey", path, {"lk_session"}, signup=True)
    return {"BENCH_BASIC": basic(*web), "BENCH_CC_BASIC": basic(*cc), "BENCH_AUTHORIZE": path,
            "BENCH_COOKIES": cookies, "BENCH_REDIRECT_URI": REDIRECT_URI}


def peer_setup(server, work):
    """The peer's static clients (server.js), and browsers signed in through
    its development login and consent forms (any login and password)."""
    path = "/auth?" + authorize_query("bench-web")
    cookies = sign_in_browsers(server, work, "peer", path, {"_session", "_session.sig"})
    return {"BENCH_BASIC": basic("bench-web", "bench-web-secret-0123456789abcdef"),
            "BENCH_CC_BASIC": basic("bench-client", "bench-client-secret-0123456789abcdef"),
            "BENCH_AUTHORIZE": path, "BENCH_COOKIES": cookies, "BENCH_REDIRECT_URI": REDIRECT_URI}


def scenarios(setup, Scenario):
    return {
        "oidc_client_credentials": Scenario("oidc_client_credentials", "client_credentials.lua",
                                            {"BENCH_BASIC": setup["BENCH_CC_BASIC"]}),
        "oidc_code_flow": Scenario("oidc_code_flow", "code_flow.lua", setup),
    }


def merged(name, singles):
    """One row from single-run rows of one server, as measure() makes it from its runs."""
    med = lambda k: statistics.median(r[k] for r in singles)  # noqa: E731
    mean = lambda k: statistics.fmean(r[k] for r in singles)  # noqa: E731 (runs of equal length)
    return {"scenario": name, "rps": med("rps"), "p50_ms": med("p50_ms"), "p99_ms": med("p99_ms"),
            "errors": sum(r["errors"] for r in singles), "cpu": mean("cpu"),
            "busiest_thread_cpu": mean("busiest_thread_cpu"), "wrk_cpu": mean("wrk_cpu"),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in singles),
            "runs": [run for r in singles for run in r["runs"]]}


def set_up(who, server, setup, work):
    """The server's setup; a server that died on the way says so, not a connection error."""
    try:
        return setup(server, work)
    except requests.ConnectionError:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{who} exited with status {server.proc.returncode} during the "
                               "OpenID Connect set-up (sign-in through its pages)") from None
        raise


def rows(args, work, Scenario, measure, print_row, peer=False):
    """latchkey's rows and, with `peer`, oidc-provider's. Both servers run at
    once and their runs alternate (latchkey's run 1, the peer's run 1, ...):
    on a machine shared with other work, both meet the same conditions."""
    out = {"latchkey": []}
    with contextlib.ExitStack() as stack:
        lk = stack.enter_context(srv.Latchkey(args.bin, work / "oidc.db", {"ADMIN_TOKEN": ADMIN_TOKEN}))
        print(f"latchkey OpenID provider (pid {lk.pid})", flush=True)
        servers = [("latchkey", lk, set_up("latchkey", lk, latchkey_setup, work))]
        if peer:
            op = stack.enter_context(srv.OidcPeer())
            print(f"oidc-provider peer (pid {op.pid}, started in {op.startup_s:.1f} s)", flush=True)
            servers.append(("peer", op, set_up("oidc-provider", op, peer_setup, work)))
            out["peer"] = []
            out["node"] = subprocess.run(["node", "--version"], capture_output=True,
                                         text=True).stdout.strip().lstrip("v")
        for _, server, setup in servers:
            check_flow(server, setup)
        one_run = argparse.Namespace(**{**vars(args), "runs": 1})
        for name in wanted(args):
            singles = {who: [] for who, _, _ in servers}
            for i in range(args.runs):
                for who, server, setup in servers:
                    singles[who].append(measure(server, scenarios(setup, Scenario)[name], one_run,
                                                warm_up=i == 0))
            for who, _, _ in servers:
                out[who].append(merged(name, singles[who]))
                print(f"  [{who}]", end="")
                print_row(out[who][-1])
    return out
