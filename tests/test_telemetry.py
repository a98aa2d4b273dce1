"""telemetry.py: the headers of a token request; values are always safe to send."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from entraclient.telemetry import (
    MAX_HEADER_VALUE,
    SKU,
    Telemetry,
    new_correlation_id,
    sanitise_header_value,
)


def test_token_headers() -> None:
    headers = dict(Telemetry("app", "1.0").token_headers("corr"))
    assert headers["x-client-sku"] == SKU
    assert headers["x-ms-lib-capability"] == "retry-after, h429"
    assert headers["client-request-id"] == "corr"
    assert (headers["x-app-name"], headers["x-app-ver"]) == ("app", "1.0")
    assert "x-app-name" not in dict(Telemetry().token_headers("corr"))


def test_correlation_ids_are_fresh_uuid4s() -> None:
    ids = {new_correlation_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(uuid.UUID(i).version == 4 for i in ids)


def test_non_ascii_is_percent_encoded() -> None:
    assert sanitise_header_value("café") == "caf%C3%A9"


@given(st.text())
def test_a_sanitised_value_is_always_a_valid_header_value(value: str) -> None:
    clean = sanitise_header_value(value)
    assert len(clean) <= MAX_HEADER_VALUE
    assert all(0x20 <= ord(c) < 0x7F for c in clean)
    assert clean == clean.strip()
    clean.encode("latin-1")  # what http.client needs


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=100))
def test_printable_ascii_is_kept(value: str) -> None:
    assert sanitise_header_value(value) == value.strip()
