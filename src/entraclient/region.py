"""Regional token endpoints (ESTS-R, PROTOCOL.md §3): which region, and which host serves it.

Rules, as the tables below and the functions after them state them:

* ``azure_region`` chooses: ``None`` — the ``MSAL_FORCE_REGION`` environment variable if it
  is set, else no region; ``False`` — never a region; ``"westus2"`` — that region;
  ``True`` — detect it (``REGION_NAME``, then the instance metadata service).
* A configured region name must look like one (``ValueError`` otherwise); a *detected* name
  that does not is discarded with a logged warning and the central host is used.
* Only ``acquire_token_for_client`` with a client credential on an Entra authority uses a
  region; every other flow, and B2C, CIAM, ADFS and OIDC authorities, stay central.
* The regional host of the public cloud's hosts is ``{region}.login.microsoft.com``; of any
  other host ``{region}.{host}``. Tokens are still cached under the central host.

Nothing here does I/O: the façade reads the environment and hands it in; detection is the
flow in :mod:`entraclient.flows.regions`.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from entraclient.authority import Authority, AuthorityKind

__all__ = [
    "ATTEMPT_REGION_DISCOVERY",
    "DISABLE_MSAL_FORCE_REGION",
    "FORCE_REGION_VARIABLE",
    "IMDS_DEFAULT_ENDPOINT",
    "IMDS_ENDPOINT_VARIABLE",
    "PUBLIC_CLOUD_HOSTS",
    "REGION_NAME_VARIABLE",
    "REGION_PATTERN",
    "RegionChoice",
    "choose_region",
    "normalize_detected_region",
    "regional_host",
]

logger = logging.getLogger("entraclient.region")

REGION_PATTERN = re.compile(r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?")
"""A region name (``westus2``); use ``fullmatch``."""

ATTEMPT_REGION_DISCOVERY = True
DISABLE_MSAL_FORCE_REGION = False

FORCE_REGION_VARIABLE = "MSAL_FORCE_REGION"
REGION_NAME_VARIABLE = "REGION_NAME"
IMDS_ENDPOINT_VARIABLE = "ENTRACLIENT_IMDS_ENDPOINT"
IMDS_DEFAULT_ENDPOINT = "http://169.254.169.254"

PUBLIC_CLOUD_HOSTS = frozenset(
    {"login.microsoftonline.com", "login.microsoft.com", "login.windows.net", "sts.windows.net"}
)
PUBLIC_REGIONAL_SUFFIX = "login.microsoft.com"


@dataclass(frozen=True, slots=True)
class RegionChoice:
    """What an application decided about regions at construction (environment already read).

    ``region`` is a fixed region; ``detect`` asks for detection, using ``region_name`` (the
    ``REGION_NAME`` variable, if set) before the metadata service at ``imds_endpoint``.
    Neither set: no region.
    """

    region: str | None = None
    detect: bool = False
    region_name: str | None = None
    imds_endpoint: str = IMDS_DEFAULT_ENDPOINT

    @property
    def is_regional(self) -> bool:
        """Whether token requests of the client credentials flow may go to a regional host."""
        return self.region is not None or self.detect


NO_REGION = RegionChoice()


def choose_region(
    azure_region: str | bool | None,
    environment: Mapping[str, str],
    authority: Authority,
    *,
    has_credential: bool,
) -> RegionChoice:
    """Turn the validated ``azure_region`` argument and the environment into a choice.

    Raises ``ValueError`` when ``MSAL_FORCE_REGION`` is set but is not a region name.
    """
    forced = azure_region is None and has_credential
    if forced:
        azure_region = _forced_region(environment)
    if azure_region is None or azure_region is False or not has_credential:
        return NO_REGION
    if authority.kind is not AuthorityKind.ENTRA:
        if not forced:
            warnings.warn(
                f"azure_region is ignored: regional endpoints serve Entra authorities, not "
                f"{authority.kind.value} ones",
                UserWarning,
                stacklevel=4,  # the application constructor's caller
            )
        return NO_REGION
    if azure_region is True:
        return RegionChoice(
            detect=True,
            region_name=environment.get(REGION_NAME_VARIABLE) or None,
            imds_endpoint=_imds_endpoint(environment),
        )
    return RegionChoice(region=azure_region)


def _forced_region(environment: Mapping[str, str]) -> str | None:
    forced = environment.get(FORCE_REGION_VARIABLE)
    if forced is not None and not REGION_PATTERN.fullmatch(forced):
        raise ValueError(
            f"the {FORCE_REGION_VARIABLE} environment variable is {forced!r}, not a region "
            "name such as 'westus2': fix or unset it"
        )
    return forced


def _imds_endpoint(environment: Mapping[str, str]) -> str:
    value = environment.get(IMDS_ENDPOINT_VARIABLE)
    if not value:
        return IMDS_DEFAULT_ENDPOINT
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ValueError(
            f"the {IMDS_ENDPOINT_VARIABLE} environment variable must be the base URL of the "
            f"instance metadata service, such as {IMDS_DEFAULT_ENDPOINT}; got {value!r}"
        )
    return value.rstrip("/")


def normalize_detected_region(value: str, source: str) -> str | None:
    """A detected region as a name (``"West US 2"`` → ``"westus2"``), or ``None`` with a warning.

    Spaces are removed and letters lower-cased first, since hosting platforms report display
    names; what still does not look like a region name is discarded.
    """
    candidate = "".join(value.split()).lower()
    if REGION_PATTERN.fullmatch(candidate):
        return candidate
    logger.warning(
        "the region from %s is not a region name and was discarded: %r", source, value[:80]
    )
    return None


def regional_host(central: Authority, region: str) -> str:
    """The host (with the central port, if any) serving ``region`` for ``central``'s cloud."""
    host = central.host
    if central.environment in PUBLIC_CLOUD_HOSTS:
        host = PUBLIC_REGIONAL_SUFFIX + host[len(central.environment) :]
    return f"{region}.{host}"
