"""Checks every answer the e2e suite receives against docs/openapi.json.

attach(session) adds a response hook to a requests.Session: each answer to a
documented path and method must have a documented status, and a JSON body
that validates against that status's schema (JSON Schema 2020-12, as
OpenAPI 3.1 uses). Templated paths (/admin/users/{name}) match any one
segment per parameter; an exact path wins over a template. A documented path
asked with another method must answer 405 with the error schema. Unknown
paths (404 probes), HEAD, streamed answers and answers without a body to
check are left alone.

Problems are collected, not raised (a hook may run in a worker thread or
inside pytest.raises); conftest fails the test with them at teardown.
"""
import json
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema

DOC_PATH = Path(__file__).resolve().parent.parent.parent / "docs" / "openapi.json"
DOC = json.loads(DOC_PATH.read_text())
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

try:  # jsonschema >= 4.18
    import referencing
    import referencing.jsonschema

    _REGISTRY = referencing.Registry().with_resource(
        "urn:latchkey-openapi", referencing.Resource(DOC, referencing.jsonschema.DRAFT202012))

    def _validator(schema):
        return jsonschema.Draft202012Validator(dict(schema, **{"$id": "urn:latchkey-openapi-part"}),
                                               registry=_REGISTRY)
except ImportError:  # Debian bookworm: 4.10
    _RESOLVER = jsonschema.RefResolver.from_schema(DOC)

    def _validator(schema):
        return jsonschema.Draft202012Validator(schema, resolver=_RESOLVER)

_lock = threading.Lock()
_problems = []
_validators = {}  # (path, method, status) -> validator or None (no JSON body documented)
_ERROR_VALIDATOR = _validator({"$ref": "#/components/schemas/Error"})


# (compiled pattern, documented path) of every templated path: one segment per {parameter}.
_TEMPLATES = [(re.compile("^" + "/".join("[^/]+" if seg.startswith("{") else re.escape(seg) for seg in p.split("/"))
                          + "$"), p)
              for p in DOC["paths"] if "{" in p]


def documented_path(path):
    """The documented path (maybe a template) that `path` is, or None."""
    if path in DOC["paths"]:
        return path
    matches = [p for pattern, p in _TEMPLATES if pattern.match(path)]
    if len(matches) > 1:
        _note(f"{path} matches several documented paths: {matches}")
    return matches[0] if matches else None


def _deref(obj):
    while isinstance(obj, dict) and "$ref" in obj:
        node = DOC
        for part in obj["$ref"].lstrip("#/").split("/"):
            node = node[part]
        obj = node
    return obj


def _response_validator(path, method, status):
    key = (path, method, status)
    if key not in _validators:
        resp = _deref(DOC["paths"][path][method]["responses"][status])
        media = (resp.get("content") or {}).get("application/json")
        _validators[key] = _validator(media["schema"]) if media and "schema" in media else None
    return _validators[key]


def _note(problem):
    with _lock:
        _problems.append(problem)


def _body(r, where):
    if not r.headers.get("Content-Type", "").startswith("application/json"):
        _note(f"{where}: Content-Type {r.headers.get('Content-Type')!r}, documented as application/json")
        return None
    try:
        return r.json()
    except ValueError:
        _note(f"{where}: body is not JSON: {r.text[:200]!r}")
        return None


def _validate(validator, body, where):
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        detail = "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message[:200]}"
                           for e in errors[:3])
        _note(f"{where}: body does not match docs/openapi.json: {detail}; body: {json.dumps(body)[:300]}")


def check(r, *args, **kwargs):
    """A requests response hook."""
    if kwargs.get("stream"):
        return r
    method = r.request.method.lower()
    path = documented_path(urlsplit(r.url).path)
    if method == "head" or path is None:
        return r
    status = str(r.status_code)
    where = f"{method.upper()} {urlsplit(r.url).path} -> {status}"
    item = DOC["paths"][path]
    if method not in item:
        if status != "405":
            _note(f"{where}: {method.upper()} is not documented for {path}, so it must answer 405")
        elif (body := _body(r, where)) is not None:
            _validate(_ERROR_VALIDATOR, body, where)
        return r
    if status not in item[method]["responses"]:
        _note(f"{where}: status {status} is not documented; body: {r.text[:200]!r}")
        return r
    validator = _response_validator(path, method, status)
    if validator is not None and (body := _body(r, where)) is not None:
        _validate(validator, body, where)
    return r


def attach(session):
    session.hooks["response"].append(check)
    return session


def take_problems():
    """The problems seen since the last call, and forgets them."""
    with _lock:
        out = list(_problems)
        _problems.clear()
    return out


def documented_operations():
    """{(METHOD, path)} of docs/openapi.json."""
    return {(m.upper(), p) for p, item in DOC["paths"].items() for m in item if m in METHODS}
