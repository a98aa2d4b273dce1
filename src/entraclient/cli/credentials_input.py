"""Where ``entraclient token`` gets its client credential: never from an argument.

A secret comes from an environment variable, a file or stdin (an argument would land in
shell history and process lists). A certificate comes from a PEM file (private key and
certificate) or a PFX file, its passphrase from an environment variable.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
from pathlib import Path
from typing import Any, cast

from entraclient.cli.errors import CommandError, ExitCode
from entraclient.credential_shapes import ClientCredential

__all__ = ["DEFAULT_SECRET_VARIABLE", "add_arguments", "client_credential"]

DEFAULT_SECRET_VARIABLE = "ENTRACLIENT_CLIENT_SECRET"

_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z ]+)-----.*?-----END \1-----", re.DOTALL)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The credential options (one of them; default: ``$ENTRACLIENT_CLIENT_SECRET``)."""
    group = parser.add_argument_group(
        "client credential (one of; default: the secret in $" + DEFAULT_SECRET_VARIABLE + ")"
    )
    choice = group.add_mutually_exclusive_group()
    choice.add_argument("--secret-env", metavar="VARIABLE", help="read the secret from VARIABLE")
    choice.add_argument(
        "--secret-file", type=Path, metavar="PATH", help="read the secret from PATH"
    )
    choice.add_argument("--secret-stdin", action="store_true", help="read the secret from stdin")
    choice.add_argument(
        "--certificate", type=Path, metavar="PATH", help="PEM (key and certificate) or PFX file"
    )
    group.add_argument(
        "--certificate-password-env",
        metavar="VARIABLE",
        help="read the certificate's passphrase from VARIABLE",
    )


def client_credential(arguments: argparse.Namespace) -> ClientCredential:
    """The ``client_credential`` the options ask for."""
    if arguments.certificate is not None:
        # _certificate builds one of the two certificate shapes the constructor documents
        return cast(ClientCredential, _certificate(arguments.certificate, _passphrase(arguments)))
    if arguments.certificate_password_env:
        raise _usage("--certificate-password-env goes with --certificate")
    if arguments.secret_file is not None:
        return _nonempty(
            _read(arguments.secret_file, "secret"), f"the file {arguments.secret_file}"
        )
    if arguments.secret_stdin:
        if sys.stdin.isatty():  # a person at a terminal: do not echo the secret
            return _nonempty(getpass.getpass("client secret: "), "the prompt")
        return _nonempty(sys.stdin.readline(), "stdin")
    variable = arguments.secret_env or DEFAULT_SECRET_VARIABLE
    value = os.environ.get(variable)
    if value is None:
        raise _usage(
            f"no client secret: ${variable} is not set. Set it, or use --secret-file, "
            "--secret-stdin or --certificate (a secret is never taken as an argument)"
        )
    return _nonempty(value, f"${variable}")


def _usage(message: str) -> CommandError:
    return CommandError(message, ExitCode.USAGE)


def _nonempty(value: str, source: str) -> str:
    secret = value.strip()
    if not secret:
        raise _usage(f"the client secret from {source} is empty")
    return secret


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not text"
        raise _usage(f"cannot read the {what} file {path}: {reason}") from exc


def _passphrase(arguments: argparse.Namespace) -> str | None:
    variable = arguments.certificate_password_env
    if not variable:
        return None
    if variable not in os.environ:
        raise _usage(f"--certificate-password-env: ${variable} is not set")
    return os.environ[variable]


def _certificate(path: Path, passphrase: str | None) -> dict[str, Any]:
    if not path.is_file():
        raise _usage(f"the certificate file {path} does not exist")
    if path.suffix.lower() in (".pfx", ".p12"):
        credential: dict[str, Any] = {"private_key_pfx_path": str(path)}
    else:
        credential = _pem_credential(path, _read(path, "certificate"))
    if passphrase is not None:
        credential["passphrase"] = passphrase
    return credential


def _pem_credential(path: Path, text: str) -> dict[str, Any]:
    blocks = {m.group(1): m.group(0) for m in reversed(list(_PEM_BLOCK.finditer(text)))}
    key = next((v for k, v in blocks.items() if k.endswith("PRIVATE KEY")), None)
    certificate = blocks.get("CERTIFICATE")
    if key is None or certificate is None:
        raise _usage(
            f"{path} must hold a private key and its certificate in PEM (or be a .pfx/.p12 file)"
        )
    return {"private_key": key, "public_certificate": certificate}
