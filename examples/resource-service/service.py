#!/usr/bin/env python3
"""A resource service that trusts latchkey's access tokens, knowing nothing
but latchkey's public keys (its JWKS). It never calls latchkey per request:
it verifies each token offline, as any service of an SSO deployment would.

    python3 service.py --name orders --port 7001 --issuer http://127.0.0.1:5000

GET /whoami with `Authorization: Bearer <latchkey access token>` answers
{"service": ..., "user": ..., "sub": ..., "session": ...}; anything else 401.
Needs only Python 3 and PyJWT (Debian: python3-jwt).
"""
import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt  # PyJWT

ALGORITHMS = ["ES256", "EdDSA", "RS256"]  # never "none", never HS256 with a public key


def make_verifier(issuer, audience):
    # Fetches the JWKS once, then again only for a kid it has not seen
    # (a rotated-in key), caching keys for five minutes.
    jwks = jwt.PyJWKClient(f"{issuer}/.well-known/jwks.json", cache_keys=True, lifespan=300)

    def verify(token):
        header = jwt.get_unverified_header(token)
        if header.get("typ") != "at+jwt":  # RFC 9068: only access tokens
            raise jwt.InvalidTokenError("not an access token")
        key = jwks.get_signing_key_from_jwt(token)
        return jwt.decode(token, key.key, algorithms=ALGORITHMS, audience=audience, issuer=issuer,
                          leeway=30, options={"require": ["exp", "iat", "sub", "sid"]})

    return verify


def serve(name, port, issuer, audience):
    verify = make_verifier(issuer, audience)

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if status == 401:
                self.send_header("WWW-Authenticate", 'Bearer error="invalid_token"')
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path != "/whoami":
                return self._answer(404, {"error": "not_found"})
            scheme, _, token = self.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token:
                return self._answer(401, {"error": "token_missing"})
            try:
                claims = verify(token.strip())
            except jwt.PyJWTError as e:
                return self._answer(401, {"error": "invalid_token", "message": str(e)})
            return self._answer(200, {"service": name, "user": claims.get("preferred_username"),
                                      "sub": claims["sub"], "session": claims["sid"]})

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--name", default="resource")
    p.add_argument("--port", type=int, default=7001)
    p.add_argument("--issuer", default="http://127.0.0.1:5000")
    p.add_argument("--audience", default="latchkey")
    a = p.parse_args()
    serve(a.name, a.port, a.issuer.rstrip("/"), a.audience)
