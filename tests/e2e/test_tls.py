"""HTTPS served directly (TLS_CERT, TLS_KEY), with a certificate made here.

Clients verify the server against that certificate. TLS 1.2 is the minimum,
TLS 1.2 only with ECDHE and AEAD ciphers; plain HTTP, garbage and silence on
the TLS port are cut off without harm to the server.
"""
import datetime
import ipaddress
import os
import shutil
import socket
import ssl
import subprocess
import time

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import PASSWORD, assert_error, bearer, direct_session, jwt_claims, login, new_user, run_to_exit


def make_cert(directory, name="cert"):
    """A self-signed P-256 certificate for 127.0.0.1 and localhost: (cert path, key path)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "latchkey test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    return cert_path, key_path


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return make_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_server(server_factory, cert):
    cert_path, key_path = cert
    return server_factory(env={"TLS_CERT": str(cert_path), "TLS_KEY": str(key_path), "HEADER_TIMEOUT": "2"},
                          ca=cert_path)


def client_context(cert_path, minimum=None, maximum=None, ciphers=None):
    ctx = ssl.create_default_context(cafile=str(cert_path))
    if minimum or ciphers:
        # Let the client offer what Debian's defaults would not, so that the
        # refusal tested is the server's.
        ctx.set_ciphers((ciphers or "DEFAULT") + ":@SECLEVEL=0")
    if minimum:
        ctx.minimum_version = minimum
    if maximum:
        ctx.maximum_version = maximum
    return ctx


def tls_connect(port, ctx, timeout=5):
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        return ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    except BaseException:
        raw.close()
        raise


def closed_within(sock, seconds):
    """True when the server closes (EOF or reset) within `seconds`."""
    sock.settimeout(seconds)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if not sock.recv(4096):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    return False


def test_seed_flow_over_https(tls_server):
    user = new_user(tls_server)
    tokens = login(tls_server, user)
    r = tls_server.get("/protected", headers=bearer(tokens["access_token"]))
    assert r.status_code == 200, r.text
    assert r.json()["message"] == f"Hello, {user}. You have successfully accessed the protected route."
    r = tls_server.post("/refresh_token", headers=bearer(tokens["refresh_token"]),
                        json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 200, r.text
    # The default issuer follows the scheme.
    assert jwt_claims(tokens["access_token"])["iss"] == f"https://127.0.0.1:{tls_server.port}"
    assert tls_server.get("/.well-known/openid-configuration").json()["jwks_uri"].startswith("https://")
    assert_error(tls_server.post("/login", data="{nope", headers={"Content-Type": "application/json"}),
                 400, "invalid_json")


def test_keep_alive_and_access_log_over_https(tls_server):
    for _ in range(5):
        assert tls_server.get("/healthz").status_code == 200
    requests_in = lambda events: [e for e in events if e.get("event") == "http.request"]  # noqa: E731
    served = requests_in(tls_server.wait_for_log(lambda events: len(requests_in(events)) >= 5))
    assert len(served) >= 5
    assert all(e["ip"] == "127.0.0.1" for e in served), served
    listening = [e for e in tls_server.log_events() if e.get("event") == "server.listening"]
    assert listening[0]["address"].startswith("https://"), listening


def test_unverified_client_is_refused_by_the_client(tls_server):
    # requests' own CA bundle does not know the test certificate.
    with direct_session() as s, pytest.raises(requests.exceptions.SSLError):
        s.get(tls_server.url("/healthz"), timeout=5)
    assert tls_server.get("/healthz").status_code == 200


def test_plain_http_to_the_tls_port(tls_server):
    with direct_session() as s, pytest.raises(requests.exceptions.ConnectionError):
        s.get(f"http://127.0.0.1:{tls_server.port}/healthz", timeout=5)
    with socket.create_connection(("127.0.0.1", tls_server.port), timeout=5) as raw:
        raw.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert closed_within(raw, 3)
    assert tls_server.running()
    assert tls_server.get("/healthz").status_code == 200
    failed = lambda events: any(e.get("event") == "tls.handshake_failed" for e in events)  # noqa: E731
    assert failed(tls_server.wait_for_log(failed))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("version", ["TLSv1", "TLSv1_1"])
def test_old_tls_versions_are_refused(tls_server, cert, version):
    v = getattr(ssl.TLSVersion, version)
    ctx = client_context(cert[0], minimum=v, maximum=v)
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        tls_connect(tls_server.port, ctx).close()
    assert tls_server.get("/healthz").status_code == 200


def test_tls12_with_ecdhe_aead_only(tls_server, cert):
    ctx = client_context(cert[0], minimum=ssl.TLSVersion.TLSv1_2, maximum=ssl.TLSVersion.TLSv1_2)
    with tls_connect(tls_server.port, ctx) as s:
        assert s.version() == "TLSv1.2"
        name = s.cipher()[0]
        assert name.startswith("ECDHE-") and ("GCM" in name or "CHACHA20" in name), name
    # CBC (even with ECDHE) and static key exchange are refused.
    for ciphers in ("ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA", "AES128-GCM-SHA256:AES256-SHA"):
        ctx = client_context(cert[0], minimum=ssl.TLSVersion.TLSv1_2, maximum=ssl.TLSVersion.TLSv1_2,
                             ciphers=ciphers)
        with pytest.raises(ssl.SSLError):
            tls_connect(tls_server.port, ctx).close()
    # TLS 1.3 is the default.
    with tls_connect(tls_server.port, ssl.create_default_context(cafile=str(cert[0]))) as s:
        assert s.version() == "TLSv1.3"


@pytest.mark.parametrize("garbage", [
    b"\x16\x03\x01\xff\xff" + os.urandom(2000),   # a record header claiming 64 KiB, then junk
    b"\x16\x03\x01\x00\x05hello",                 # a handshake record that is no ClientHello
    os.urandom(5000),
    b"\x16\x03",                                   # then silence: the header timeout cuts it off
], ids=["oversized-record", "not-a-client-hello", "random-bytes", "header-then-silence"])  # the same on every worker
def test_garbage_handshake_neither_hangs_nor_crashes(tls_server, garbage):
    with socket.create_connection(("127.0.0.1", tls_server.port), timeout=5) as raw:
        try:
            raw.sendall(garbage)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert closed_within(raw, 4)  # HEADER_TIMEOUT is 2 s here
    assert tls_server.running()
    assert tls_server.get("/healthz").status_code == 200


def test_silent_client_is_cut_off(tls_server):
    with socket.create_connection(("127.0.0.1", tls_server.port), timeout=5) as raw:
        started = time.monotonic()
        assert closed_within(raw, 4)
        assert time.monotonic() - started >= 1.5
    assert tls_server.get("/healthz").status_code == 200


def test_stop_with_an_open_tls_connection(tls_server, cert):
    s = tls_connect(tls_server.port, ssl.create_default_context(cafile=str(cert[0])))
    try:
        assert tls_server.stop() == 0
    finally:
        s.close()


def test_tls_settings_errors(tmp_path, cert):
    cert_path, key_path = cert
    other_cert, other_key = make_cert(tmp_path, "other")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    empty = tmp_path / "empty.pem"
    empty.write_text("")
    encrypted = tmp_path / "encrypted.key"
    key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    encrypted.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.BestAvailableEncryption(b"passphrase")))
    cases = [
        ({"TLS_CERT": cert_path}, "TLS_CERT is set without TLS_KEY"),
        ({"TLS_KEY": key_path}, "TLS_KEY is set without TLS_CERT"),
        ({"TLS_CERT": tmp_path / "missing.pem", "TLS_KEY": key_path}, "cannot read it (No such file or directory)"),
        ({"TLS_CERT": cert_path, "TLS_KEY": tmp_path / "missing.key"}, "TLS_KEY"),
        ({"TLS_CERT": empty, "TLS_KEY": key_path}, "the file is empty"),
        ({"TLS_CERT": garbage, "TLS_KEY": key_path}, "not a PEM certificate"),
        ({"TLS_CERT": cert_path, "TLS_KEY": cert_path}, "not a PEM private key"),
        ({"TLS_CERT": cert_path, "TLS_KEY": encrypted}, "not a PEM private key"),
        ({"TLS_CERT": cert_path, "TLS_KEY": other_key}, "does not match the certificate"),
    ]
    for i, (env, expected) in enumerate(cases):
        out = run_to_exit(tmp_path / f"run{i}", env={k: str(v) for k, v in env.items()})
        assert out.code == 2, (env, out)
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("latchkey: ") and expected in lines[0], (env, out.stderr)
        assert not (tmp_path / f"run{i}" / "latchkey.db").exists(), "the database is opened before TLS is checked"
    assert other_cert.exists()


def test_tls_settings_in_help(tmp_path):
    out = run_to_exit(tmp_path, args=["--help"])
    assert "--tls-cert / TLS_CERT" in out.stdout and "--tls-key / TLS_KEY" in out.stdout


def test_renegotiation_is_refused(tls_server, cert):
    """A TLS 1.2 client asking to renegotiate (openssl s_client's `R`) is refused."""
    openssl = shutil.which("openssl")
    if not openssl:
        pytest.skip("the openssl command is not installed")
    p = subprocess.Popen([openssl, "s_client", "-connect", f"127.0.0.1:{tls_server.port}", "-tls1_2",
                          "-CAfile", str(cert[0])],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        time.sleep(0.5)
        p.stdin.write(b"R\n")
        p.stdin.flush()
        time.sleep(0.5)
        out = p.communicate(timeout=10)[0].decode(errors="replace")  # closes stdin: s_client ends
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert "RENEGOTIATING" in out, out
    assert "no renegotiation" in out, out
    assert tls_server.get("/healthz").status_code == 200
