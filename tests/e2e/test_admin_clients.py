"""OAuth clients for administrators: /admin/clients over HTTP and
`latchkey clients` on the command line, against the same database. Every
secret is shown once, by the call that made it; show and list never print a
secret or its digest; every change is in the audit trail."""
import json
import sqlite3

import pytest

from conftest import assert_error, bearer, module_server, run_cli

ADMIN_TOKEN = "admin-token-for-the-client-admin-tests-0123456789"
ADMIN = bearer(ADMIN_TOKEN)
WEB = {"client_name": "Admin app", "redirect_uris": ["https://app.example.com/callback"]}


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory):
    yield from module_server(tmp_path_factory, "clients", {"ADMIN_TOKEN": ADMIN_TOKEN})


def call(s, method, path, **kw):
    return s.request(method, path, headers={**ADMIN, **kw.pop("headers", {})}, **kw)


def ok(r, status=200):
    assert r.status_code == status, r.text
    assert r.headers.get("Cache-Control") == "no-store"
    return r.json()


def cli(s, *args, code=0, input=None):
    out = run_cli(s, "clients", *args, input=input)
    assert out.code == code, out
    return out


def cli_json(s, *args):
    return json.loads(cli(s, *args, "--json").stdout)


def stored_digests(s):
    """Every secret and registration digest in the server's database."""
    with sqlite3.connect(s.workdir / "latchkey.db") as db:
        table = "oauth_clients"
        columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
        wanted = [c for c in columns if "digest" in c]
        assert wanted, columns
        return {v for row in db.execute(f"SELECT {', '.join(wanted)} FROM {table}") for v in row if v}


def audit(s):
    return ok(call(s, "GET", "/admin/audit?limit=1000"))["events"]


def events_of(s, client_id):
    return [(e["event"], e["actor"]) for e in audit(s) if e["detail"].get("client_id") == client_id]


# -- the admin API --------------------------------------------------------------------


def test_api_add_list_show_update_rotate_delete(admin_server):
    s = admin_server
    created = ok(call(s, "POST", "/admin/clients", json={**WEB, "first_party": True}), 201)
    cid, secret = created["client_id"], created["client_secret"]
    assert len(secret) >= 43 and len(created["registration_access_token"]) >= 43
    assert created["first_party"] is True and created["has_secret"] is True
    assert created["created_at"] == created["updated_at"]

    shown = ok(call(s, "GET", f"/admin/clients/{cid}"))
    assert shown["client_name"] == "Admin app" and shown["has_secret"] is True
    assert "client_secret" not in shown and "registration_access_token" not in shown
    listed = ok(call(s, "GET", "/admin/clients?limit=1000"))
    assert cid in [c["client_id"] for c in listed["clients"]]

    updated = ok(call(s, "PUT", f"/admin/clients/{cid}",
                      json={**WEB, "client_name": "Renamed", "grant_types": ["authorization_code", "refresh_token"]}))
    assert updated["client_name"] == "Renamed" and updated["first_party"] is False  # replaced: left out
    assert "client_secret" not in updated

    rotated = ok(call(s, "POST", f"/admin/clients/{cid}/secret"))
    new_secret = rotated["client_secret"]
    assert len(new_secret) >= 43 and new_secret != secret
    assert "registration_access_token" not in rotated

    # No secret, old or new, nor any digest, is ever shown again.
    digests = stored_digests(s)
    assert digests
    for r in (call(s, "GET", f"/admin/clients/{cid}"), call(s, "GET", "/admin/clients?limit=1000"),
              call(s, "GET", "/admin/audit?limit=1000")):
        for value in (secret, new_secret, created["registration_access_token"], *digests):
            assert value not in r.text

    assert ok(call(s, "DELETE", f"/admin/clients/{cid}")) == {"message": "Client deleted"}
    assert_error(call(s, "GET", f"/admin/clients/{cid}"), 404, "client_not_found")
    assert events_of(s, cid) == [("client.deleted", "admin-api"), ("client.secret_rotated", "admin-api"),
                                 ("client.updated", "admin-api"), ("client.created", "admin-api")]


