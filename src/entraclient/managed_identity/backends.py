"""Each managed identity backend's wire, as data: what to send and how to read the answer.

Sources (recorded with the shapes in ``docs/managed-identity.md``): the Azure VM instance
metadata service ("How to use managed identities on a VM to acquire an access token"), App
Service ("Managed identities for App Service and Azure Functions", REST endpoint reference),
Service Fabric ("How to use managed identity in Service Fabric application code"), Azure Arc
("Authenticate against Azure resources with Azure Arc-enabled servers"), and for Azure Machine
Learning the behaviour of MSAL Python 1.39 and azure-identity.

Invariants:

* Everything here is sans-I/O: :func:`token_request` builds an :class:`HttpRequest`,
  :func:`read_token` judges an :class:`HttpResponse` at a given time.
* An answer is a token only if it has a non-empty ``access_token`` and a lifetime in the
  future; anything else raises :class:`ServiceError` (the host's error, in OAuth's shape) or
  :class:`ProtocolError` (not JSON, no lifetime), so nothing malformed reaches the cache.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from entraclient.errors import ProtocolError, ServiceError
from entraclient.http.messages import HttpRequest, HttpResponse, pairs
from entraclient.managed_identity.identities import IdentitySelector
from entraclient.managed_identity.sources import HostEnvironment, Source

__all__ = ["BACKENDS", "BackendSpec", "IssuedToken", "read_token", "token_request"]

Lifetime = Literal["expires_in", "expires_on"]
ErrorStyle = Literal["oauth", "status_message", "service_fabric"]


@dataclass(frozen=True, slots=True)
class BackendSpec:
    """One backend's request and answer shapes."""

    api_version: str
    secret_header: str | None
    metadata_header: bool
    id_parameters: Mapping[str, str]  # id kind -> query parameter
    lifetime: Lifetime
    error_style: ErrorStyle


_IMDS_IDS = {"client_id": "client_id", "object_id": "object_id", "resource_id": "msi_res_id"}

BACKENDS: dict[Source, BackendSpec] = {
    "vm": BackendSpec("2018-02-01", None, True, _IMDS_IDS, "expires_in", "oauth"),
    "app_service": BackendSpec(
        "2019-08-01",
        "X-IDENTITY-HEADER",
        True,  # App Service ignores it; Azure Automation needs it
        {"client_id": "client_id", "object_id": "object_id", "resource_id": "mi_res_id"},
        "expires_on",
        "status_message",
    ),
    "machine_learning": BackendSpec(
        "2017-09-01",
        "secret",
        False,
        {**_IMDS_IDS, "client_id": "clientid"},  # the 2017-09-01 API spells it so
        "expires_on",
        "status_message",
    ),
    "service_fabric": BackendSpec(
        "2019-07-01-preview", "Secret", False, {}, "expires_on", "service_fabric"
    ),
    "azure_arc": BackendSpec("2020-06-01", None, True, _IMDS_IDS, "expires_in", "oauth"),
}

