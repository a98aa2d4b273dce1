"""The ``claims`` request parameter (OIDC Core §5.5): client capabilities and claims challenges.

Rules (PROTOCOL.md §5.4): capabilities alone become
``{"access_token": {"xms_cc": {"values": [...]}}}``; with a challenge, that ``xms_cc`` member is
set inside the challenge's ``access_token`` object and the whole is re-serialised; a challenge
without capabilities is sent byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

__all__ = ["merge_claims", "merge_forwarded_claims", "parse_claims_object"]


def parse_claims_object(text: str, *, name: str) -> dict[str, Any]:
    """Parse ``text`` as a JSON object, raising ``ValueError`` naming ``name`` otherwise."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise ValueError(f"{name} must be a JSON object string; it is not valid JSON") from None
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be a JSON object string, not a JSON {type(value).__name__}")
    return value


def merge_claims(capabilities: Sequence[str], claims_challenge: str | None) -> str | None:
    """The ``claims`` value to send, or ``None`` when there is nothing to send."""
    if not capabilities:
        return claims_challenge or None
    xms_cc = {"values": list(capabilities)}
    if not claims_challenge:
        return json.dumps({"access_token": {"xms_cc": xms_cc}})
    merged = parse_claims_object(claims_challenge, name="claims_challenge")
    access_token = merged.get("access_token")
    if not isinstance(access_token, dict):
        access_token = {}
    access_token["xms_cc"] = xms_cc
    merged["access_token"] = access_token
    return json.dumps(merged)


def _deep_merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(merged.get(key), dict) and isinstance(value, dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def merge_forwarded_claims(claims: str | None, forwarded: str | None) -> str | None:
    """``claims`` with the caller's ``forwarded_client_claims`` deep-merged over it."""
    if not forwarded:
        return claims
    if not claims:
        return forwarded
    base = parse_claims_object(claims, name="claims")
    overlay = parse_claims_object(forwarded, name="forwarded_client_claims")
    return json.dumps(_deep_merge(base, overlay))
