"""Reading answers from the identity provider: JSON bodies and errors.

Every answer is parsed here, so a flow never sees a parser's stack trace: a body that is not
a JSON object (or that the transport could not read faithfully, or a redirect, which is never
followed) raises :class:`ProtocolError`; an error body raises :class:`ServiceError`.
"""

from __future__ import annotations

import json
from typing import Any

from entraclient.errors import ProtocolError, ServiceError
from entraclient.http.messages import HttpResponse

__all__ = ["json_object", "successful_json"]

_MAX_SNIPPET = 80


def json_object(response: HttpResponse) -> dict[str, Any]:
    """The response body as a JSON object, or :class:`ProtocolError`."""
    if 300 <= response.status_code < 400:
        raise ProtocolError(
            f"the server answered with a redirect (HTTP {response.status_code}); "
            "entraclient does not follow redirects of identity provider requests",
            status_code=response.status_code,
        )
    if response.defect is not None:
        raise ProtocolError(
            f"unreadable answer (HTTP {response.status_code}): {response.defect}",
            status_code=response.status_code,
        )
    try:
        body = json.loads(response.text)
    except (ValueError, RecursionError):
        raise ProtocolError(
            f"expected a JSON object, got {_describe(response)}",
            status_code=response.status_code,
        ) from None
    if not isinstance(body, dict):
        raise ProtocolError(
            f"expected a JSON object, got a JSON {type(body).__name__}",
            status_code=response.status_code,
        )
    return body


def successful_json(response: HttpResponse) -> dict[str, Any]:
    """The JSON body of a 2xx answer without ``error``; otherwise the matching error."""
    body = json_object(response)
    if 200 <= response.status_code < 300 and "error" not in body:
        return body
    if isinstance(body.get("error"), str) and body["error"]:
        raise ServiceError(body, status_code=response.status_code)
    raise ProtocolError(
        f"HTTP {response.status_code} without an error code in its body",
        status_code=response.status_code,
    )


def _describe(response: HttpResponse) -> str:
    content_type = response.header("content-type") or "no content type"
    if not response.text.strip():
        return f"an empty body (HTTP {response.status_code})"
    return f"HTTP {response.status_code} with {content_type} ({len(response.text)} chars)"