def test_api_list_pages(admin_server):
    s = admin_server
    for _ in range(3):
        ok(call(s, "POST", "/admin/clients", json=WEB), 201)
    first = ok(call(s, "GET", "/admin/clients?limit=2"))
    assert len(first["clients"]) == 2 and first["next"] == first["clients"][-1]["client_id"]
    rest = ok(call(s, "GET", f"/admin/clients?limit=1000&after={first['next']}"))
    assert rest["next"] is None
    assert not {c["client_id"] for c in first["clients"]} & {c["client_id"] for c in rest["clients"]}
    for query, code in (("limit=0", "invalid_request"), ("user=x", "invalid_request"), ("nope=1", "invalid_request")):
        assert_error(call(s, "GET", "/admin/clients?" + query), 400, code)


@pytest.mark.parametrize("body,code", [
    ("{", "invalid_json"), ("[]", "invalid_json"), ('{"client_name": "a", "client_name": "b"}', "invalid_json"),
    ("{}", "invalid_redirect_uri"),
    ('{"redirect_uris": ["javascript:alert(1)"]}', "invalid_redirect_uri"),
    ('{"redirect_uris": ["http://evil.example/cb"]}', "invalid_redirect_uri"),
    ('{"redirect_uris": ["https://a.example/cb#x"]}', "invalid_redirect_uri"),
    ('{"redirect_uris": ["https://*.example/cb"]}', "invalid_redirect_uri"),
    ('{"redirect_uris": ["https://a.example/cb"], "grant_types": ["implicit"]}', "invalid_client_metadata"),
    ('{"redirect_uris": ["https://a.example/cb"], "client_name": 5}', "invalid_client_metadata"),
    ('{"redirect_uris": ["https://a.example/cb"], "first_party": "yes"}', "invalid_client_metadata"),
])
def test_api_refuses_bad_metadata(admin_server, body, code):
    s = admin_server
    r = call(s, "POST", "/admin/clients", data=body, headers={"Content-Type": "application/json"})
    assert_error(r, 400, code)
    cid = ok(call(s, "POST", "/admin/clients", json=WEB), 201)["client_id"]
    assert_error(call(s, "PUT", f"/admin/clients/{cid}", data=body, headers={"Content-Type": "application/json"}),
                 400, code)
    assert ok(call(s, "GET", f"/admin/clients/{cid}"))["redirect_uris"] == WEB["redirect_uris"]


@pytest.mark.parametrize("method,suffix", [("GET", ""), ("PUT", ""), ("DELETE", ""), ("POST", "/secret")])
def test_api_unknown_clients_are_404(admin_server, method, suffix):
    r = call(admin_server, method, "/admin/clients/no-such-client" + suffix, json=WEB)
    assert_error(r, 404, "client_not_found")


def test_api_public_client_has_no_secret(admin_server):
    s = admin_server
    c = ok(call(s, "POST", "/admin/clients", json={**WEB, "token_endpoint_auth_method": "none"}), 201)
    assert "client_secret" not in c and c["has_secret"] is False
    assert_error(call(s, "POST", f"/admin/clients/{c['client_id']}/secret"), 400, "invalid_client_metadata")
    # Made confidential, it gets a secret in that answer.
    made = ok(call(s, "PUT", f"/admin/clients/{c['client_id']}", json=WEB))
    assert len(made["client_secret"]) >= 43 and made["has_secret"] is True


def test_api_needs_the_admin_token(admin_server):
    for method, path in (("GET", "/admin/clients"), ("POST", "/admin/clients"), ("GET", "/admin/clients/x"),
                         ("PUT", "/admin/clients/x"), ("DELETE", "/admin/clients/x"),
                         ("POST", "/admin/clients/x/secret")):
        r = admin_server.request(method, path)
        assert_error(r, 401, "token_missing")


def test_api_is_off_without_the_admin_token(server):
    assert_error(server.get("/admin/clients", headers=ADMIN), 404, "not_found")


def test_api_wrong_methods_are_405(admin_server):
    r = call(admin_server, "PATCH", "/admin/clients/x", json=WEB)
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "DELETE, GET, PUT"
    r = call(admin_server, "GET", "/admin/clients/x/secret")
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "POST"


