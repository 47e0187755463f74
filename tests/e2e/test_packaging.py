"""What ships: `latchkey --version`, `make install` and the systemd unit."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import LATCHKEY_BIN, clean_env

ROOT = Path(__file__).resolve().parent.parent.parent
VERSION_LINE = re.compile(r"latchkey (\d+\.\d+\.\d+) \(git ([0-9a-f]{7,40}(?:-dirty)?|unknown)\)")


def project_version():
    return re.search(r"project\(latchkey VERSION (\d+\.\d+\.\d+)", (ROOT / "CMakeLists.txt").read_text()).group(1)


def test_version_names_release_and_revision():
    out = subprocess.run([LATCHKEY_BIN, "--version"], capture_output=True, text=True, timeout=5, env=clean_env())
    assert out.returncode == 0, out.stderr
    m = VERSION_LINE.fullmatch(out.stdout.rstrip("\n"))
    assert m, out.stdout
    assert out.stdout.count("\n") == 1
    assert m.group(1) == project_version()
    revision = m.group(2).removesuffix("-dirty")
    if revision != "unknown" and shutil.which("git") and (ROOT / ".git").exists():
        # A commit of this repository (not necessarily HEAD: the binary may predate a commit).
        known = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", revision + "^{commit}"],
                               capture_output=True, timeout=10)
        assert known.returncode == 0, f"{revision} is not a commit of {ROOT}"


def test_version_and_help_agree():
    version = subprocess.run([LATCHKEY_BIN, "version"], capture_output=True, text=True, timeout=5, env=clean_env())
    helptext = subprocess.run([LATCHKEY_BIN, "--help"], capture_output=True, text=True, timeout=5, env=clean_env())
    assert version.returncode == 0 and helptext.returncode == 0
    assert helptext.stdout.startswith(version.stdout.rstrip("\n") + ": authentication and session server")


def make_install(tmp_path, **variables):
    """`make install-files` (no build) of the binary under test into tmp_path/root."""
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    root = tmp_path / "root"
    args = [f"{k}={v}" for k, v in variables.items()]
    out = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(ROOT), "install-files",
                          f"BUILD_DIR={Path(LATCHKEY_BIN).resolve().parent}", f"DESTDIR={root}", *args],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    return root


def installed_files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_make_install_prefix_usr(tmp_path):
    root = make_install(tmp_path, PREFIX="/usr")
    assert installed_files(root) == [
        "lib/systemd/system/latchkey.service",
        "usr/bin/latchkey",
        "usr/share/doc/latchkey/README.md",
        "usr/share/doc/latchkey/latchkey.env.example",
        "usr/share/doc/latchkey/openapi.json",
        "usr/share/doc/latchkey/postman_collection.json",
    ]
    binary = root / "usr/bin/latchkey"
    assert binary.stat().st_mode & 0o777 == 0o755
    assert binary.read_bytes() == Path(LATCHKEY_BIN).read_bytes()
    unit = (root / "lib/systemd/system/latchkey.service").read_text()
    assert "\nExecStart=/usr/bin/latchkey serve\n" in unit
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=5, env=clean_env())
    assert VERSION_LINE.fullmatch(out.stdout.strip()), out.stdout


def test_make_install_default_prefix(tmp_path):
    root = make_install(tmp_path)
    files = installed_files(root)
    assert "usr/local/bin/latchkey" in files
    assert "usr/local/lib/systemd/system/latchkey.service" in files
    assert "usr/local/share/doc/latchkey/openapi.json" in files
    unit = (root / "usr/local/lib/systemd/system/latchkey.service").read_text()
    assert "\nExecStart=/usr/local/bin/latchkey serve\n" in unit


def unit_settings(text):
    """{key: [values]} of a unit file."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith(("#", "[")) and "=" in line:
            k, v = line.split("=", 1)
            out.setdefault(k.strip(), []).append(v.strip())
    return out


def test_unit_is_hardened():
    s = unit_settings((ROOT / "packaging" / "latchkey.service").read_text())
    for key, value in {"DynamicUser": "yes", "NoNewPrivileges": "yes", "ProtectSystem": "strict",
                       "ProtectHome": "yes", "PrivateTmp": "yes", "PrivateDevices": "yes",
                       "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes",
                       "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
                       "SystemCallFilter": "@system-service", "CapabilityBoundingSet": "",
                       "StateDirectory": "latchkey", "EnvironmentFile": "-/etc/latchkey/latchkey.env",
                       "Restart": "on-failure"}.items():
        assert s.get(key) == [value], (key, s.get(key))
    assert "DATABASE_URL=sqlite:///var/lib/latchkey/latchkey.db" in s["Environment"]
    assert int(s["LimitNOFILE"][0]) >= 4096


def test_unit_verifies(tmp_path):
    """systemd-analyze verify, on the unit as installed (ExecStart at the binary under test)."""
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed")
    text = (ROOT / "packaging" / "latchkey.service").read_text()
    unit = tmp_path / "latchkey.service"
    unit.write_text(text.replace("ExecStart=/usr/local/bin/latchkey", f"ExecStart={Path(LATCHKEY_BIN).resolve()}"))
    out = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "latchkey.service" not in out.stderr, out.stderr
