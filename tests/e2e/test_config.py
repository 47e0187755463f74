"""Settings: environment, .env, flags, and how bad ones stop the start-up."""
import socket

import jwt
import pytest
import requests

from conftest import (LATCHKEY_SETTINGS, TEST_SECRET, direct_session, epoch, free_port, jwt_claims, login,
                      new_user, run_to_exit, sessions)


def answers(port):
    """True when something answers /healthz on this port."""
    with direct_session() as s:
        try:
            return s.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False


def assert_clean_failure(result, *mentions):
    """Non-zero exit, exactly one stderr line "latchkey: ..." mentioning
    each of `mentions`, and no crash."""
    assert result.code > 0, f"exit code {result.code}; stderr:\n{result.stderr}"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("latchkey: "), line
    for m in mentions:
        assert m in line, (m, line)
    for crash in ("terminate called", "what()", "Traceback", "Aborted", "Segmentation", "#0 "):
        assert crash not in result.stderr
    return line


# -- where settings come from ------------------------------------------------------


def test_env_port_host_and_database_url(server_factory, tmp_path):
    db = tmp_path / "elsewhere" / "auth.sqlite"
    db.parent.mkdir()
    s = server_factory(database_url=f"sqlite://{db}")
    new_user(s)
    assert db.exists()
    assert not (s.workdir / "latchkey.db").exists()
    listening = [e for e in s.log_events() if e.get("event") == "server.listening"]
    assert listening and listening[0]["address"] == f"http://127.0.0.1:{s.port}"


def test_dotenv_overrides_environment(server_factory, tmp_path):
    env_port, dotenv_port = free_port(), free_port()
    work = tmp_path / "w"
    work.mkdir()
    (work / ".env").write_text(
        "# latchkey settings\n"
        f"export PORT={dotenv_port}   # trailing comment\n"
        "ACCESS_TOKEN_TTL='120'\n"
        'ISSUER="https://issuer.example"\n'
        "\n")
    s = server_factory(workdir=work, port=dotenv_port,
                       env={"PORT": str(env_port), "ACCESS_TOKEN_TTL": "60"})
    assert not answers(env_port)
    c = jwt_claims(login(s, new_user(s))["access_token"])
    assert c["exp"] - c["iat"] == 120
    assert c["iss"] == "https://issuer.example"


@pytest.mark.parametrize("style", ["separate", "equals"])
def test_flags_override_dotenv_and_environment(server_factory, tmp_path, style):
    env_port, dotenv_port, flag_port = free_port(), free_port(), free_port()
    work = tmp_path / "w"
    work.mkdir()
    (work / ".env").write_text(f"PORT={dotenv_port}\n")
    args = ["--port", str(flag_port)] if style == "separate" else [f"--port={flag_port}"]
    s = server_factory(workdir=work, port=flag_port, env={"PORT": str(env_port)}, args=args)
    assert s.get("/healthz").json() == {"status": "ok"}
    assert not answers(env_port) and not answers(dotenv_port)
    # The default issuer follows the port actually configured.
    assert jwt_claims(login(s, new_user(s))["access_token"])["iss"] == f"http://127.0.0.1:{flag_port}"


def test_serve_command_with_flags(server_factory):
    port = free_port()
    s = server_factory(args=["serve", "--port", str(port), "--access-token-ttl", "1h"], port=port,
                       env={"PORT": str(free_port())})
    t = login(s, new_user(s))
    assert t["expires_in"] == 3600


def test_run_is_another_name_for_serve(server_factory, tmp_path):
    # The seed guide's "Port already in use": `python app.py run --port 5001`.
    port = free_port()
    s = server_factory(args=["run", "--port", str(port)], port=port, env={"PORT": str(free_port())})
    name = new_user(s)
    assert s.get("/protected", headers={"Authorization": f"Bearer {login(s, name)['access_token']}"}).status_code == 200
    out = run_to_exit(tmp_path, args=["run", "extra"])
    assert out.code == 2 and "unexpected argument 'extra'" in out.stderr, out
    out = run_to_exit(tmp_path, args=["runs"])
    assert out.code == 2 and "unknown command 'runs'" in out.stderr, out