# -- latchkey clients ------------------------------------------------------------------


def test_cli_add_with_flags_then_list_show_rotate_delete(admin_server):
    s = admin_server
    out = cli(s, "add", "--name", "CLI app", "--redirect-uri", "https://cli.example.com/cb",
              "--redirect-uri=http://127.0.0.1:8765/cb", "--grant-type", "authorization_code",
              "--grant-type", "refresh_token", "--first-party")
    lines = out.stdout.splitlines()
    assert lines[0].startswith("created confidential client ")
    cid = lines[0].split()[-1]
    secret = next(l.split()[-1] for l in lines if l.startswith("client_secret:"))
    token = next(l.split()[-1] for l in lines if l.startswith("registration_access_token:"))
    assert len(secret) >= 43 and len(token) >= 43 and "once" in out.stdout

    # The running server sees it at once, and shows no secret.
    shown = ok(call(s, "GET", f"/admin/clients/{cid}"))
    assert shown["client_name"] == "CLI app" and shown["first_party"] is True
    assert shown["redirect_uris"] == ["https://cli.example.com/cb", "http://127.0.0.1:8765/cb"]
    assert shown["grant_types"] == ["authorization_code", "refresh_token"]
    # Its registration access token works at /register/{client_id}.
    assert s.get(f"/register/{cid}", headers=bearer(token)).status_code == 200

    table = cli(s, "list").stdout.splitlines()
    assert table[0].split() == ["CLIENT_ID", "NAME", "TYPE", "GRANTS", "FIRST_PARTY", "CREATED"]
    assert any(l.startswith(cid) and "confidential" in l for l in table[1:])
    listed = cli_json(s, "list")["clients"]
    assert cid in [c["client_id"] for c in listed]
    assert len(cli_json(s, "list", "--limit", "1")["clients"]) == 1

    text = cli(s, "show", cid).stdout
    assert "client_id:" in text and cid in text and "CLI app" in text and "set (shown only when issued)" in text
    assert cli_json(s, "show", cid)["client_id"] == cid

    rotated = cli(s, "rotate-secret", cid).stdout
    new_secret = next(l.split()[-1] for l in rotated.splitlines() if l.startswith("client_secret:"))
    assert new_secret != secret and "registration_access_token" not in rotated
    rotated_json = cli_json(s, "rotate-secret", cid)
    assert rotated_json["client_secret"] not in (secret, new_secret)

    # Never again: no secret, old or new, no digest, in show, list or the trail.
    digests = stored_digests(s)
    for out in (cli(s, "show", cid), cli(s, "show", cid, "--json"), cli(s, "list"), cli(s, "list", "--json"),
                run_cli(s, "audit", "--limit", "1000", "--json")):
        for value in (secret, new_secret, rotated_json["client_secret"], token, *digests):
            assert value not in out.stdout and value not in out.stderr

    assert "deleted client " + cid in cli(s, "delete", cid).stdout
    assert_error(call(s, "GET", f"/admin/clients/{cid}"), 404, "client_not_found")
    assert events_of(s, cid) == [("client.deleted", "cli"), ("client.secret_rotated", "cli"),
                                 ("client.secret_rotated", "cli"), ("client.created", "cli")]


