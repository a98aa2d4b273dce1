"""flows/token_request.py: what makes a token response unusable, and the form's field order."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from entraclient.authority import parse_authority
from entraclient.cache.token_cache import TokenCache
from entraclient.credentials import RawAssertion
from entraclient.errors import ProtocolError
from entraclient.flows.context import AppContext
from entraclient.flows.token_request import build_token_request, parse_token_response
from entraclient.telemetry import Telemetry
from tests.flows.scripted import FakeClock, json_response


def _token(**fields: Any) -> dict[str, Any]:
    return {"token_type": "Bearer", "expires_in": 3599, "access_token": "at", **fields}


def _jwt(claims: object) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJub25lIn0.{payload}.sig"


def test_a_well_formed_id_token_is_accepted() -> None:
    token = parse_token_response(json_response(_token(id_token=_jwt({"sub": "s"}))))
    assert token.id_token is not None


@pytest.mark.parametrize(
    "id_token", ["not-a-jwt", "a.b", "a.!!!.c", _jwt([1, 2]), _jwt("text"), "a.b.c.d"]
)
def test_a_malformed_id_token_is_a_protocol_error(id_token: str) -> None:
    with pytest.raises(ProtocolError, match="id_token"):
        parse_token_response(json_response(_token(id_token=id_token)))


def test_an_assertion_goes_before_client_info_as_msal_sends_it() -> None:
    app = AppContext(
        client_id="cid",
        authority=parse_authority("https://login.microsoftonline.com/t"),
        credential=RawAssertion(lambda: "a.b.c"),
        cache=TokenCache(),
        telemetry=Telemetry(),
        clock=FakeClock(),
    )
    request = build_token_request(
        app,
        "https://login.microsoftonline.com/t/oauth2/v2.0/token",
        grant_type="client_credentials",
        grant_fields=(("scope", "s"),),
        correlation_id="c",
    )
    assert [name for name, _ in request.form or ()] == [
        "client_id",
        "grant_type",
        "client_assertion",
        "client_info",
        "client_assertion_type",
        "scope",
    ]