def test_relative_sqlite_path_is_relative_to_working_dir(server_factory, tmp_path):
    work = tmp_path / "w"
    s = server_factory(workdir=work, database_url="sqlite://relative.db")
    new_user(s)
    assert (work / "relative.db").exists()


def test_default_database_is_latchkey_db_in_working_dir(server_factory, tmp_path):
    work = tmp_path / "w"
    s = server_factory(workdir=work, env={"DATABASE_URL": None})
    new_user(s)
    assert (work / "latchkey.db").exists()


def test_outer_environment_does_not_leak_into_the_server(server_factory, monkeypatch):
    # The harness strips latchkey settings from its own environment: a
    # SECRET_KEY too short to start with must not reach the subprocess.
    for k in LATCHKEY_SETTINGS:
        monkeypatch.setenv(k, "bogus")
    s = server_factory()
    assert s.get("/healthz").status_code == 200


# -- what settings do ----------------------------------------------------------------


@pytest.mark.parametrize("value,seconds", [("60", 60), ("90s", 90), ("15m", 900), ("1h", 3600)])
def test_access_token_ttl(server_factory, value, seconds):
    s = server_factory(env={"ACCESS_TOKEN_TTL": value})
    name = new_user(s)
    t = login(s, name)
    assert t["expires_in"] == seconds
    c = jwt_claims(t["access_token"])
    assert c["exp"] - c["iat"] == seconds
    r = s.post("/refresh_token", json={"refresh_token": t["refresh_token"]})
    assert r.json()["expires_in"] == seconds
    c = jwt_claims(r.json()["new_access_token"])
    assert c["exp"] - c["iat"] == seconds


def test_refresh_token_ttl_sets_session_lifetime(server_factory):
    s = server_factory(env={"REFRESH_TOKEN_TTL": "2h"})
    t = login(s, new_user(s))
    [entry] = sessions(s, t["access_token"])
    assert epoch(entry["expires_at"]) - epoch(entry["created_at"]) == 7200


def test_issuer_and_audience(server_factory):
    s = server_factory(env={"ISSUER": "https://auth.example.com", "AUDIENCE": "my-api",
                            "SECRET_KEY": TEST_SECRET})
    t = login(s, new_user(s))
    c = jwt.decode(t["access_token"], TEST_SECRET, algorithms=["HS256"], audience="my-api",
                   issuer="https://auth.example.com")
    assert c["aud"] == "my-api"
    assert s.get("/protected", headers={"Authorization": "Bearer " + t["access_token"]}).status_code == 200


def test_secret_key_signs_tokens(server_factory):
    s = server_factory(env={"SECRET_KEY": TEST_SECRET})
    t = login(s, new_user(s))
    jwt.decode(t["access_token"], TEST_SECRET, algorithms=["HS256"], audience="latchkey")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(t["access_token"], TEST_SECRET + "x", algorithms=["HS256"], audience="latchkey")


def test_help_lists_settings(tmp_path):
    for args in (["--help"], ["-h"], ["serve", "--help"]):
        r = run_to_exit(tmp_path, args=args)
        assert r.code == 0, r
        for name in ("PORT", "DATABASE_URL", "SECRET_KEY", "ACCESS_TOKEN_TTL", "REFRESH_TOKEN_TTL"):
            assert name in r.stdout, (args, name)
    assert not (tmp_path / "latchkey.db").exists(), "--help must not touch the database"


def test_version(tmp_path):
    r = run_to_exit(tmp_path, args=["--version"])
    assert r.code == 0 and r.stdout.startswith("latchkey ")


# -- bad settings ------------------------------------------------------------------------


