"""ManagedIdentityClient against the emulator's endpoint of each backend, over HTTPS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jwt
import pytest

from entraclient import (
    ManagedIdentityClient,
    ManagedIdentityError,
    SystemAssignedManagedIdentity,
    TokenCache,
    UserAssignedManagedIdentity,
)
from entraclient.emulator import Emulator
from entraclient.emulator.faults import Respond

from .conftest import ALL_KINDS, RESOURCE, SELECTING_KINDS, UseHost

PATHS = {
    "vm": "/metadata/identity/oauth2/token",
    "app_service": "/msi/token",
    "machine_learning": "/mlmsi/token",
    "service_fabric": "/sf/token",
    "azure_arc": "/arc/token",
}


def _client(emu: Emulator, identity: Any, arc_dir: Path, **options: Any) -> ManagedIdentityClient:
    return ManagedIdentityClient(
        identity, http_client=emu.http_client(), arc_key_directory=arc_dir, **options
    )


def _claims(emu: Emulator, token: str) -> dict[str, Any]:
    key = jwt.PyJWKSet.from_dict(emu.jwks()).keys[0].key
    claims: dict[str, Any] = jwt.decode(token, key, algorithms=["RS256"], audience=RESOURCE)
    return claims


def _token_requests(emu: Emulator, kind: str) -> list[Any]:
    return [r for r in emu.requests if r.path == PATHS[kind]]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_system_assigned_token_then_cache_hit(
    kind: str, emu: Emulator, use_host: UseHost, arc_dir: Path
) -> None:
    use_host(kind)
    client = _client(emu, SystemAssignedManagedIdentity(), arc_dir)
    emu.clear_log()

    first = client.acquire_token_for_client(resource=RESOURCE)
    second = client.acquire_token_for_client(resource=RESOURCE)

    assert first["token_source"] == "identity_provider", first
    assert first["token_type"] == "Bearer"
    assert 86000 < first["expires_in"] <= 86400
    assert first["refresh_in"] == first["expires_in"] // 2  # a long-lived token: half life
    assert second["token_source"] == "cache"
    assert second["access_token"] == first["access_token"]
    claims = _claims(emu, first["access_token"])
    assert claims["sub"] == emu.system_assigned_identity.object_id
    assert len(_token_requests(emu, kind)) == (2 if kind == "azure_arc" else 1)  # Arc: challenge


BY_ID = [(kind, id_kind) for kind in SELECTING_KINDS
         for id_kind in ("client_id", "object_id", "resource_id")
         if kind != "machine_learning" or id_kind == "client_id"]  # fmt: skip


def test_machine_learning_refuses_other_ids_than_client_id(
    emu: Emulator, use_host: UseHost, arc_dir: Path
) -> None:
    identity = emu.add_managed_identity()
    use_host("machine_learning")
    client = _client(emu, UserAssignedManagedIdentity(object_id=identity.object_id), arc_dir)

    result = client.acquire_token_for_client(resource=RESOURCE)

    assert "access_token" not in result
    assert "client id only" in result["error_description"]


@pytest.mark.parametrize(("kind", "id_kind"), BY_ID)
def test_user_assigned_identity_by_each_id(
    kind: str, id_kind: str, emu: Emulator, use_host: UseHost, arc_dir: Path
) -> None:
    identity = emu.add_managed_identity()
    use_host(kind)
    client = _client(
        emu, UserAssignedManagedIdentity(**{id_kind: identity.selector(id_kind)}), arc_dir
    )

    result = client.acquire_token_for_client(resource=RESOURCE)

    assert _claims(emu, result["access_token"])["oid"] == identity.object_id, result


def test_service_fabric_uses_the_identity_the_cluster_assigns(
    emu: Emulator, use_host: UseHost, arc_dir: Path
) -> None:
    identity = emu.add_managed_identity()
    use_host("service_fabric", identity=identity)
    client = _client(emu, SystemAssignedManagedIdentity(), arc_dir)

    result = client.acquire_token_for_client(resource=RESOURCE)

    assert _claims(emu, result["access_token"])["oid"] == identity.object_id


def test_json_configuration_form(emu: Emulator, use_host: UseHost, arc_dir: Path) -> None:
    identity = emu.add_managed_identity()
    use_host("app_service")
    config = {"ManagedIdentityIdType": "ClientId", "Id": identity.client_id}

    result = _client(emu, config, arc_dir).acquire_token_for_client(resource=RESOURCE)

    assert _claims(emu, result["access_token"])["appid"] == identity.client_id


@pytest.mark.parametrize("kind", SELECTING_KINDS)
def test_unknown_identity_is_an_error_dict(
    kind: str, emu: Emulator, use_host: UseHost, arc_dir: Path
) -> None:
    use_host(kind)
    client = _client(emu, UserAssignedManagedIdentity(client_id="no-such-identity"), arc_dir)

    result = client.acquire_token_for_client(resource=RESOURCE)

    assert "access_token" not in result
    assert result["error"] in {"invalid_request", "invalid_scope"}
    assert "found" in result["error_description"]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_unsupported_resource_is_an_error_dict_and_nothing_is_cached(
    kind: str, emu: Emulator, use_host: UseHost, arc_dir: Path
) -> None:
    use_host(kind)
    cache = TokenCache()
    client = _client(emu, SystemAssignedManagedIdentity(), arc_dir, token_cache=cache)

    result = client.acquire_token_for_client(resource="api://not-registered")

    assert result["error"] in {"invalid_resource", "invalid_scope", "invalid_request"}
    assert "AADSTS500011" in result["error_description"]
    assert len(cache) == 0


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_429_holds_the_request_for_its_retry_after(
    kind: str, emu: Emulator, use_host: UseHost, arc_dir: Path
) -> None:
    use_host(kind)
    client = _client(emu, UserAssignedManagedIdentity(client_id="throttled-" + kind), arc_dir)
    busy = Respond.json({"error": "too_many_requests"}, 429, (("retry-after", "60"),))
    emu.inject(busy, path=PATHS[kind], times=None)
    try:
        emu.clear_log()
        first = client.acquire_token_for_client(resource=RESOURCE)
        second = client.acquire_token_for_client(resource=RESOURCE)
    finally:
        emu.clear_faults()

    assert first["error"] == "too_many_requests"
    assert second["retry_after"] >= 59  # answered locally, not sent
    assert len(_token_requests(emu, kind)) == 1


@pytest.mark.parametrize("kind", ALL_KINDS)
@pytest.mark.parametrize(
    "answer",
    [
        Respond.html("<h1>Bad Gateway</h1>", 200),
        Respond.json({"token_type": "Bearer", "resource": RESOURCE}),
        Respond.json({"access_token": "x.y.z", "expires_in": "soon", "expires_on": "later"}),
        Respond.json({"access_token": "x.y.z", "expires_in": 0, "expires_on": 1}),
    ],
    ids=["html", "no-token", "no-lifetime", "expired"],
)
def test_malformed_answers_are_errors_and_never_cached(
    kind: str, answer: Respond, emu: Emulator, use_host: UseHost, arc_dir: Path
) -> None:
    use_host(kind)
    cache = TokenCache()
    client = _client(emu, SystemAssignedManagedIdentity(), arc_dir, token_cache=cache)
    if kind == "azure_arc":  # its first answer is the challenge: spoil the second
        challenge = Respond(401, b"", (("www-authenticate", "Basic realm=/x/y.key"),))
        emu.inject(challenge, path=PATHS[kind], times=1)
        (arc_dir / "y.key").write_text("key")
    emu.inject(answer, path=PATHS[kind], times=1)
    try:
        result = client.acquire_token_for_client(resource=RESOURCE)
    finally:
        emu.clear_faults()

    assert "access_token" not in result
    assert result["error"] == "invalid_response", result
    assert len(cache) == 0


def test_claims_challenge_skips_the_cache(emu: Emulator, use_host: UseHost, arc_dir: Path) -> None:
    use_host("service_fabric")
    client = _client(emu, SystemAssignedManagedIdentity(), arc_dir, client_capabilities=["CP1"])
    first = client.acquire_token_for_client(resource=RESOURCE)
    emu.clear_log()

    again = client.acquire_token_for_client(resource=RESOURCE, claims_challenge='{"x":1}')

    assert again["token_source"] == "identity_provider"
    assert again["access_token"] != first["access_token"]
    sent = _token_requests(emu, "service_fabric")[0]
    assert sent.query_value("xms_cc") == "CP1"
    assert sent.query_value("token_sha256_to_refresh")  # names the token to replace


def test_cache_entries_use_msal_keys(emu: Emulator, use_host: UseHost, arc_dir: Path) -> None:
    use_host("vm")
    cache = TokenCache()
    identity = emu.add_managed_identity()
    client = _client(emu, UserAssignedManagedIdentity(client_id=identity.client_id), arc_dir,
                     token_cache=cache)  # fmt: skip
    client.acquire_token_for_client(resource=RESOURCE)

    [entry] = cache.entries("AccessToken")
    assert entry["client_id"] == identity.client_id
    assert entry["environment"] == "localhost"
    assert entry["realm"] == "managed_identity"
    assert entry["target"] == RESOURCE


def test_arc_refuses_a_user_assigned_token_it_did_not_confirm(
    emu: Emulator, use_host: UseHost, arc_dir: Path
) -> None:
    use_host("azure_arc")
    client = _client(emu, UserAssignedManagedIdentity(client_id="someone-else"), arc_dir)
    legacy = Respond.json({"access_token": "a.b.c", "expires_in": "3600", "resource": RESOURCE})
    emu.inject(Respond(401, b"", (("www-authenticate", "Basic realm=/any/k.key"),)),
               path=PATHS["azure_arc"])  # fmt: skip
    emu.inject(legacy, path=PATHS["azure_arc"])
    (arc_dir / "k.key").write_text("secret")
    try:
        with pytest.raises(ManagedIdentityError, match="did not confirm"):
            client.acquire_token_for_client(resource=RESOURCE)
    finally:
        emu.clear_faults()


def test_bad_arguments_are_refused_at_once(emu: Emulator) -> None:
    with pytest.raises(ManagedIdentityError):
        ManagedIdentityClient({"ManagedIdentityIdType": "Nope"}, http_client=emu.http_client())
    client = ManagedIdentityClient(SystemAssignedManagedIdentity(), http_client=emu.http_client())
    with pytest.raises(ValueError, match="resource"):
        client.acquire_token_for_client(resource="")


@pytest.mark.parametrize("kind", ALL_KINDS)
@pytest.mark.parametrize("status", [429, 503])
def test_host_outages_in_each_hosts_shape_are_held(
    kind: str, status: int, emu: Emulator, use_host: UseHost, arc_dir: Path
) -> None:
    use_host(kind)
    client = _client(emu, SystemAssignedManagedIdentity(), arc_dir)
    emu.fail_next_managed_identity_requests(1, status=status, retry_after=20, kind=kind)
    emu.clear_log()
    first = client.acquire_token_for_client(resource="https://graph.microsoft.com")
    second = client.acquire_token_for_client(resource="https://graph.microsoft.com")

    assert first["error"] in {"too_many_requests", "temporarily_unavailable"}, first
    assert second["retry_after"] >= 19  # held by throttling: not sent again
    assert len(_token_requests(emu, kind)) == 1
