"""The sans-I/O parts: identities and their JSON form, host detection, each backend's request
and answer shapes, and the flow's cache rules under a clock the test moves."""

from __future__ import annotations

import json
from typing import Any

import pytest

from entraclient import TokenCache
from entraclient.http.messages import HttpRequest, HttpResponse
from entraclient.managed_identity import (
    ManagedIdentity,
    ManagedIdentityError,
    SystemAssignedManagedIdentity,
    UserAssignedManagedIdentity,
)
from entraclient.managed_identity.arc import ArcKeyFiles
from entraclient.managed_identity.backends import read_token, token_request
from entraclient.managed_identity.flow import (
    IdentityContext,
    ManagedIdentityRequest,
    acquire_managed_identity_token,
)
from entraclient.managed_identity.identities import IdentitySelector, identity_selector
from entraclient.managed_identity.sources import HostEnvironment, Source, detect_host
from tests.flows.scripted import FakeClock, drive, json_response

NOW = 1_800_000_000.0

# -- identities -----------------------------------------------------------------------------


def test_identity_objects_are_msal_config_dicts() -> None:
    assert dict(SystemAssignedManagedIdentity()) == {
        "ManagedIdentityIdType": "SystemAssigned",
        "Id": None,
    }
    assert dict(UserAssignedManagedIdentity(resource_id="/r")) == {
        "ManagedIdentityIdType": "ResourceId",
        "Id": "/r",
    }
    assert ManagedIdentity.is_user_assigned({"ManagedIdentityIdType": "ObjectId", "Id": "o"})
    assert not ManagedIdentity.is_managed_identity({"ManagedIdentityIdType": "ObjectId"})


@pytest.mark.parametrize(
    "ids", [{}, {"client_id": "a", "object_id": "b"}, {"client_id": ""}], ids=repr
)
def test_user_assigned_needs_exactly_one_id(ids: dict[str, str]) -> None:
    with pytest.raises(ManagedIdentityError, match="exactly one"):
        UserAssignedManagedIdentity(**ids)


def test_json_form_becomes_a_selector() -> None:
    config = json.loads('{"ManagedIdentityIdType": "ClientId", "Id": "c1"}')
    assert identity_selector(config) == IdentitySelector("client_id", "c1")
    assert identity_selector(SystemAssignedManagedIdentity()).cache_client_id == (
        "SYSTEM_ASSIGNED_MANAGED_IDENTITY"
    )
    for bad in ("ClientId", {"ManagedIdentityIdType": "ClientId", "Id": " "}, None):
        with pytest.raises(ManagedIdentityError):
            identity_selector(bad)


# -- detection ------------------------------------------------------------------------------

FULL = {
    "IDENTITY_ENDPOINT": "https://e/t",
    "IDENTITY_HEADER": "h",
    "IDENTITY_SERVER_THUMBPRINT": "AB" * 20,
    "MSI_ENDPOINT": "https://m/t",
    "MSI_SECRET": "s",
    "IMDS_ENDPOINT": "http://localhost:40342",
}


@pytest.mark.parametrize(
    ("drop", "expected"),
    [
        ((), "service_fabric"),
        (("IDENTITY_SERVER_THUMBPRINT",), "app_service"),
        (("IDENTITY_SERVER_THUMBPRINT", "IDENTITY_HEADER"), "machine_learning"),
        (("IDENTITY_SERVER_THUMBPRINT", "IDENTITY_HEADER", "MSI_SECRET"), "azure_arc"),
        (("IDENTITY_ENDPOINT", "MSI_SECRET"), "vm"),
    ],
)
def test_detection_order_is_msals(drop: tuple[str, ...], expected: str) -> None:
    environ = {k: v for k, v in FULL.items() if k not in drop}
    assert detect_host(environ).source == expected


def test_vm_endpoint_defaults_to_imds_and_honours_the_override() -> None:
    assert detect_host({}).endpoint == "http://169.254.169.254/metadata/identity/oauth2/token"
    override = {"AZURE_POD_IDENTITY_AUTHORITY_HOST": "https://127.0.0.1:8443/"}
    assert detect_host(override).endpoint == "https://127.0.0.1:8443/metadata/identity/oauth2/token"
    assert detect_host({}, arc_agent_installed=True).endpoint.startswith("http://localhost:40342")


# -- request shapes -------------------------------------------------------------------------

