"""cli/token_command.py: app tokens from the emulator, every credential source and format."""

from __future__ import annotations

import base64
import io
import json
import stat
from pathlib import Path

import pytest

from entraclient.cli.jwt_parts import split_jwt
from entraclient.cli.token_command import format_token
from entraclient.emulator import Emulator
from tests.pki import issue, write_pfx

from .conftest import Daemon, Run


def _args(daemon: Daemon, *extra: str) -> list[str]:
    return [
        "token",
        "--client-id",
        daemon.app.client_id,
        "--tenant",
        daemon.tenant.domain,
        "--scope",
        daemon.scope,
        *extra,
    ]


def test_secret_from_the_default_variable_json_output(
    cli: Run, daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENTRACLIENT_CLIENT_SECRET", str(daemon.app.secret))
    done = cli(*_args(daemon))
    assert done.code == 0, done.err
    document = json.loads(done.out)
    assert set(document) == {"accessToken", "expiresOn", "expires_on", "tokenType", "tenant"}
    assert document["tokenType"] == "Bearer"
    assert document["tenant"] == daemon.tenant.id
    assert "note: ENTRACLIENT_EMULATOR is set: a token from the emulator" in done.err
    assert split_jwt(document["accessToken"]).claims["roles"] == ["Orders.Read"]


def test_secret_from_a_named_variable_raw_output(
    cli: Run, daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_SECRET", str(daemon.app.secret))
    done = cli(*_args(daemon, "--secret-env", "MY_SECRET", "--output", "raw"))
    assert done.code == 0, done.err
    assert done.out.count(".") == 2 and done.out[-1] == "\n"


def test_secret_from_stdin_header_output(
    cli: Run, daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{daemon.app.secret}\n"))
    done = cli(*_args(daemon, "--secret-stdin", "--output", "header"))
    assert done.code == 0, done.err
    assert done.out.startswith("Authorization: Bearer ey")


def test_secret_from_a_file(cli: Run, daemon: Daemon, tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(f"{daemon.app.secret}\n")
    assert cli(*_args(daemon, "--secret-file", str(secret_file))).code == 0


def test_certificate_as_pem(
    cli: Run, daemon: Daemon, entra_emulator_switch: Emulator, tmp_path: Path
) -> None:
    leaf = issue("cli-daemon.contoso.test")
    entra_emulator_switch.add_certificate(daemon.app, leaf.cert_pem)
    pem = tmp_path / "daemon.pem"
    pem.write_text(leaf.key_pem() + leaf.cert_pem)
    done = cli(*_args(daemon, "--certificate", str(pem), "--output", "raw"))
    assert done.code == 0, done.err
    assert split_jwt(done.out).claims.get("appidacr") == "2"  # v1 token: a certificate


def test_certificate_as_pfx_with_passphrase_from_the_environment(
    cli: Run,
    daemon: Daemon,
    entra_emulator_switch: Emulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    leaf = issue("cli-pfx.contoso.test")
    entra_emulator_switch.add_certificate(daemon.app, leaf.cert_pem)
    pfx = tmp_path / "daemon.pfx"
    write_pfx(pfx, leaf, passphrase="pfx-pass")
    monkeypatch.setenv("PFX_PASS", "pfx-pass")
    done = cli(*_args(daemon, "--certificate", str(pfx), "--certificate-password-env", "PFX_PASS"))
    assert done.code == 0, done.err


def test_an_unregistered_certificate_is_refused_with_advice(
    cli: Run, daemon: Daemon, tmp_path: Path
) -> None:
    leaf = issue("cli-stranger.contoso.test")
    pem = tmp_path / "stranger.pem"
    pem.write_text(leaf.key_pem() + leaf.cert_pem)
    done = cli(*_args(daemon, "--certificate", str(pem)))
    assert done.code == 1
    assert "AADSTS700027" in done.err and "register this certificate" in done.err
    assert done.err.count("\n") == 1


def test_a_wrong_secret_exits_1_with_the_code_and_never_prints_it(
    cli: Run, daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENTRACLIENT_CLIENT_SECRET", "not-the-secret-xyz")
    done = cli(*_args(daemon))
    assert done.code == 1
    assert "AADSTS7000215" in done.err and "check the secret" in done.err
    assert "not-the-secret-xyz" not in done.err + done.out
    assert "Traceback" not in done.err


def test_no_secret_is_a_usage_error(
    cli: Run, daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ENTRACLIENT_CLIENT_SECRET", raising=False)
    done = cli(*_args(daemon))
    assert done.code == 2
    assert "ENTRACLIENT_CLIENT_SECRET is not set" in done.err


def test_a_pem_without_a_key_is_a_usage_error(cli: Run, daemon: Daemon, tmp_path: Path) -> None:
    pem = tmp_path / "cert-only.pem"
    pem.write_text(issue("no-key.contoso.test").cert_pem)
    done = cli(*_args(daemon, "--certificate", str(pem)))
    assert done.code == 2
    assert "private key and its certificate" in done.err


def test_the_secret_is_not_an_argument(cli: Run, daemon: Daemon) -> None:
    assert cli(*_args(daemon, "--secret", "x")).code == 2


def test_unreachable_exits_3(cli: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ENTRACLIENT_EMULATOR", raising=False)
    monkeypatch.setenv("ENTRACLIENT_CLIENT_SECRET", "s")
    done = cli(
        "token",
        "--client-id",
        "c",
        "--authority",
        "https://127.0.0.1:9/tenant",  # the discard port: nothing listens
        "--no-instance-discovery",
        "--scope",
        "api://x/.default",
    )
    assert done.code == 3
    assert "127.0.0.1:9" in done.err
    assert done.err.count("\n") == 1


def test_other_hosts_are_refused_under_the_switch(
    cli: Run, entra_emulator_switch: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENTRACLIENT_CLIENT_SECRET", "s")
    done = cli(
        "token",
        "--client-id",
        "c",
        "--authority",
        "https://login.example.org/tenant",
        "--no-instance-discovery",
        "--scope",
        "api://x/.default",
    )
    assert done.code == 3
    assert "ENTRACLIENT_EMULATOR is set" in done.err


def test_the_cache_answers_the_second_run(
    cli: Run,
    daemon: Daemon,
    entra_emulator_switch: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("ENTRACLIENT_CLIENT_SECRET", str(daemon.app.secret))
    cache = tmp_path / "tokens"
    first = cli(*_args(daemon, "--cache", str(cache), "--output", "raw"))
    second = cli(*_args(daemon, "--cache", str(cache), "--output", "raw"))
    assert first.code == second.code == 0
    assert first.out == second.out
    assert len(entra_emulator_switch.token_requests()) == 1
    written = [p for p in cache.rglob("*") if p.is_file() and not p.name.endswith(".lock")]
    assert written and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in written)
    assert any(first.out.strip() in p.read_text(errors="replace") for p in written)


def test_an_encrypted_cache_keeps_the_token_out_of_the_files(
    cli: Run,
    daemon: Daemon,
    entra_emulator_switch: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("ENTRACLIENT_CLIENT_SECRET", str(daemon.app.secret))
    monkeypatch.setenv("CACHE_KEY", base64.b64encode(bytes(range(32))).decode())
    cache = tmp_path / "tokens"
    arguments = ("--cache", str(cache), "--cache-key-env", "CACHE_KEY", "--output", "raw")
    first = cli(*_args(daemon, *arguments))
    second = cli(*_args(daemon, *arguments))
    assert first.code == second.code == 0 and first.out == second.out
    assert len(entra_emulator_switch.token_requests()) == 1
    for path in (p for p in cache.rglob("*") if p.is_file()):
        assert first.out.strip().split(".")[1] not in path.read_text(errors="replace")


def test_a_cache_path_that_is_a_file_is_a_usage_error(
    cli: Run, daemon: Daemon, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENTRACLIENT_CLIENT_SECRET", str(daemon.app.secret))
    cache = tmp_path / "tokens.json"
    cache.write_text("{not json")
    done = cli(*_args(daemon, "--cache", str(cache)))
    assert done.code == 2
    assert "give a directory" in done.err


def test_a_bad_cache_key_is_a_usage_error(
    cli: Run, daemon: Daemon, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENTRACLIENT_CLIENT_SECRET", str(daemon.app.secret))
    monkeypatch.setenv("CACHE_KEY", "not base64 !")
    done = cli(*_args(daemon, "--cache", str(tmp_path / "c"), "--cache-key-env", "CACHE_KEY"))
    assert done.code == 2
    assert "not base64" in done.err and "not base64 !" not in done.err


def test_format_token_json_fields() -> None:
    result = {"access_token": "a.b.c", "expires_in": 3600, "token_type": "Bearer"}
    document = json.loads(format_token(result, "json", "tenant-x", now=1_000_000))
    assert document["expires_on"] == 1_003_600
    assert document["tenant"] == "tenant-x"  # not a decodable JWT: the authority's tenant
    assert format_token(result, "header", "t") == "Authorization: Bearer a.b.c"
