"""A software authenticator for the tests: makes and uses passkeys as a
platform authenticator would (ES256, CBOR by hand, signatures from the
`cryptography` package), speaking the JSON of PublicKeyCredential.toJSON().
Nothing here is latchkey's code."""
import base64
import hashlib
import json
import os
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    if n < 256:
        return bytes([major << 5 | 24, n])
    if n < 65536:
        return bytes([major << 5 | 25]) + struct.pack(">H", n)
    return bytes([major << 5 | 26]) + struct.pack(">I", n)


def cbor(value):
    """The CBOR of ints, bytes, text and dicts (enough for WebAuthn)."""
    if isinstance(value, bool):
        raise TypeError("no booleans here")
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode()
        return _head(3, len(raw)) + raw
    if isinstance(value, dict):
        return _head(5, len(value)) + b"".join(cbor(k) + cbor(v) for k, v in value.items())
    raise TypeError(type(value))


UP, UV, BE, AT = 0x01, 0x04, 0x08, 0x40


class SoftAuthenticator:
    def __init__(self, rp_id="localhost", origin=None):
        self.rp_id = rp_id
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.count = 0
        self.user_handle = b""

    def cose(self):
        n = self.key.public_key().public_numbers()
        return cbor({1: 2, 3: -7, -1: 1, -2: n.x.to_bytes(32, "big"), -3: n.y.to_bytes(32, "big")})

    def client_data(self, kind, challenge, origin=None):
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin or self.origin,
                           "crossOrigin": False}).encode()

    def create(self, options, origin=None, flags=UP | UV):
        pk = options["publicKey"]
        assert pk["rp"]["id"] == self.rp_id
        self.user_handle = unb64u(pk["user"]["id"])
        cdj = self.client_data("webauthn.create", pk["challenge"], origin)
        data = (hashlib.sha256(self.rp_id.encode()).digest() + bytes([flags | AT]) + struct.pack(">I", self.count)
                + bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id + self.cose())
        att = cbor({"fmt": "none", "attStmt": {}, "authData": data})
        return {"id": b64u(self.credential_id), "rawId": b64u(self.credential_id), "type": "public-key",
                "response": {"clientDataJSON": b64u(cdj), "attestationObject": b64u(att)}}

    def get(self, options, origin=None, flags=UP | UV, count_step=1, challenge=None):
        pk = options["publicKey"]
        self.count += count_step
        cdj = self.client_data("webauthn.get", challenge or pk["challenge"], origin)
        data = hashlib.sha256(self.rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", self.count)
        sig = self.key.sign(data + hashlib.sha256(cdj).digest(), ec.ECDSA(hashes.SHA256()))
        return {"id": b64u(self.credential_id), "rawId": b64u(self.credential_id), "type": "public-key",
                "response": {"clientDataJSON": b64u(cdj), "authenticatorData": b64u(data), "signature": b64u(sig),
                             "userHandle": b64u(self.user_handle)}}
