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
