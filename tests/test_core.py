"""core.py: the configuration checks and the one place a flow failure becomes a dict."""

from __future__ import annotations

from typing import Any

import pytest

from entraclient.core import AppCore
from entraclient.errors import ServiceError, TransportError
from entraclient.http.driver import Flow
from entraclient.http.messages import HttpRequest, HttpResponse
from tests.flows.scripted import drive


def _core(**overrides: Any) -> AppCore:
    arguments: dict[str, Any] = dict(
        confidential=True, clock=lambda: 1_000.0, client_id="cid", client_credential="s",
        authority="https://login.microsoftonline.com/t", validate_authority=True,
        token_cache=None, verify=True, proxies=None, timeout=None, client_claims=None,
        app_name=None, app_version=None, client_capabilities=None, azure_region=None,
        exclude_scopes=None, http_cache=None, instance_discovery=None, allow_broker=None,
        enable_pii_log=None, oidc_authority=None,
    )  # fmt: skip
    arguments.update(overrides)
    return AppCore(**arguments)


def _one_request(result: Any) -> Flow[Any]:
    yield HttpRequest("GET", "https://h/x", headers=(("client-request-id", "corr-9"),))
    return result


def test_a_confidential_core_needs_a_credential_and_no_broker() -> None:
    with pytest.raises(ValueError, match="client_credential"):
        _core(client_credential=None)
    with pytest.raises(ValueError, match="allow_broker"):
        _core(allow_broker=False)
    assert _core(confidential=False, client_credential=None).credential is None


def test_a_foreign_token_cache_is_refused_in_one_place() -> None:
    with pytest.raises(TypeError, match="token_cache"):
        _core(token_cache={})


def test_settle_turns_a_flow_error_into_its_dict_with_the_correlation_id() -> None:
    core = _core()

    def failing() -> Flow[dict[str, Any]]:
        yield HttpRequest("GET", "https://h/x", headers=(("client-request-id", "corr-9"),))
        raise ServiceError({"error": "invalid_client"}, status_code=401)

    result, _ = drive(core.settle(failing()), lambda _: HttpResponse.build(200, "{}"))
    assert result["error"] == "invalid_client"
    assert result["correlation_id"] == "corr-9"


def test_settle_adds_the_correlation_id_to_a_returned_error_dict() -> None:
    result, _ = drive(
        _core().settle(_one_request({"error": "x"})), lambda _: HttpResponse.build(200, "")
    )
    assert result == {"error": "x", "correlation_id": "corr-9"}
    ok, _ = drive(_core().settle(_one_request({"a": 1})), lambda _: HttpResponse.build(200, ""))
    assert ok == {"a": 1}


def test_settle_lets_a_transport_error_through() -> None:
    flow = _core().settle(_one_request({}))
    next(flow)
    with pytest.raises(TransportError):
        flow.throw(TransportError("no answer"))