HOSTS: dict[Source, HostEnvironment] = {
    "vm": HostEnvironment("vm", "https://imds/token"),
    "app_service": HostEnvironment("app_service", "https://as/token", "as-secret"),
    "machine_learning": HostEnvironment("machine_learning", "https://ml/token", "ml-secret"),
    "service_fabric": HostEnvironment("service_fabric", "https://sf/token", "sf-secret", "A" * 40),
    "azure_arc": HostEnvironment("azure_arc", "http://localhost:40342/token"),
}


def _request(source: Source, selector: IdentitySelector, **options: Any) -> HttpRequest:
    return token_request(HOSTS[source], selector, "https://r", correlation_id="c", **options)


@pytest.mark.parametrize(
    ("source", "version", "secret_header"),
    [
        ("vm", "2018-02-01", None),
        ("app_service", "2019-08-01", "X-IDENTITY-HEADER"),
        ("machine_learning", "2017-09-01", "secret"),
        ("service_fabric", "2019-07-01-preview", "Secret"),
        ("azure_arc", "2020-06-01", None),
    ],
)
def test_each_backend_sends_its_api_version_and_secret(
    source: Source, version: str, secret_header: str | None
) -> None:
    request = _request(source, IdentitySelector("system_assigned"))
    assert request.method == "GET"
    assert request.query[:2] == (("api-version", version), ("resource", "https://r"))
    if secret_header:
        assert request.header(secret_header) == HOSTS[source].secret
    if source in ("vm", "azure_arc", "app_service"):
        assert request.header("Metadata") == "true"
    assert "secret" not in repr(request)


@pytest.mark.parametrize(
    ("source", "kind", "parameter"),
    [
        ("vm", "resource_id", "msi_res_id"),
        ("app_service", "resource_id", "mi_res_id"),
        ("app_service", "object_id", "object_id"),
        ("machine_learning", "client_id", "clientid"),
        ("azure_arc", "resource_id", "msi_res_id"),
        ("vm", "client_id", "client_id"),
    ],
)
def test_user_assigned_parameter_names(source: Source, kind: str, parameter: str) -> None:
    request = _request(source, IdentitySelector(kind, "the-id"))  # type: ignore[arg-type]
    assert request.query[2] == (parameter, "the-id")


def test_service_fabric_sends_no_selector_but_the_token_to_replace() -> None:
    request = _request(
        "service_fabric",
        IdentitySelector("client_id", "ignored"),
        token_sha256_to_refresh="abc",
        client_capabilities=("CP1", "CP2"),
    )
    assert dict(request.query) == {
        "api-version": "2019-07-01-preview",
        "resource": "https://r",
        "token_sha256_to_refresh": "abc",
        "xms_cc": "CP1,CP2",
    }


# -- answer shapes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "body", "expires_in"),
    [
        ("vm", {"expires_in": "3599", "expires_on": "1"}, 3599),
        ("app_service", {"expires_on": str(int(NOW) + 600)}, 600),
        ("service_fabric", {"expires_on": int(NOW) + 700}, 700),
        ("machine_learning", {"expires_on": "01/15/2027 09:00:00 AM +00:00"}, 3600),
        ("azure_arc", {"expires_in": 42}, 42),
    ],
)
def test_lifetimes_as_each_backend_writes_them(
    source: Source, body: dict[str, Any], expires_in: int | None
) -> None:
    answer = json_response({"access_token": "t", "token_type": "Bearer", **body})
    token = read_token(source, answer, NOW)
    assert token.expires_in == expires_in  # NOW is 2027-01-15T08:00:00Z


@pytest.mark.parametrize(
    ("source", "status", "body", "error"),
    [
        ("vm", 400, {"error": "invalid_resource", "error_description": "AADSTS500011"},
         "invalid_resource"),
        ("app_service", 400, {"statusCode": 400, "message": "bad"}, "invalid_scope"),
        ("service_fabric", 401, {"error": {"code": "SecretHeaderNotFound"}},
         "unauthorized_client"),
        ("service_fabric", 404, {"error": {"code": "ManagedIdentityNotFound"}},
         "invalid_client"),
        ("machine_learning", 500, {"unexpected": True}, "invalid_response"),
    ],
)  # fmt: skip
def test_error_answers_in_oauth_shape(
    source: Source, status: int, body: dict[str, Any], error: str
) -> None:
    from entraclient.errors import FlowError

    with pytest.raises(FlowError) as raised:
        read_token(source, json_response(body, status), NOW)
    assert raised.value.result()["error"] == error


# -- Arc key files --------------------------------------------------------------------------


def test_arc_key_file_is_read_from_the_agent_directory(tmp_path: Any) -> None:
    (tmp_path / "abc.key").write_text("the-key\n")
    files = ArcKeyFiles(tmp_path)
    assert files.read("Basic realm=/somewhere/else/abc.key") == "the-key"
    assert files.read(r"Basic realm=C:\\ProgramData\\Tokens\\abc.key") == "the-key"


