"""Parsing ``WWW-Authenticate`` Bearer challenges (RFC 6750 §3) for claims challenges.

A protected resource that wants a token with more claims (Continuous Access Evaluation, a
Conditional Access step-up) answers 401 with::

    WWW-Authenticate: Bearer realm="", authorization_uri="https://login.../authorize",
        error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsi..."

``claims`` is base64url-encoded JSON (Entra's CAE shape); a raw JSON object is accepted too.
Invariants: pure functions, no I/O; a malformed header gives ``None``, never an exception.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ClaimsChallenge", "claims_challenge_of", "parse_bearer_challenges"]

INSUFFICIENT_CLAIMS = "insufficient_claims"

_SCHEME = re.compile(r"\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s*")
_PARAM = re.compile(r'\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(,)?')


@dataclass(frozen=True, slots=True)
class ClaimsChallenge:
    """A claims challenge: the decoded JSON ``claims`` to send as ``claims_challenge``."""

    claims: str
    error: str


def _parse_params(header: str, start: int) -> tuple[dict[str, str], int]:
    params: dict[str, str] = {}
    position = start
    while True:
        match = _PARAM.match(header, position)
        if match is None or match.end() == position:
            return params, position
        quoted, bare = match.group(2), match.group(3)
        value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare or ""
        params[match.group(1).lower()] = value
        position = match.end()
        if match.group(4) is None:
            return params, position


def parse_bearer_challenges(headers: Iterable[str]) -> list[dict[str, str]]:
    """The parameters of each ``Bearer`` challenge in the given ``WWW-Authenticate`` values."""
    challenges: list[dict[str, str]] = []
    for header in headers:
        position = 0
        while position < len(header):
            scheme = _SCHEME.match(header, position)
            if scheme is None:
                break
            params, position = _parse_params(header, scheme.end())
            if scheme.group(1).lower() == "bearer":
                challenges.append(params)
            if position == scheme.end():
                position = header.find(",", position) + 1 or len(header)
    return challenges


def _decode_claims(value: str) -> str | None:
    text = value.strip()
    if not text.startswith("{"):
        try:
            padded = text + "=" * (-len(text) % 4)
            text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
        except (binascii.Error, UnicodeError, ValueError):
            return None
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return text if isinstance(parsed, dict) else None


def claims_challenge_of(headers: Iterable[str]) -> ClaimsChallenge | None:
    """The claims challenge among ``WWW-Authenticate`` values, or ``None`` when there is none.

    Only ``error="insufficient_claims"`` with a decodable JSON object in ``claims`` counts.
    """
    for params in parse_bearer_challenges(headers):
        if params.get("error") != INSUFFICIENT_CLAIMS or "claims" not in params:
            continue
        claims = _decode_claims(params["claims"])
        if claims is not None:
            return ClaimsChallenge(claims, INSUFFICIENT_CLAIMS)
    return None
