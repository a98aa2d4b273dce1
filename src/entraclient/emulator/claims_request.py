"""The ``claims`` request parameter (OIDC Core §5.5) as the token endpoint reads it.

Invariants:

* When present, ``claims`` must be a JSON object, else the request is ``invalid_request``
  (AADSTS90023); its content is never echoed.
* ``access_token.nbf.value`` (a CAE claims challenge answered) asks for a token issued no
  earlier than that second; the grants honour it (:attr:`.grants.TokenRequest.issue_time`).
* Client capabilities are the string values of ``access_token.xms_cc.values``; they end up in
  the access token's ``xms_cc`` claim (``CP1`` announces Continuous Access Evaluation).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from entraclient.emulator.errors import EntraError, ErrorKind

__all__ = ["client_capabilities", "parse_claims", "requested_not_before"]


def parse_claims(form: Mapping[str, str]) -> dict[str, Any] | None:
    """The ``claims`` form field as a JSON object, ``None`` when absent."""
    text = form.get("claims")
    if text is None:
        return None
    try:
        claims = json.loads(text)
    except (ValueError, RecursionError):
        claims = None
    if not isinstance(claims, dict):
        raise EntraError(
            ErrorKind.MALFORMED_REQUEST, reason="The claims parameter is not a JSON object."
        )
    return claims


def client_capabilities(claims: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The capabilities a ``claims`` request announces (``access_token.xms_cc.values``)."""
    access_token = (claims or {}).get("access_token")
    xms_cc = access_token.get("xms_cc") if isinstance(access_token, dict) else None
    values = xms_cc.get("values") if isinstance(xms_cc, dict) else None
    if not isinstance(values, list):
        return ()
    return tuple(v for v in values if isinstance(v, str) and v)


def requested_not_before(claims: Mapping[str, Any] | None) -> int | None:
    """The ``access_token.nbf.value`` a claims challenge asks for, in epoch seconds."""
    access_token = (claims or {}).get("access_token")
    nbf = access_token.get("nbf") if isinstance(access_token, dict) else None
    value = nbf.get("value") if isinstance(nbf, dict) else None
    if isinstance(value, bool):
        return None
    try:
        return int(value) if isinstance(value, int | str) else None
    except ValueError:
        return None
