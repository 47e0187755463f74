"""panva's openid-client (npm, pinned in tests/interop, signature checks
enabled) as a public client with PKCE: discovery, the authorization URL,
the code exchange with the id_token's signature, iss, aud, nonce and
at_hash checked, and UserInfo."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from oidc_support import OIDC_ENV, Browser, make_user, register

INTEROP = Path(__file__).resolve().parent.parent / "interop"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(not NODE or not (INTEROP / "node_modules" / "openid-client").exists(),
                                reason="node and tests/interop's packages are needed (make test installs them)")


def run(*args):
    out = subprocess.run([NODE, str(INTEROP / "oidc_public_client.mjs"), *args], capture_output=True, text=True,
                         timeout=60, cwd=INTEROP)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_openid_client_public_client_with_pkce(server_factory):
    op = server_factory(env=OIDC_ENV)
    redirect = "http://127.0.0.1:9/cb"
    client = register(op, token_endpoint_auth_method="none", first_party=True, redirect_uris=[redirect],
                      grant_types=["authorization_code"])
    assert "client_secret" not in client
    user = make_user(op)
    issuer = op.url("")
    started = run("start", issuer, client["client_id"], redirect)
    browser = Browser(op)
    page = browser.get(started["url"])
    assert page.status_code == 200
    back = browser.sign_in(page, user)
    assert back.status_code == 303, back.text[:500]
    done = run("finish", issuer, client["client_id"], back.headers["Location"], started["verifier"],
               started["state"], started["nonce"])
    assert done["ok"], done
    assert done["claims"]["iss"] == issuer and done["claims"]["aud"] == client["client_id"]
    assert done["userinfo"]["sub"] == done["claims"]["sub"]
    assert done["userinfo"]["preferred_username"] == user
    # A wrong verifier fails in the library too.
    started = run("start", issuer, client["client_id"], redirect)
    back = browser.get(started["url"])  # signed in already: straight back with a code
    assert back.status_code == 303
    failed = run("finish", issuer, client["client_id"], back.headers["Location"], "x" * 43, started["state"],
                 started["nonce"])
    assert not failed["ok"]
