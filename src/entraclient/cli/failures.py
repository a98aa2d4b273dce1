"""Failures of token requests as one line each: the AADSTS code, what happened, what to do."""

from __future__ import annotations

import re
import ssl
from collections.abc import Mapping
from typing import Any

from entraclient.emulator_switch import ADDRESS_VARIABLE, CA_VARIABLE
from entraclient.errors import TransportError

__all__ = ["describe_error_result", "describe_transport_failure"]

# AADSTS code -> what to change. The description already says what went wrong.
_ADVICE: Mapping[int, str] = {
    7000215: "check the secret (--secret-env, --secret-file or --secret-stdin)",
    7000222: "the secret has expired: create a new one",
    700016: "check --client-id and --tenant",
    700027: "register this certificate with the app, or use the one registered",
    90002: "check --tenant",
    900023: "check --tenant",
    500011: "check --scope: the API is not known in this tenant",
    1002012: "use a scope ending in /.default, such as api://my-api/.default",
    70011: "use a scope ending in /.default, such as api://my-api/.default",
    50049: "pass --no-instance-discovery for an authority that is not an Entra host",
}

_AADSTS = re.compile(r"AADSTS(\d+)")


def describe_error_result(result: Mapping[str, Any]) -> str:
    """One line for an error result: ``AADSTS…: description (what to do)``."""
    description = str(result.get("error_description") or "").strip().splitlines()
    first = description[0].strip() if description else ""
    line = first or str(result.get("error") or "the identity provider refused")
    match = _AADSTS.search(first)
    advice = _ADVICE.get(int(match.group(1))) if match else None
    return f"{line} ({advice})" if advice else line


def describe_transport_failure(failure: TransportError) -> str:
    """One line for a request that got no answer, with the cause and a hint where one helps."""
    causes: list[BaseException] = []
    cause: BaseException | None = failure.__cause__
    while cause is not None and len(causes) < 8:
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    message = str(failure)
    text = " ".join(str(c) for c in causes)
    if any(isinstance(c, ssl.SSLCertVerificationError) for c in causes) or (
        "CERTIFICATE_VERIFY_FAILED" in text
    ):
        return (
            f"{message}: the server's TLS certificate was not trusted. For the emulator, set "
            f"{ADDRESS_VARIABLE} and {CA_VARIABLE} as its banner says"
        )
    if "not routed to the entraclient emulator" in text or "not served by the emulator" in text:
        return f"{message}: {ADDRESS_VARIABLE} is set, so only Entra hosts and loopback are reached"
    if "refused" in text.lower():
        return f"{message}: connection refused (is the server, or the emulator, running?)"
    return message
