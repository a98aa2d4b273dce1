"""Region detection and the regional token endpoint, as flows (PROTOCOL.md §3).

Detection order: the ``REGION_NAME`` environment variable (read by the façade), then one GET
to the instance metadata service, ``{imds}/metadata/instance/compute/location?format=text``
with ``Metadata: true`` and a short timeout. The plain-text leaf is asked for instead of the
whole compute document, which names the VM, its subscription and its admin user: the answer
lands in the HTTP cache, and that must hold no personal data. No answer, an error status or a
name that is not a region name: no region, and the central host is used.

Once a region is known, the regional authority ``https://{regional host}/{realm}`` is
discovered (tenant discovery only: the central authority was already validated) and its
``token_endpoint`` is where client-credentials POSTs go. Both results are memoised per
application.
"""

from __future__ import annotations

import logging

from entraclient.authority import parse_authority
from entraclient.errors import TransportError
from entraclient.flows.discovery import AuthorityEndpoints, InstanceDiscovery, discover_endpoints
from entraclient.http.driver import Flow
from entraclient.http.messages import HttpRequest
from entraclient.region import (
    REGION_NAME_VARIABLE,
    RegionChoice,
    normalize_detected_region,
    regional_host,
)

__all__ = ["IMDS_API_VERSION", "IMDS_TIMEOUT", "RegionalEndpoints", "detect_region"]

logger = logging.getLogger("entraclient.flows.regions")

IMDS_API_VERSION = "2021-02-01"
IMDS_TIMEOUT = 2.0
IMDS_LOCATION_PATH = "/metadata/instance/compute/location"


def imds_location_request(imds_endpoint: str) -> HttpRequest:
    """The metadata-service GET that answers with the VM's region as plain text."""
    return HttpRequest(
        "GET",
        imds_endpoint.rstrip("/") + IMDS_LOCATION_PATH,
        headers=(("Metadata", "true"),),
        query=(("format", "text"), ("api-version", IMDS_API_VERSION)),
        timeout=IMDS_TIMEOUT,
    )


def detect_region(choice: RegionChoice) -> Flow[str | None]:
    """The region this process runs in, or ``None`` when it cannot be told."""
    if choice.region_name is not None:
        return normalize_detected_region(choice.region_name, REGION_NAME_VARIABLE)
    try:
        response = yield imds_location_request(choice.imds_endpoint)
    except TransportError:
        logger.info("the instance metadata service did not answer: no region")
        return None
    if not 200 <= response.status_code < 300:
        logger.info(
            "the instance metadata service answered HTTP %s: no region", response.status_code
        )
        return None
    return normalize_detected_region(response.text.strip(), "the instance metadata service")


class RegionalEndpoints:
    """The regional token endpoint of one application, found once and remembered."""

    def __init__(self, choice: RegionChoice) -> None:
        self.choice = choice
        self._region: str | None = None
        self._region_known = not choice.detect
        self._found: AuthorityEndpoints | None = None

    def region(self) -> Flow[str | None]:
        """The region to use: the configured one, or the detected one (detected once)."""
        if not self._region_known:
            self._region = yield from detect_region(self.choice)
            self._region_known = True
            logger.info("region detected: %s", self._region)
        return self._region if self.choice.detect else self.choice.region

    def token_endpoint(self, central: AuthorityEndpoints) -> Flow[str | None]:
        """Where client-credentials POSTs go: the regional token endpoint, or ``None``."""
        if not self.choice.is_regional:
            return None
        region = yield from self.region()
        if region is None:
            return None
        if self._found is None:
            host = regional_host(central.authority, region)
            authority = parse_authority(f"https://{host}/{central.realm}")
            self._found = yield from discover_endpoints(authority, InstanceDiscovery(False))
        return self._found.token_endpoint