@pytest.mark.parametrize("env,args,mention", [
    ({"PORT": "abc"}, [], "PORT"),
    ({"PORT": "70000"}, [], "PORT"),
    ({"PORT": "0"}, [], "PORT"),
    ({"PORT": ""}, [], "PORT"),
    ({"ACCESS_TOKEN_TTL": "-5"}, [], "ACCESS_TOKEN_TTL"),
    ({"ACCESS_TOKEN_TTL": "0"}, [], "ACCESS_TOKEN_TTL"),
    ({"ACCESS_TOKEN_TTL": "soon"}, [], "ACCESS_TOKEN_TTL"),
    ({"REFRESH_TOKEN_TTL": "5y"}, [], "REFRESH_TOKEN_TTL"),
    ({}, ["--nope"], "--nope"),
    ({}, ["--port"], "--port"),
    ({}, ["--port", "abc"], "PORT"),
    ({}, ["stray"], "stray"),
    ({"DATABASE_URL": "mysql://x"}, [], "DATABASE_URL"),
    ({"DATABASE_URL": "sqlite://"}, [], "DATABASE_URL"),
    ({"SECRET_KEY": "too-short-secret"}, [], "SECRET_KEY"),
    ({"SECRET_KEY": "x" * 31}, [], "SECRET_KEY"),
    ({"LOG_FORMAT": "xml"}, [], "LOG_FORMAT"),
], ids=lambda v: str(v) if not isinstance(v, (dict, list)) else None)
def test_bad_setting_fails_fast_with_one_line(tmp_path, env, args, mention):
    r = run_to_exit(tmp_path, env=env, args=args, timeout=5)
    assert_clean_failure(r, mention)


def test_short_secret_key_from_dotenv(tmp_path):
    (tmp_path / ".env").write_text("SECRET_KEY=short\n")
    assert_clean_failure(run_to_exit(tmp_path), "SECRET_KEY", ".env")


def test_secret_key_value_is_not_printed(tmp_path):
    r = run_to_exit(tmp_path, env={"SECRET_KEY": "hunter2-hunter2"})
    assert_clean_failure(r, "SECRET_KEY")
    assert "hunter2" not in r.stderr


def test_malformed_dotenv(tmp_path):
    (tmp_path / ".env").write_text("PORT=5000\nthis line is wrong\n")
    assert_clean_failure(run_to_exit(tmp_path), ".env", "line 2")


def test_port_in_use(server_factory, tmp_path):
    first = server_factory()
    r = run_to_exit(tmp_path / "second", env={"PORT": str(first.port)})
    assert r.code > 0
    lines = [l for l in r.stderr.splitlines() if l.startswith("latchkey: ")]
    assert len(lines) == 1, r.stderr
    assert f"127.0.0.1:{first.port}" in lines[0]
    assert first.get("/healthz").status_code == 200


def test_port_held_by_another_program(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        r = run_to_exit(tmp_path, env={"PORT": str(port)})
    assert r.code > 0
    assert any(l.startswith("latchkey: ") and f"127.0.0.1:{port}" in l for l in r.stderr.splitlines()), r.stderr


def test_database_path_is_a_directory(tmp_path):
    d = tmp_path / "a-directory"
    d.mkdir()
    assert_clean_failure(run_to_exit(tmp_path, env={"DATABASE_URL": f"sqlite://{d}"}), str(d))


def test_database_file_is_not_sqlite(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("this is not a database\n" * 100)
    assert_clean_failure(run_to_exit(tmp_path, env={"DATABASE_URL": f"sqlite://{f}"}), str(f))
    assert f.read_text() == "this is not a database\n" * 100, "the file must be left alone"


def test_database_in_missing_directory(tmp_path):
    p = tmp_path / "no" / "such" / "dir" / "x.db"
    assert_clean_failure(run_to_exit(tmp_path, env={"DATABASE_URL": f"sqlite://{p}"}), str(p))
