"""Wire conformance: entraclient sends what MSAL Python 1.39 sends to the same emulator.

Each scenario runs once with ``msal`` and once with ``entraclient``, both through
``http_client=emu.http_client()``; the emulator's request logs must match request by
request (method, host, path, query, form fields and their order, headers), except for the
differences listed below with their reasons.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msal
import pytest

import entraclient
from entraclient.emulator import Emulator, LoggedRequest

CUSTOM_INSTANCE = "login.wire-conformance.test"

# Headers whose values differ by design. Absent from one side is written as None.
HEADER_DIFFERENCES: dict[str, str] = {
    "x-client-sku": "each library names itself: 'MSAL.Python' / 'entraclient.Python'",
    "x-client-ver": "each library sends its own version",
    "x-client-current-telemetry": (
        "MSAL's telemetry for Microsoft (api id, refresh reason); entraclient is not a "
        "Microsoft library and reports none"
    ),
    "x-client-last-telemetry": (
        "the same, plus the correlation ids and errors of earlier failed calls, which "
        "entraclient does not keep or disclose"
    ),
    "client-request-id": "a fresh UUID4 per call on both sides (checked), so never equal",
}
ENTRACLIENT_HEADERS = {
    "x-client-sku": "entraclient.Python",
    "x-client-ver": entraclient.__version__,
}

# Whole requests one side sends and the other does not.
REQUEST_DIFFERENCES: dict[str, str] = {
    "GET /common/discovery/instance api-version=1.1": (
        "after a cache miss under a host that is not well known, MSAL fetches Entra's alias "
        "metadata to look for tokens cached under alias hosts; an app token is cached under "
        "the configured host only, and a custom host has no alias but itself, so entraclient "
        "skips a request that cannot find anything"
    ),
}


@dataclass(frozen=True)
class Scenario:
    name: str
    options: dict[str, Any] = field(default_factory=dict)
    call: dict[str, Any] = field(default_factory=dict)
    credential: Callable[[Emulator], Any] = lambda emu: emu.sample.app.secret
    authority: Callable[[Emulator], str] = lambda emu: emu.sample.authority
    calls: int = 1


UNREGISTERED_KEY_ASSERTION = (
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsIng1dCI6IkFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQT0ifQ"
    ".eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
)

SCENARIOS = [
    Scenario("client secret"),
    Scenario("cache hit on the second call", calls=2),
    Scenario("app name and version", options={"app_name": "wire-test", "app_version": "4.5"}),
    Scenario(
        "claims challenge with capabilities",
        options={"client_capabilities": ["CP1"]},
        call={"claims_challenge": '{"access_token": {"nbf": {"essential": true}}}'},
    ),
    Scenario(
        "fmi_path and capabilities",
        options={"client_capabilities": ["CP1"]},
        call={"fmi_path": "SomeFmiPath/Credential"},
    ),
    Scenario("wrong secret, twice", credential=lambda emu: "not-the-secret", calls=2),
    Scenario(
        "raw client assertion at a custom instance, twice",
        # A well-formed RS256 assertion signed by no registered key: Entra answers 401
        # invalid_client (700027) every time. (An alg=none one answers 400, which MSAL holds
        # for 60 s whatever the error while we hold only invalid_grant and
        # interaction_required — tests/http/test_throttling.py covers our rule.)
        credential=lambda emu: {"client_assertion": UNREGISTERED_KEY_ASSERTION},
        authority=lambda emu: f"https://{CUSTOM_INSTANCE}/{emu.sample.tenant.domain}",
        calls=2,
    ),
]


def _run(library: Any, emu: Emulator, scenario: Scenario) -> list[LoggedRequest]:
    emu.clear_log()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # MSAL warns on a static assertion
        app = library.ConfidentialClientApplication(
            emu.sample.app.client_id,
            client_credential=scenario.credential(emu),
            authority=scenario.authority(emu),
            http_client=emu.http_client(),
            **scenario.options,
        )
        for _ in range(scenario.calls):
            app.acquire_token_for_client([emu.sample.scope], **scenario.call)
    return emu.requests


def _request_name(request: LoggedRequest) -> str:
    version = request.query_value("api-version")
    return f"{request.method} {request.path}" + (f" api-version={version}" if version else "")


def _without_listed_requests(requests: list[LoggedRequest]) -> list[LoggedRequest]:
    return [r for r in requests if _request_name(r) not in REQUEST_DIFFERENCES]


def _headers(request: LoggedRequest) -> dict[str, str]:
    return {k: v for k, v in request.headers.items() if k not in HEADER_DIFFERENCES}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_entraclient_sends_what_msal_sends(entra_emulator: Emulator, scenario: Scenario) -> None:
    entra_emulator.add_instance(CUSTOM_INSTANCE)
    theirs = _without_listed_requests(_run(msal, entra_emulator, scenario))
    ours = _run(entraclient, entra_emulator, scenario)
    assert [_request_name(r) for r in ours] == [_request_name(r) for r in theirs]
    for mine, reference in zip(ours, theirs, strict=True):
        assert (mine.host, mine.query) == (reference.host, reference.query)
        assert mine.form == reference.form  # same fields, same values, same order
        assert _headers(mine) == _headers(reference)
        assert list(_headers(mine)) == list(_headers(reference))  # same header order
        _check_listed_headers(mine, reference)


def _check_listed_headers(mine: LoggedRequest, reference: LoggedRequest) -> None:
    if not mine.form:  # discovery GETs carry none of the listed headers, on both sides
        assert not set(HEADER_DIFFERENCES) & set(mine.headers)
        assert not set(HEADER_DIFFERENCES) & set(reference.headers)
        return
    for name, value in ENTRACLIENT_HEADERS.items():
        assert mine.headers[name] == value
    assert reference.headers["x-client-sku"] == "MSAL.Python"
    for name in ("x-client-current-telemetry", "x-client-last-telemetry"):
        assert name in reference.headers and name not in mine.headers
    for side in (mine, reference):
        assert uuid.UUID(side.headers["client-request-id"]).version == 4


def test_the_listed_request_difference_really_occurs(entra_emulator: Emulator) -> None:
    """Guard against a stale list: MSAL does send the request entraclient skips."""
    entra_emulator.add_instance(CUSTOM_INSTANCE)
    scenario = SCENARIOS[-1]
    names = [_request_name(r) for r in _run(msal, entra_emulator, scenario)]
    assert set(REQUEST_DIFFERENCES) <= set(names)
    assert not set(REQUEST_DIFFERENCES) & {
        _request_name(r) for r in _run(entraclient, entra_emulator, scenario)
    }
