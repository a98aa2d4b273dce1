"""redaction.py: tenants and user identifiers are masked unless PII logging is on."""

from __future__ import annotations

from entraclient.redaction import MASK, loggable_url, pii


def test_pii_is_masked_unless_shown() -> None:
    assert pii("alice@contoso.com", shown=False) == MASK
    assert pii("alice@contoso.com", shown=True) == "alice@contoso.com"


def test_a_url_loses_its_query_and_its_tenant() -> None:
    url = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token?x=1"
    assert (
        loggable_url(url, pii_shown=False)
        == "https://login.microsoftonline.com/****/oauth2/v2.0/token"
    )
    assert loggable_url(url, pii_shown=True) == (
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    )
    assert loggable_url("https://h", pii_shown=False) == "https://h"
