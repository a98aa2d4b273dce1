"""flows/regions.py: region detection and the regional endpoint, driven by hand."""

from __future__ import annotations

import logging

import pytest

from entraclient.authority import parse_authority
from entraclient.errors import ServiceError, TransportError
from entraclient.flows.discovery import AuthorityEndpoints
from entraclient.flows.regions import RegionalEndpoints, detect_region
from entraclient.http.driver import SyncDriver
from entraclient.http.messages import HttpResponse
from entraclient.http.transport import RequestsTransport
from entraclient.region import RegionChoice
from tests.flows.scripted import drive, json_response
from tests.http.loopback_servers import silent_server

IMDS = "http://imds.test"
CENTRAL = AuthorityEndpoints(
    authority=parse_authority("https://login.microsoftonline.com/contoso.com"),
    token_endpoint="https://login.microsoftonline.com/tid/oauth2/v2.0/token",
    authorization_endpoint="https://login.microsoftonline.com/tid/oauth2/v2.0/authorize",
    issuer=None,
    realm="tid",
)


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse.build(status, body, {"content-type": "text/plain"})


def test_region_name_wins_and_nothing_is_sent() -> None:
    choice = RegionChoice(detect=True, region_name="West US 2", imds_endpoint=IMDS)
    assert drive(detect_region(choice), lambda _: _text("never")) == ("westus2", [])


def test_an_invalid_region_name_is_discarded_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    choice = RegionChoice(detect=True, region_name="us/west", imds_endpoint=IMDS)
    with caplog.at_level(logging.WARNING):
        assert drive(detect_region(choice), lambda _: _text("westus2")) == (None, [])
    assert "REGION_NAME" in caplog.text


def test_the_metadata_request() -> None:
    region, (request,) = drive(
        detect_region(RegionChoice(detect=True, imds_endpoint=IMDS)), lambda _: _text("eastus\n")
    )
    assert region == "eastus"
    assert request.method == "GET"
    assert request.url == f"{IMDS}/metadata/instance/compute/location"
    assert request.query == (("format", "text"), ("api-version", "2021-02-01"))
    assert request.header("metadata") == "true"
    assert request.timeout is not None and 0 < request.timeout <= 5


@pytest.mark.parametrize(
    "answer",
    [_text("not found", 404), _text("oops", 500), _text(""), _text("West_US"), _text("<html>")],
)
def test_no_usable_answer_means_no_region(answer: HttpResponse) -> None:
    assert (
        drive(detect_region(RegionChoice(detect=True, imds_endpoint=IMDS)), lambda _: answer)[0]
        is None
    )


def test_no_answer_means_no_region() -> None:
    flow = detect_region(RegionChoice(detect=True, imds_endpoint=IMDS))
    next(flow)
    with pytest.raises(StopIteration) as done:
        flow.throw(TransportError("connection refused"))
    assert done.value.value is None


def test_a_silent_metadata_service_is_given_up_on_by_the_request_timeout() -> None:
    # The transport has no timeout of its own; only the request's short one can end this.
    with silent_server() as port:
        choice = RegionChoice(detect=True, imds_endpoint=f"http://127.0.0.1:{port}")
        assert SyncDriver(RequestsTransport(timeout=None)).run(detect_region(choice)) is None


def _endpoints(region: str) -> HttpResponse:
    base = f"https://{region}.login.microsoft.com/tid"
    return json_response({
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
    })  # fmt: skip


def test_a_configured_region_is_discovered_on_the_regional_host_once() -> None:
    regional = RegionalEndpoints(RegionChoice(region="westus2"))
    endpoint, sent = drive(regional.token_endpoint(CENTRAL), lambda _: _endpoints("westus2"))
    assert endpoint == "https://westus2.login.microsoft.com/tid/oauth2/v2.0/token"
    assert [r.url for r in sent] == [
        "https://westus2.login.microsoft.com/tid/v2.0/.well-known/openid-configuration"
    ]
    assert drive(regional.token_endpoint(CENTRAL), lambda _: _endpoints("x")) == (endpoint, [])


def test_detection_runs_once_even_when_it_finds_nothing() -> None:
    regional = RegionalEndpoints(RegionChoice(detect=True, imds_endpoint=IMDS))
    endpoint, sent = drive(regional.token_endpoint(CENTRAL), lambda _: _text("", 404))
    assert (endpoint, len(sent)) == (None, 1)
    assert drive(regional.token_endpoint(CENTRAL), lambda _: _text("eastus")) == (None, [])


def test_no_region_sends_nothing() -> None:
    assert drive(
        RegionalEndpoints(RegionChoice()).token_endpoint(CENTRAL), lambda _: _text("x")
    ) == (None, [])


def test_a_failed_regional_discovery_is_an_error_and_is_retried() -> None:
    regional = RegionalEndpoints(RegionChoice(region="westus2"))
    with pytest.raises(ServiceError):
        drive(
            regional.token_endpoint(CENTRAL),
            lambda _: json_response({"error": "invalid_tenant"}, 400),
        )
    endpoint, sent = drive(regional.token_endpoint(CENTRAL), lambda _: _endpoints("westus2"))
    assert endpoint is not None and len(sent) == 1
