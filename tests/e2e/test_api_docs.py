"""The API description: GET /openapi.json serves docs/openapi.json, and
docs/postman_collection.json covers the same operations."""
import json
from pathlib import Path

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
