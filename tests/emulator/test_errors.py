"""The error table and the Entra-shaped body."""

from __future__ import annotations

import re

from entraclient.emulator.errors import EntraError, ErrorKind, render_error


def test_table_is_consistent() -> None:
    for kind in ErrorKind:
        spec = kind.spec
        assert (spec.status == 401) == (spec.error == "invalid_client"), kind
        assert (spec.status == 503) == (spec.error == "temporarily_unavailable"), kind
        assert spec.status in (400, 401, 503)
    assert len({kind.spec for kind in ErrorKind}) == len(ErrorKind)


def test_rendered_body() -> None:
    error = EntraError(ErrorKind.MISSING_PARAMETER, name="scope")
    body = render_error(error, host="login.microsoftonline.com", correlation_id="c-1", now=0)
    assert body["error"] == "invalid_request"
    assert body["error_codes"] == [900144]
    assert body["timestamp"] == "1970-01-01 00:00:00Z"
    assert body["correlation_id"] == "c-1"
    assert body["error_uri"] == "https://login.microsoftonline.com/error?code=900144"
    assert re.fullmatch(
        r"AADSTS900144: The request body must contain the following parameter: 'scope'\.\r\n"
        r"Trace ID: [0-9a-f-]{36}\r\nCorrelation ID: c-1\r\nTimestamp: 1970-01-01 00:00:00Z",
        str(body["error_description"]),
    )
    assert str(error) == f"AADSTS900144: {error.message}"
