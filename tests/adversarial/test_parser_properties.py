"""Property tests on every parser of wire input: whatever arrives, the documented outcome.

Each parser either returns a well-formed value or raises its one documented error type;
nothing else escapes (no ``TypeError``, ``OverflowError``, ``RecursionError``...).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from entraclient.authority import parse_authority
from entraclient.cache.identity import decode_jwt_claims
from entraclient.errors import FlowError
from entraclient.flows.id_token import IdTokenExpectations, validate_id_token
from entraclient.flows.responses import successful_json
from entraclient.flows.token_request import parse_token_response
from entraclient.http.bodies import MAX_BODY_BYTES
from entraclient.http.messages import HttpResponse
from entraclient.http.throttling import MAX_HOLD, parse_retry_after
from entraclient.http.wire import BodyReader
from entraclient.jose import b64url_json


def _outcome(parse: Callable[..., Any], *args: Any) -> Any:
    """What ``parse`` returned, or the :class:`FlowError` it raised."""
    try:
        return parse(*args)
    except FlowError as failure:
        return failure


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
TOKEN_MEMBERS = st.sampled_from(
    ["access_token", "token_type", "expires_in", "ext_expires_in", "refresh_in", "scope",
     "refresh_token", "id_token", "client_info", "error", "foci"]
)  # fmt: skip
TOKEN_BODIES = st.dictionaries(TOKEN_MEMBERS, JSON | st.text(max_size=40), max_size=8)


@settings(max_examples=300)
@given(st.integers(100, 599), TOKEN_BODIES)
def test_a_token_answer_parses_or_is_a_flow_error(status: int, body: dict[str, Any]) -> None:
    response = HttpResponse.build(status, json.dumps(body), {"content-type": "application/json"})
    token = _outcome(parse_token_response, response)
    if isinstance(token, FlowError):
        assert "access_token" not in token.result()
        return
    assert 200 <= status < 300
    assert isinstance(token.access_token, str) and token.access_token
    assert isinstance(token.expires_in, int) and token.expires_in > 0


@given(st.integers(100, 599), st.text(max_size=200) | st.binary(max_size=200).map(repr))
def test_any_text_is_json_or_a_flow_error(status: int, text: str) -> None:
    body = _outcome(successful_json, HttpResponse.build(status, text))
    if isinstance(body, FlowError):
        assert isinstance(body.result()["error"], str)
        return
    assert isinstance(body, dict)


@given(st.dictionaries(st.sampled_from(["error", "access_token", "refresh_token"]), JSON))
def test_an_error_answer_never_hands_on_tokens(body: dict[str, Any]) -> None:
    failure = _outcome(successful_json, HttpResponse.build(400, json.dumps(body)))
    assert isinstance(failure, FlowError)
    result = failure.result()
    assert "access_token" not in result and "refresh_token" not in result


@given(
    st.text(max_size=60)
    | st.from_regex(r"\A\s*\d{1,6000}(\s*,\s*\d{1,600})*\s*\Z")
    | st.builds(lambda d: f"Wed, 21 Oct 2015 07:{d:02d}:00 GMT", st.integers(0, 99))
)
def test_retry_after_is_a_bounded_wait_or_none(value: str) -> None:
    wait = parse_retry_after(value, now=1_445_411_000.0)
    assert wait is None or wait >= 0.0
    if value.strip().isdigit():
        assert wait is not None and wait <= MAX_HOLD


@given(st.text(max_size=200))
def test_a_jwt_decodes_to_claims_or_value_error(token: str) -> None:
    try:
        claims = decode_jwt_claims(token)
    except ValueError:
        return
    assert isinstance(claims, dict)


@given(
    st.dictionaries(
        st.sampled_from(["iss", "aud", "exp", "nbf", "iat", "nonce", "auth_time", "tid"]), JSON
    )
)
def test_id_token_claims_are_accepted_or_rejected(claims: dict[str, Any]) -> None:
    expected = IdTokenExpectations(
        client_id="cid", issuer="https://login.microsoftonline.com/t/v2.0", nonce="n", now=1e9
    )
    rejected = _outcome(validate_id_token, claims, expected)
    if isinstance(rejected, FlowError):
        assert rejected.result()["error"]
        return
    assert claims.get("aud") == "cid" or "cid" in (claims.get("aud") or [])


@given(JSON.filter(lambda c: isinstance(c, dict)))
def test_a_jwt_with_any_payload_decodes_or_is_refused(payload: dict[str, Any]) -> None:
    token = f"{b64url_json({'alg': 'none'})}.{b64url_json(payload)}.sig"
    with contextlib.suppress(ValueError):
        assert decode_jwt_claims(token) == payload


AUTHORITY_PARTS = st.sampled_from(
    ["https://", "http://", "login.microsoftonline.com", "127.0.0.1", ":443", ":0", "/", "..",
     ".", "%2e", "common", "\r\n", "\t", "@", "user:pw@", "#f", "?q=1", "xn--", "b2c_1_x",
     "contoso.b2clogin.com", ".ciamlogin.com", "adfs", "\x00", " "]
)  # fmt: skip


@given(st.lists(AUTHORITY_PARTS, max_size=7).map("".join) | st.text(max_size=60))
def test_an_authority_is_parsed_or_refused_with_value_error(url: str) -> None:
    try:
        authority = parse_authority(url)
    except ValueError:
        return
    assert authority.url.startswith("https://")
    assert not any(ord(c) < 0x20 or ord(c) == 0x7F for c in authority.url)
    assert not any(s in {".", ".."} for s in authority.url.split("/")[3:])
    assert "@" not in authority.host


@given(
    st.lists(st.binary(max_size=300_000), max_size=12),
    st.sampled_from([None, "latin-1", "utf-16", "nonsense"]),
)
def test_a_body_is_read_within_the_cap_whatever_the_chunks(
    chunks: list[bytes], charset: str | None
) -> None:
    reader = BodyReader(60.0, clock=lambda: 0.0)
    for chunk in chunks:
        if not reader.feed(chunk):
            break
    content_type = "application/json" + (f"; charset={charset}" if charset else "")
    response = reader.finish(200, {"Content-Type": content_type})
    total = sum(len(c) for c in chunks)
    assert (response.defect is not None) or total <= MAX_BODY_BYTES
    assert len(response.text.encode("utf-8", "surrogatepass")) <= 4 * (MAX_BODY_BYTES + 1)
