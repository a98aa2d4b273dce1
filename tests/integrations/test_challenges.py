"""The sans-I/O parser of WWW-Authenticate claims challenges."""

from __future__ import annotations

import base64
import json

from hypothesis import given
from hypothesis import strategies as st

from entraclient.integrations.challenges import claims_challenge_of, parse_bearer_challenges

CLAIMS = '{"access_token":{"nbf":{"essential":true,"value":"1726258122"}}}'
ENCODED = base64.urlsafe_b64encode(CLAIMS.encode()).rstrip(b"=").decode()


def test_entra_cae_challenge_is_decoded() -> None:
    header = (
        'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/'
        f'authorize", client_id="00000003-0000-0000-c000-000000000000", '
        f'error="insufficient_claims", claims="{ENCODED}"'
    )
    challenge = claims_challenge_of([header])
    assert challenge is not None
    assert json.loads(challenge.claims) == json.loads(CLAIMS)


def test_raw_json_claims_and_escaped_quotes_are_accepted() -> None:
    escaped = CLAIMS.replace('"', '\\"')
    challenge = claims_challenge_of([f'Bearer error="insufficient_claims", claims="{escaped}"'])
    assert challenge is not None and challenge.claims == CLAIMS


def test_several_schemes_in_one_header_and_across_headers() -> None:
    headers = [
        'Basic realm="x"',
        f'PoP nonce="abc", Bearer error="insufficient_claims", claims="{ENCODED}"',
    ]
    assert parse_bearer_challenges(headers) == [{"error": "insufficient_claims", "claims": ENCODED}]
    assert claims_challenge_of(headers) is not None


def test_challenges_that_are_not_claims_challenges_give_none() -> None:
    assert claims_challenge_of([]) is None
    assert claims_challenge_of(['Bearer realm="", error="invalid_token"']) is None
    assert claims_challenge_of([f'Bearer error="invalid_token", claims="{ENCODED}"']) is None
    assert claims_challenge_of(['Bearer error="insufficient_claims", claims="!!"']) is None
    not_object = base64.urlsafe_b64encode(b"[1,2]").decode()
    assert (
        claims_challenge_of([f'Bearer error="insufficient_claims", claims="{not_object}"']) is None
    )
    assert claims_challenge_of([f'Basic error="insufficient_claims", claims="{ENCODED}"']) is None


def test_bare_token_values_are_read() -> None:
    params = parse_bearer_challenges(["Bearer error=insufficient_claims, claims=" + ENCODED])
    assert params == [{"error": "insufficient_claims", "claims": ENCODED}]


@given(st.text(max_size=200))
def test_any_header_parses_without_raising(header: str) -> None:
    parse_bearer_challenges([header])
    claims_challenge_of([header])