def test_arc_refuses_a_link_out_of_the_directory(tmp_path: Any) -> None:
    agent, outside = tmp_path / "agent", tmp_path / "outside.key"
    agent.mkdir()
    outside.write_text("not for you")
    (agent / "evil.key").symlink_to(outside)
    with pytest.raises(ManagedIdentityError, match="outside the agent's directory"):
        ArcKeyFiles(agent).read("Basic realm=/x/evil.key")


def test_arc_refuses_large_files_directories_and_bad_challenges(tmp_path: Any) -> None:
    (tmp_path / "big.key").write_bytes(b"k" * 4097)
    (tmp_path / "dir.key").mkdir()
    files = ArcKeyFiles(tmp_path)
    with pytest.raises(ManagedIdentityError, match="larger than 4096"):
        files.read("Basic realm=/x/big.key")
    with pytest.raises(ManagedIdentityError, match="not a regular file"):
        files.read("Basic realm=/x/dir.key")
    with pytest.raises(ManagedIdentityError, match="cannot be read"):
        files.read("Basic realm=/x/missing.key")
    for challenge in (None, "Bearer realm=x", "Basic realm=", "Basic realm=/x/.."):
        with pytest.raises(ManagedIdentityError):
            files.read(challenge)


def test_arc_on_an_unknown_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    from entraclient.managed_identity import ArcPlatformNotSupportedError

    monkeypatch.setattr("sys.platform", "plan9")
    with pytest.raises(ArcPlatformNotSupportedError):
        ArcKeyFiles().read("Basic realm=/x/a.key")


# -- the flow's cache rules -----------------------------------------------------------------


def _context(clock: FakeClock, cache: TokenCache) -> IdentityContext:
    return IdentityContext(IdentitySelector("system_assigned"), cache, clock, ArcKeyFiles())


def _ask(context: IdentityContext) -> tuple[dict[str, Any], list[HttpRequest]]:
    request = ManagedIdentityRequest("https://r", HOSTS["vm"], "corr")
    answers = iter([json_response({"access_token": f"t{n}", "expires_in": 7200}) for n in range(5)])
    return drive(acquire_managed_identity_token(context, request), lambda _: next(answers))


def test_refresh_on_is_honoured_and_a_failed_refresh_keeps_the_old_token() -> None:
    clock, cache = FakeClock(NOW), TokenCache()
    first, sent = _ask(_context(clock, cache))
    assert first["refresh_on"] == int(NOW) + 3600 and len(sent) == 1

    clock.advance(3000)  # not yet due
    hit, sent = _ask(_context(clock, cache))
    assert hit["token_source"] == "cache" and sent == []

    clock.advance(700)  # past refresh_on: refreshed
    refreshed, sent = _ask(_context(clock, cache))
    assert refreshed["token_source"] == "identity_provider" and len(sent) == 1

    clock.advance(3700)  # past refresh_on again, and the host fails: the old token serves
    request = ManagedIdentityRequest("https://r", HOSTS["vm"], "corr")
    kept, _ = drive(
        acquire_managed_identity_token(_context(clock, cache), request),
        lambda _: HttpResponse.build(503, "down"),
    )
    assert kept["access_token"] == refreshed["access_token"]
    assert kept["token_source"] == "cache"


def test_a_token_within_five_minutes_of_expiry_is_not_used() -> None:
    clock, cache = FakeClock(NOW), TokenCache()
    _ask(_context(clock, cache))
    clock.advance(7200 - 299)
    again, sent = _ask(_context(clock, cache))
    assert again["token_source"] == "identity_provider" and len(sent) == 1


def _ask_once(body: dict[str, Any]) -> dict[str, Any]:
    context = _context(FakeClock(NOW), TokenCache())
    request = ManagedIdentityRequest("https://r", HOSTS["vm"], "corr")
    result, _ = drive(
        acquire_managed_identity_token(context, request), lambda _: json_response(body)
    )
    return result


def test_the_hosts_refresh_in_wins_and_short_tokens_get_none() -> None:
    told = _ask_once({"access_token": "t", "expires_in": 86400, "refresh_in": 100})
    assert told["refresh_in"] == 100 and told["refresh_on"] == int(NOW) + 100
    short = _ask_once({"access_token": "t", "expires_in": 3600})
    assert "refresh_in" not in short and "refresh_on" not in short
    assert short["expires_in"] == 3600 and short["token_source"] == "identity_provider"