# Service Fabric error codes -> OAuth errors (as MSAL Python maps them)
_FABRIC_ERRORS = {
    "SecretHeaderNotFound": "unauthorized_client",
    "ManagedIdentityNotFound": "invalid_client",
    "ArgumentNullOrEmpty": "invalid_scope",
}


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token a backend issued, normalised: lifetime in seconds from now."""

    access_token: str
    token_type: str
    expires_in: int
    resource: str | None
    refresh_in: int | None
    body: Mapping[str, Any]

    def __repr__(self) -> str:
        return f"IssuedToken(expires_in={self.expires_in}, ****)"


def token_request(
    host: HostEnvironment,
    selector: IdentitySelector,
    resource: str,
    *,
    correlation_id: str,
    token_sha256_to_refresh: str | None = None,
    client_capabilities: tuple[str, ...] = (),
    authorization: str | None = None,
) -> HttpRequest:
    """The GET that asks ``host`` for a token of ``selector`` for ``resource``."""
    spec = BACKENDS[host.source]
    query: list[tuple[str, str | None]] = [
        ("api-version", spec.api_version),
        ("resource", resource),
    ]
    if host.source == "service_fabric":  # its identity is configured in the cluster
        query += [
            ("token_sha256_to_refresh", token_sha256_to_refresh),
            ("xms_cc", ",".join(client_capabilities) or None),
        ]
    elif selector.user_assigned:
        query.append((spec.id_parameters[selector.kind], selector.value))
    headers: list[tuple[str, str | None]] = []
    if spec.secret_header is not None:
        headers.append((spec.secret_header, host.secret))
    if spec.metadata_header:
        headers.append(("Metadata", "true"))
    if authorization is not None:
        headers.append(("Authorization", authorization))
    if host.source == "vm":
        headers.append(("x-ms-client-request-id", correlation_id))
    return HttpRequest("GET", host.endpoint, headers=pairs(headers), query=pairs(query))


def read_token(source: Source, response: HttpResponse, now: float) -> IssuedToken:
    """The token in ``response``, or raise the error it carries."""
    body = _json_object(response)
    token = body.get("access_token")
    if not (200 <= response.status_code < 300) or not isinstance(token, str) or not token:
        raise _error(BACKENDS[source].error_style, body, response)
    expires_in = _lifetime(BACKENDS[source].lifetime, body, now)
    token_type = body.get("token_type") or "Bearer"
    if not isinstance(token_type, str):
        raise ProtocolError("the managed identity answer has a non-string token_type")
    resource = body.get("resource")
    return IssuedToken(
        access_token=token,
        token_type=token_type,
        expires_in=expires_in,
        resource=resource if isinstance(resource, str) else None,
        refresh_in=_optional_seconds(body.get("refresh_in")),
        body=body,
    )


def _json_object(response: HttpResponse) -> dict[str, Any]:
    if response.defect is not None:
        raise ProtocolError(
            f"unreadable answer: {response.defect}", status_code=response.status_code
        )
    try:
        body = json.loads(response.text)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        shown = response.header("content-type") or "no content type"
        raise ProtocolError(
            f"the managed identity endpoint answered HTTP {response.status_code} "
            f"with {shown}, not a JSON object",
            status_code=response.status_code,
        )
    return body


def _error(style: ErrorStyle, body: dict[str, Any], response: HttpResponse) -> Exception:
    status = response.status_code
    error = body.get("error")
    if isinstance(error, str) and error:  # OAuth's shape (VM, Arc, and throttled answers)
        return ServiceError(body, status_code=status)
    busy = status == 429 or status >= 500
    if busy and (isinstance(error, dict) or "statusCode" in body or "message" in body):
        # MSAL reports these as invalid_scope / invalid_request; they are the host's load.
        described = {"error": "temporarily_unavailable", "error_description": response.text[:2000]}
        return ServiceError(described, status_code=status)
    if style == "service_fabric" and isinstance(error, dict):
        code = _FABRIC_ERRORS.get(str(error.get("code")), "invalid_request")
        described = {"error": code, "error_description": response.text[:2000]}
        return ServiceError(described, status_code=status)
    if style == "status_message" and ("statusCode" in body or "message" in body):
        description = f"{body.get('statusCode')}, {body.get('message')}"
        return ServiceError({"error": "invalid_scope", "error_description": description},
                            status_code=status)  # fmt: skip
    if 200 <= status < 300:
        return ProtocolError("the managed identity answer has no access_token", status_code=status)
    return ProtocolError(f"HTTP {status} without an error in its body", status_code=status)


def _lifetime(kind: Lifetime, body: Mapping[str, Any], now: float) -> int:
    if kind == "expires_in" and body.get("expires_in") is not None:
        seconds = _optional_seconds(body.get("expires_in"))
    else:
        expires_on = _expires_on(body.get("expires_on"))
        seconds = None if expires_on is None else int(expires_on - now)
    if seconds is None:
        raise ProtocolError(f"the managed identity answer has no usable {kind}", status_code=200)
    if seconds <= 0:
        raise ProtocolError("the managed identity answer holds an expired token", status_code=200)
    return seconds


def _optional_seconds(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


# App Service's 2017-09-01 API wrote a date such as "09/14/2017 00:00:00 PM +00:00".
_DATE_FORMATS = ("%m/%d/%Y %I:%M:%S %p %z", "%m/%d/%Y %H:%M:%S %z")


def _expires_on(value: object) -> float | None:
    seconds = _optional_seconds(value)
    if seconds is not None:
        return float(seconds)
    if not isinstance(value, str):
        return None
    for form in _DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), form).timestamp()
        except ValueError:
            continue
    return None
