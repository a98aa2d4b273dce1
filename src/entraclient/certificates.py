"""Certificate credentials (placeholder until certificate support lands)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from entraclient.credentials import ClientAuthentication


def load_certificate_credential(value: Mapping[str, object]) -> ClientAuthentication:
    """Load a certificate credential dict."""
    raise ValueError("certificate credentials are not supported yet")
