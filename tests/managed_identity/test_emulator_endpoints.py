"""The emulator's managed identity endpoints, spoken to directly: each backend's checks and
error shapes, the Arc challenge, and the tokens' claims."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
import requests

from entraclient.emulator import Emulator

from .conftest import RESOURCE, UseHost
from .test_client import PATHS


@pytest.fixture
def http(emu: Emulator) -> requests.Session:
    return emu.http_client()


def _get(http: requests.Session, emu: Emulator, kind: str, headers: dict[str, str],
         **query: str) -> requests.Response:  # fmt: skip
    params = {"api-version": "x", "resource": RESOURCE, **query}
    return http.get(emu.base_url + PATHS[kind], params=params, headers=headers)


def test_imds_needs_the_metadata_header(emu: Emulator, http: requests.Session) -> None:
    answer = _get(http, emu, "vm", {})
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("kind", "header"),
    [("app_service", "X-IDENTITY-HEADER"), ("machine_learning", "secret"),
     ("service_fabric", "Secret")],
)  # fmt: skip
def test_a_wrong_secret_is_refused_in_the_hosts_shape(
    kind: str, header: str, emu: Emulator, http: requests.Session, use_host: UseHost
) -> None:
    use_host(kind)
    answer = _get(http, emu, kind, {header: "wrong"})
    assert answer.status_code == 401
    body = answer.json()
    if kind == "service_fabric":
        assert body["error"]["code"] == "SecretHeaderNotFound"
    else:
        assert body["statusCode"] == 401
    assert "wrong" not in answer.text


def test_several_selectors_are_refused(emu: Emulator, http: requests.Session) -> None:
    answer = _get(http, emu, "vm", {"Metadata": "true"}, client_id="a", object_id="b")
    assert answer.status_code == 400


def test_missing_resource_and_api_version(emu: Emulator, http: requests.Session) -> None:
    url = emu.base_url + PATHS["vm"]
    assert (
        http.get(url, params={"api-version": "x"}, headers={"Metadata": "true"}).status_code == 400
    )
    assert (
        http.get(url, params={"resource": RESOURCE}, headers={"Metadata": "true"}).status_code
        == 400
    )


def test_arc_challenge_and_key(
    emu: Emulator, http: requests.Session, use_host: UseHost, arc_dir: Path
) -> None:
    environment = use_host("azure_arc")
    challenge = _get(http, emu, "azure_arc", {"Metadata": "true"})
    assert challenge.status_code == 401
    realm = challenge.headers["www-authenticate"].split("=", 1)[1]
    assert Path(realm) == environment.challenge_file
    assert environment.challenge_file is not None
    assert environment.challenge_file.parent == arc_dir
    key = environment.challenge_file.read_text()

    refused = _get(http, emu, "azure_arc", {"Metadata": "true", "Authorization": "Basic nope"})
    granted = _get(http, emu, "azure_arc", {"Metadata": "true", "Authorization": f"Basic {key}"})

    assert refused.status_code == 401
    assert granted.status_code == 200
    assert granted.json()["client_id"] == emu.system_assigned_identity.client_id


def test_tokens_are_signed_like_the_emulators_others(emu: Emulator, http: requests.Session) -> None:
    identity = emu.add_managed_identity()
    answer = _get(http, emu, "vm", {"Metadata": "true"}, msi_res_id=identity.resource_id)
    body = answer.json()
    key = jwt.PyJWKSet.from_dict(emu.jwks()).keys[0].key
    claims = jwt.decode(body["access_token"], key, algorithms=["RS256"], audience=RESOURCE)
    assert claims["oid"] == claims["sub"] == identity.object_id
    assert claims["xms_mirid"] == identity.resource_id
    assert claims["tid"] == identity.tenant_id
    assert set(body) >= {"access_token", "expires_in", "expires_on", "resource", "token_type"}


def test_environment_of_each_kind(emu: Emulator) -> None:
    assert emu.managed_identity("vm").env == {"AZURE_POD_IDENTITY_AUTHORITY_HOST": emu.base_url}
    assert set(emu.managed_identity("app_service").env) == {"IDENTITY_ENDPOINT", "IDENTITY_HEADER"}
    assert set(emu.managed_identity("machine_learning").env) == {"MSI_ENDPOINT", "MSI_SECRET"}
    fabric = emu.managed_identity("service_fabric").env
    assert len(fabric["IDENTITY_SERVER_THUMBPRINT"]) == 40
    arc = emu.managed_identity("azure_arc")
    assert set(arc.env) == {"IDENTITY_ENDPOINT", "IMDS_ENDPOINT"}
    assert arc.challenge_file is not None and arc.challenge_file.stat().st_size <= 4096
    assert "IDENTITY_HEADER" not in repr(emu.managed_identity("app_service"))
    with pytest.raises(ValueError, match="kind must be one of"):
        emu.managed_identity("cloud_shell")


def test_duplicate_identity_ids_are_refused(emu: Emulator) -> None:
    identity = emu.add_managed_identity()
    with pytest.raises(ValueError, match="client_id"):
        emu.add_managed_identity(client_id=identity.client_id)
