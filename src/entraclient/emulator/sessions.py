"""Continuous Access Evaluation state: when each principal's sessions were last revoked.

Invariants:

* A revocation is kept as a whole second, rounded up (``ceil``), so a token issued in the
  same second *before* the revocation (``iat`` < that second) counts as revoked.
* Only CAE-capable tokens (``xms_cc`` contains ``CP1``) are judged by it: a resource keeps
  honouring other tokens until they expire, as Entra's short-lived non-CAE tokens are.
* The claims challenge asks for a token not before the revocation (Entra's shape:
  ``{"access_token":{"nbf":{"essential":true,"value":"<epoch seconds>"}}}``).
"""

from __future__ import annotations

import base64
import json
import math
import threading

__all__ = ["CAE_CAPABILITY", "SessionRevocations", "encode_claims", "nbf_claims_challenge"]

CAE_CAPABILITY = "CP1"


def nbf_claims_challenge(not_before: int) -> str:
    """The claims (JSON) asking for a token issued at or after ``not_before``."""
    challenge = {"access_token": {"nbf": {"essential": True, "value": str(not_before)}}}
    return json.dumps(challenge, separators=(",", ":"))


def encode_claims(claims: str) -> str:
    """``claims`` as it travels in ``WWW-Authenticate``: base64url, no padding."""
    return base64.urlsafe_b64encode(claims.encode()).rstrip(b"=").decode()


class SessionRevocations:
    """Principals (user or service principal object ids) whose sessions were revoked, and
    APIs whose access policy changed (every CAE token for them issued before is challenged)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._revoked: dict[str, int] = {}

    def revoke(self, object_id: str, now: float) -> int:
        """Revoke the sessions of ``object_id`` at ``now``; return the revocation second."""
        second = math.ceil(now)
        with self._lock:
            self._revoked[object_id.lower()] = second
        return second

    def revoked_at(self, object_id: str) -> int | None:
        """The second ``object_id``'s sessions were last revoked, if ever."""
        with self._lock:
            return self._revoked.get(object_id.lower())

    def change_policy(self, api_app_id: str, now: float) -> int:
        """Record a policy change for the API ``api_app_id``; return its second."""
        return self.revoke(f"api:{api_app_id}", now)

    def not_before(self, object_id: str, api_app_id: str) -> int | None:
        """The latest revocation or policy change a CAE token of ``object_id`` for
        ``api_app_id`` must not predate, if any."""
        with self._lock:
            times = [
                self._revoked.get(object_id.lower()),
                self._revoked.get(f"api:{api_app_id}".lower()),
            ]
        known = [t for t in times if t is not None]
        return max(known) if known else None

    def clear(self) -> None:
        """Forget every revocation."""
        with self._lock:
            self._revoked.clear()
