"""The API description: GET /openapi.json serves docs/openapi.json, and
docs/postman_collection.json covers the same operations."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import assert_error
from openapi_check import DOC, documented_operations

ROOT = Path(__file__).resolve().parent.parent.parent


def test_openapi_json_is_served(shared_server):
    r = shared_server.get("/openapi.json")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Cache-Control"] == "public, max-age=3600"
    assert "Pragma" not in r.headers
    assert r.json() == DOC  # the file as built in, compacted
    assert len(r.content) < len((ROOT / "docs" / "openapi.json").read_bytes())


def test_openapi_json_bad_requests(shared_server):
    r = shared_server.post("/openapi.json", json={})
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "GET"
    assert_error(shared_server.get("/openapi.json/x"), 404, "not_found")
    # A query string changes nothing.
    assert shared_server.get("/openapi.json?x=<script>").json() == DOC


def test_every_operation_documents_the_error_schema():
    for method, path in documented_operations():
        responses = DOC["paths"][path][method.lower()]["responses"]
        for status, resp in responses.items():
            if status.startswith(("4", "5")):
                text = json.dumps(resp)
                assert "#/components/schemas/Error" in text or "#/components/responses/" in text, (method, path, status)


COLLECTION = json.loads((ROOT / "docs" / "postman_collection.json").read_text())
INTEROP = ROOT / "tests" / "interop"


def collection_requests(items=None):
    """Every request of the collection, in order, with its item."""
    for item in COLLECTION["item"] if items is None else items:
        if "item" in item:
            yield from collection_requests(item["item"])
        else:
            yield item


def folder(name):
    (found,) = [i for i in COLLECTION["item"] if i["name"] == name]
    return found


def documented_path(item):
    """The request's path as docs/openapi.json writes it: Postman's :name is {name}."""
    return "/" + "/".join("{" + s[1:] + "}" if s.startswith(":") else s for s in item["request"]["url"]["path"])


def test_postman_collection_is_v21():
    info = COLLECTION["info"]
    assert info["schema"] == "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
    assert info["name"] and info["_postman_id"]
    assert isinstance(COLLECTION["item"], list) and COLLECTION["item"]
    variables = {v["key"] for v in COLLECTION["variable"]}
    assert {"base_url", "access_token", "refresh_token", "username", "password", "admin_token"} <= variables
    for item in collection_requests():
        r = item["request"]
        assert item["name"] and r["method"] in {"GET", "POST", "PUT", "PATCH", "DELETE"}, item
        query = "&".join(f"{q['key']}={q['value']}" for q in r["url"].get("query", []))
        assert r["url"]["raw"] == "{{base_url}}/" + "/".join(r["url"]["path"]) + ("?" + query if query else ""), item
        assert r["url"]["host"] == ["{{base_url}}"]
        path_variables = [s[1:] for s in r["url"]["path"] if s.startswith(":")]
        assert [v["key"] for v in r["url"].get("variable", [])] == path_variables, item
        for event in item.get("event", []):
            assert event["listen"] in {"test", "prerequest"}
            assert event["script"]["type"] == "text/javascript" and isinstance(event["script"]["exec"], list)
        if r.get("auth"):
            assert r["auth"]["type"] in {"noauth", "bearer", "basic"}
            if r["auth"]["type"] != "noauth":
                assert isinstance(r["auth"][r["auth"]["type"]], list)


def test_postman_collection_covers_every_operation():
    in_collection = {(i["request"]["method"], documented_path(i)) for i in collection_requests()}
    missing = documented_operations() - in_collection
    assert not missing, f"in docs/openapi.json but not in docs/postman_collection.json: {sorted(missing)}"
    extra = in_collection - documented_operations()
    assert not extra, f"in the collection but not documented: {sorted(extra)}"


def test_admin_folder_uses_the_admin_token():
    admin = folder("Admin")
    assert admin["auth"] == {"type": "bearer", "bearer": [{"key": "token", "value": "{{admin_token}}", "type": "string"}]}
    for item in collection_requests(admin["item"]):
        path = documented_path(item)
        # Every /admin/ request inherits the folder's auth; the one log-in there has none.
        assert ("auth" not in item["request"]) if path.startswith("/admin/") else item["request"]["auth"] == {"type": "noauth"}
    assert {documented_path(i) for i in collection_requests(admin["item"])} - {"/login"} == {
        p for _, p in documented_operations() if p.startswith("/admin/")}


def test_postman_scripts_keep_the_tokens():
    by_path = {}
    # The Admin folder's log-in keeps only the managed user's session id.
    for i in collection_requests([f for f in COLLECTION["item"] if f["name"] != "Admin"]):
        by_path.setdefault("/" + "/".join(i["request"]["url"]["path"]), []).append(
            "\n".join(line for e in i.get("event", []) for line in e["script"]["exec"]))
    for script in by_path["/login"]:
        assert 'pm.collectionVariables.set("access_token", body.access_token)' in script
        assert 'pm.collectionVariables.set("refresh_token", body.refresh_token)' in script
    (refresh_script,) = by_path["/refresh_token"]
    assert 'pm.collectionVariables.set("access_token", body.new_access_token)' in refresh_script
    assert 'pm.collectionVariables.set("refresh_token", body.refresh_token)' in refresh_script


def run_collection(server, **variables):
    if not shutil.which("node"):
        pytest.skip("node is not installed")
    out = subprocess.run(["node", str(INTEROP / "postman_run.mjs"), str(ROOT / "docs" / "postman_collection.json"),
                          json.dumps({"base_url": server.url("").rstrip("/"), **variables})],
                         capture_output=True, text=True, timeout=60, env={**os.environ, "NO_PROXY": "127.0.0.1"})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["requests"]


def test_postman_collection_runs_against_the_server(server_factory):
    """The whole collection, twice (the second run meets the user made by the
    first; the Admin folder deletes the user it made), as the Collection Runner
    would run it; every test script passes."""
    secret = "introspection-secret-for-postman"
    admin_token = "admin-token-for-the-postman-collection-0123456789"
    s = server_factory(env={"INTROSPECTION_SECRET": secret, "ADMIN_TOKEN": admin_token})
    for run in range(2):
        results = run_collection(s, introspection_secret=secret, admin_token=admin_token)
        assert len(results) == len(list(collection_requests()))
        failed = [(r["name"], t) for r in results for t in r["tests"] if not t["ok"]]
        assert not failed, f"run {run}: {failed}"
        assert all(r["tests"] for r in results), [r["name"] for r in results if not r["tests"]]
        by_name = {r["name"]: r["status"] for r in results}
        assert by_name["Sign up"] == (201 if run == 0 else 409)
        assert by_name["Introspect"] == 200
        assert by_name["Create a user"] == 201 and by_name["Rotate the signing key"] == 200
