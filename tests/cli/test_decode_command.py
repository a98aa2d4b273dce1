"""cli/decode_command.py and cli/verification.py: claims explained, signatures checked."""

from __future__ import annotations

import base64
import io
import json

import pytest

from entraclient import ConfidentialClientApplication
from entraclient.cli.decode_command import in_words
from entraclient.cli.jwt_parts import split_jwt
from entraclient.cli.verification import metadata_url
from entraclient.emulator import Emulator

from .conftest import Daemon, Run


def _token(daemon: Daemon) -> str:
    app = ConfidentialClientApplication(  # the switch routes it to the emulator
        daemon.app.client_id,
        client_credential=daemon.app.secret,
        authority=f"https://login.microsoftonline.com/{daemon.tenant.domain}",
    )
    return str(app.acquire_token_for_client([daemon.scope])["access_token"])


def _tampered(token: str) -> str:
    header, claims, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    decoded["roles"] = ["Orders.Write"]
    forged = base64.urlsafe_b64encode(json.dumps(decoded).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_claims_are_explained_with_times_in_words(cli: Run, daemon: Daemon) -> None:
    done = cli("decode", _token(daemon))
    assert done.code == 0, done.err
    assert "Header" in done.out and "Claims" in done.out
    assert "how the app authenticated" in done.out  # azpacr
    assert "unique token id" in done.out  # uti
    assert "UTC (in 5" in done.out or "UTC (in 1 hour" in done.out  # exp, about an hour ahead


def test_json_output_and_stdin(cli: Run, daemon: Daemon, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(_token(daemon) + "\n"))
    done = cli("decode", "-", "--json")
    assert done.code == 0, done.err
    document = json.loads(done.out)
    assert document["claims"]["tid"] == daemon.tenant.id
    assert document["header"]["alg"] == "RS256"


def test_verify_accepts_an_emulator_token(cli: Run, daemon: Daemon) -> None:
    done = cli("decode", _token(daemon), "--verify", "--audience", "api://cli-orders")
    assert done.code == 0, done.err
    assert "signature: valid" in done.err


def test_verify_refuses_a_tampered_token(cli: Run, daemon: Daemon) -> None:
    done = cli("decode", _tampered(_token(daemon)), "--verify")
    assert done.code == 1
    assert "not valid" in done.err and "Signature" in done.err


def test_verify_refuses_the_wrong_audience(cli: Run, daemon: Daemon) -> None:
    done = cli("decode", _token(daemon), "--verify", "--audience", "api://someone-else")
    assert done.code == 1
    assert "audience" in done.err.lower()


def test_verify_refuses_alg_none(cli: Run, daemon: Daemon) -> None:
    _, claims, _ = _token(daemon).split(".")
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    done = cli("decode", f"{header}.{claims}.", "--verify")
    assert done.code == 1
    assert "algorithm" in done.err


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("abc", "three parts"),
        ("a.b.c.d.e", "encrypted"),
        ("!!.??.x", "base64url"),
        (base64.urlsafe_b64encode(b"[1]").decode() + ".e30.x", "JSON object"),
    ],
)
def test_not_a_token_exits_4(cli: Run, text: str, reason: str) -> None:
    done = cli("decode", text)
    assert done.code == 4
    assert reason in done.err


def test_in_words() -> None:
    assert in_words(3600, 0) == "1970-01-01 01:00:00 UTC (in 1 hour)"
    assert in_words(0, 120) == "1970-01-01 00:00:00 UTC (2 minutes ago)"
    assert in_words(5, 5).endswith("(in 0 seconds)")


def test_metadata_urls() -> None:
    assert (
        metadata_url("https://login.microsoftonline.com/t/v2.0")
        == "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration"
    )
    assert (
        metadata_url("https://sts.windows.net/t/")
        == "https://login.microsoftonline.com/t/.well-known/openid-configuration"
    )


def test_split_jwt_reads_header_and_claims(entra_emulator: Emulator) -> None:
    parts = split_jwt("eyJhbGciOiJSUzI1NiJ9.eyJhIjoxfQ.sig")
    assert parts.header == {"alg": "RS256"} and parts.claims == {"a": 1}
