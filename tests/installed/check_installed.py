"""The installed ``entraclient`` command, from a wheel in a fresh virtual environment.

Run by ``make installed`` (part of ``make test``), which builds the wheel, installs it with
the ``emulator`` extra in a new venv and sets ``INSTALLED_BIN`` to that venv's ``bin``. The
emulator runs as ``entraclient emulator --config ...`` in its own process; every command
below is the installed one, reaching it through the environment switch.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.pki import issue, write_pfx

CLIENT_ID = "0b5b5d8e-5f0a-4a8e-9d57-2d3b1f0c7a11"
SECRET = "a-development-secret"
TENANT = "fabrikam.onmicrosoft.com"
SCOPE = "api://orders/.default"


@dataclass(frozen=True)
class Installed:
    """The installed command and the environment that points it at the running emulator."""

    command: Path
    env: dict[str, str]
    files: Path

    def run(
        self, *args: str, stdin: str | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.command), *args],
            input=stdin,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )

    def token(
        self, *args: str, stdin: str | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        base = ["token", "--client-id", CLIENT_ID, "--tenant", TENANT, "--scope", SCOPE]
        return self.run(*base, *args, stdin=stdin, **env)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    """The emulator started by the installed command, with a config file, until SIGTERM."""
    where = os.environ.get("INSTALLED_BIN")
    if not where:
        pytest.fail("run through `make installed`: INSTALLED_BIN names the fresh venv's bin")
    command = Path(where) / "entraclient"
    files = tmp_path_factory.mktemp("installed")
    leaf = issue("installed-daemon.contoso.test")
    (files / "daemon.pem").write_text(leaf.key_pem() + leaf.cert_pem)
    (files / "daemon-cert.pem").write_text(leaf.cert_pem)
    write_pfx(files / "daemon.pfx", leaf, passphrase="pfx-pass")
    (files / "emulator.toml").write_text(
        f'[[tenants]]\ndomain = "{TENANT}"\n\n'
        f'[[apis]]\ntenant = "{TENANT}"\napp_id_uri = "api://orders"\nroles = ["Orders.Read"]\n\n'
        f'[[apps]]\ntenant = "{TENANT}"\nclient_id = "{CLIENT_ID}"\nsecrets = ["{SECRET}"]\n'
        'certificates = ["daemon-cert.pem"]\nroles = { "api://orders" = ["Orders.Read"] }\n'
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ENTRACLIENT_")}
    emulator = subprocess.Popen(
        [str(command), "emulator", "--config", str(files / "emulator.toml"), "--json"],
        stdout=subprocess.PIPE,
        text=True,
        env=clean,
    )
    try:
        assert emulator.stdout is not None
        described = json.loads(emulator.stdout.readline())
        yield Installed(command, {**clean, **described["environment"]}, files)
        emulator.send_signal(signal.SIGTERM)
        assert emulator.wait(timeout=30) == 0
        assert not Path(described["ca_path"]).exists()
    finally:
        emulator.kill()
        emulator.wait()


def test_help(installed: Installed) -> None:
    done = installed.run("--help")
    assert done.returncode == 0
    assert "exit codes" in done.stdout


def test_secret_from_the_environment_json(installed: Installed) -> None:
    done = installed.token("--secret-env", "S", S=SECRET)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["tokenType"] == "Bearer" and document["accessToken"].count(".") == 2


def test_secret_from_stdin_raw(installed: Installed) -> None:
    done = installed.token("--secret-stdin", "--output", "raw", stdin=SECRET + "\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(".") == 2


def test_certificate_pem_header(installed: Installed) -> None:
    pem = str(installed.files / "daemon.pem")
    done = installed.token("--certificate", pem, "--output", "header")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Authorization: Bearer ")


def test_certificate_pfx(installed: Installed) -> None:
    pfx = str(installed.files / "daemon.pfx")
    done = installed.token("--certificate", pfx, "--certificate-password-env", "P", P="pfx-pass")
    assert done.returncode == 0, done.stderr


def test_the_cache_file_is_reused(installed: Installed) -> None:
    cache = str(installed.files / "token-cache")
    first = installed.token("--secret-env", "S", "--output", "raw", "--cache", cache, S=SECRET)
    second = installed.token("--secret-env", "S", "--output", "raw", "--cache", cache, S=SECRET)
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout


def test_decode_verify_accepts_and_refuses_tampering(installed: Installed) -> None:
    token = installed.token("--secret-env", "S", "--output", "raw", S=SECRET).stdout.strip()
    good = installed.run("decode", "--verify", "-", stdin=token)
    assert good.returncode == 0, good.stderr
    assert "roles" in good.stdout
    header, claims, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    decoded["roles"] = ["Orders.Write"]
    forged = base64.urlsafe_b64encode(json.dumps(decoded).encode()).rstrip(b"=").decode()
    bad = installed.run("decode", "--verify", f"{header}.{forged}.{signature}")
    assert bad.returncode == 1
    assert bad.stderr.startswith("error: the token is not valid")


@pytest.mark.parametrize(
    ("args", "env", "code", "says"),
    [
        (("--secret-env", "S"), {"S": "wrong"}, 1, "AADSTS7000215"),
        (("--secret-env", "UNSET_VARIABLE"), {}, 2, "UNSET_VARIABLE is not set"),
        (("--certificate", "/nonexistent.pem"), {}, 2, "does not exist"),
        (("--secret-env", "S", "--output", "xml"), {"S": SECRET}, 2, "invalid choice"),
    ],
)
def test_exit_codes(
    installed: Installed, args: tuple[str, ...], env: dict[str, str], code: int, says: str
) -> None:
    done = installed.token(*args, **env)
    assert done.returncode == code
    assert says in done.stderr
    assert "Traceback" not in done.stderr


def test_unreachable_exits_3(installed: Installed) -> None:
    done = installed.run(
        "token", "--client-id", CLIENT_ID, "--authority", "https://127.0.0.1:9/t",
        "--no-instance-discovery", "--scope", SCOPE, "--secret-env", "S",
        S=SECRET, ENTRACLIENT_EMULATOR="",
    )  # fmt: skip
    assert done.returncode == 3
    assert "Traceback" not in done.stderr


def test_not_a_token_exits_4(installed: Installed) -> None:
    assert installed.run("decode", "garbage").returncode == 4