def test_cli_add_and_update_with_metadata(admin_server, tmp_path):
    s = admin_server
    meta = {"client_name": "From JSON", "redirect_uris": ["com.example.app:/cb"], "token_endpoint_auth_method": "none",
            "scope": "openid profile"}
    c = cli_json(s, "add", "--metadata", json.dumps(meta))
    assert c["client_name"] == "From JSON" and "client_secret" not in c and c["has_secret"] is False
    assert c["registration_access_token"]
    cid = c["client_id"]
    # Flags alone change the metadata as it is.
    changed = cli_json(s, "update", cid, "--name", "Renamed")
    assert changed["client_name"] == "Renamed" and changed["scope"] == "openid profile"
    assert changed["token_endpoint_auth_method"] == "none"
    # A document replaces it; here the client becomes confidential and gets a secret, printed once.
    path = tmp_path / "meta.json"
    path.write_text(json.dumps({"client_name": "File", "redirect_uris": ["https://f.example/cb"]}))
    out = cli(s, "update", cid, "--metadata-file", str(path))
    assert out.stdout.startswith("updated client " + cid)
    assert any(l.startswith("client_secret:") for l in out.stdout.splitlines())
    shown = cli_json(s, "show", cid)
    assert shown["client_name"] == "File" and shown["scope"] == "openid" and shown["has_secret"] is True
    # From stdin, with a flag on top.
    out = cli(s, "update", cid, "--metadata-file", "-", "--public", "--json",
              input=json.dumps({"redirect_uris": ["http://localhost/cb"]}))
    assert json.loads(out.stdout)["token_endpoint_auth_method"] == "none"
    assert cli_json(s, "show", cid)["has_secret"] is False
    # A machine client from flags: response_types follows the grants.
    m = cli_json(s, "add", "--name", "Machine", "--grant-type", "client_credentials")
    assert m["grant_types"] == ["client_credentials"] and m["response_types"] == [] and m["client_secret"]
    assert [e for e, _ in events_of(s, cid)][-1] == "client.created"
    assert {a for _, a in events_of(s, cid)} == {"cli"}


def one_line_error(out, code):
    assert out.code == code, out
    lines = [l for l in out.stderr.strip().splitlines() if l.startswith("latchkey: ")]
    assert len(lines) == 1, out.stderr
    return lines[0]


def test_cli_refusals(admin_server, tmp_path):
    s = admin_server
    run = lambda *a, **kw: run_cli(s, "clients", *a, **kw)
    assert "invalid_redirect_uri" in one_line_error(run("add", "--redirect-uri", "javascript:alert(1)"), 1)
    assert "invalid_redirect_uri" in one_line_error(run("add", "--redirect-uri", "http://evil.example/cb"), 1)
    assert "invalid_redirect_uri" in one_line_error(run("add", "--name", "no uris"), 1)
    assert "invalid_client_metadata" in one_line_error(
        run("add", "--redirect-uri", "https://a.example/cb", "--grant-type", "implicit"), 1)
    one_line_error(run("add", "--metadata", "{not json"), 2)
    one_line_error(run("add", "--metadata", "[]"), 2)
    one_line_error(run("add", "--metadata", '{"a": 1, "a": 2}'), 2)
    one_line_error(run("add", "--metadata", "{}", "--metadata-file", str(tmp_path / "x")), 2)
    one_line_error(run("add", "--metadata-file", str(tmp_path / "missing.json")), 2)
    one_line_error(run("add", "--name"), 2)
    assert "no such client" in one_line_error(run("show", "no-such-client"), 1)
    # An id may start with '-' (base64url): a word, not an option.
    assert "no such client" in one_line_error(run("show", "-0SL1_SwXiwhTNL2XKJ7jw"), 1)
    assert "no such client" in one_line_error(run("delete", "no-such-client"), 1)
    assert "no such client" in one_line_error(run("rotate-secret", "no-such-client"), 1)
    assert "no such client" in one_line_error(run("update", "no-such-client", "--name", "x"), 1)
    one_line_error(run("update", "no-such-client"), 2)  # nothing to change
    one_line_error(run("show"), 2)
    one_line_error(run("list", "extra"), 2)
    one_line_error(run("show", "x", "--name", "y"), 2)
    one_line_error(run("list", "--user", "x"), 2)
    one_line_error(run("delete", "x", "--limit", "3"), 2)
    one_line_error(run("frobnicate", "x"), 2)
    one_line_error(run(), 2)
    # Other commands do not take the clients' flags.
    assert run_cli(s, "user", "list", "--name", "x").code == 2
    pub = cli_json(s, "add", "--redirect-uri", "http://127.0.0.1/cb", "--public")
    assert "has no secret" in one_line_error(run("rotate-secret", pub["client_id"]), 1)


def test_cli_and_help(tmp_path):
    from conftest import run_to_exit
    out = run_to_exit(tmp_path, args=["--help"])
    assert out.code == 0 and "latchkey clients add" in out.stdout and "rotate-secret" in out.stdout
