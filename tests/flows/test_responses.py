"""flows/responses.py: every malformed answer is a ProtocolError, never a parser's exception."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entraclient.errors import ProtocolError, ServiceError
from entraclient.flows.responses import json_object, successful_json
from entraclient.http.messages import HttpResponse


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_a_protocol_error_saying_so(status: int) -> None:
    with pytest.raises(ProtocolError, match="redirect") as failure:
        json_object(HttpResponse.build(status, "{}", {"location": "https://elsewhere.test/"}))
    assert failure.value.result()["status_code"] == status


def test_a_defective_body_is_refused_even_if_it_parses() -> None:
    response = HttpResponse.build(
        200, '{"access_token": "x"}', defect="the body is not valid utf-8"
    )
    with pytest.raises(ProtocolError, match="not valid utf-8"):
        successful_json(response)


def test_an_error_body_is_a_service_error() -> None:
    with pytest.raises(ServiceError) as failure:
        successful_json(HttpResponse.build(400, json.dumps({"error": "invalid_grant"})))
    assert failure.value.result() == {"error": "invalid_grant"}


@given(st.integers(100, 599), st.text(max_size=100))
def test_any_answer_is_a_dict_or_a_flow_error(status: int, text: str) -> None:
    outcome: object
    try:
        outcome = successful_json(HttpResponse.build(status, text))
    except (ProtocolError, ServiceError) as failure:
        outcome = failure.result()
        assert isinstance(outcome["error"], str)
    assert isinstance(outcome, dict)
