"""Cache contents for the benchmarks, in MSAL's format, identical for both libraries."""

from __future__ import annotations

import json
from typing import Any

from bench.doubles import CLIENT_ID, HOST, TENANT_ID


def scope(i: int) -> str:
    """The scope of the ``i``-th cached token (one resource each)."""
    return f"api://resource-{i}/.default"


def app_token_entry(i: int, now: int, *, tenant: str = TENANT_ID, token_scope: str | None = None,
                    ) -> tuple[str, dict[str, Any]]:  # fmt: skip
    target = token_scope or scope(i)
    key = f"-{HOST}-accesstoken-{CLIENT_ID}-{tenant}-{target}".lower()
    entry = {
        "credential_type": "AccessToken",
        "secret": f"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.{i:012d}" + "x" * 1240 + ".sig",
        "home_account_id": None,
        "environment": HOST,
        "client_id": CLIENT_ID,
        "target": target,
        "realm": tenant,
        "token_type": "Bearer",
        "cached_at": str(now),
        "expires_on": str(now + 86400),
        "extended_expires_on": str(now + 86400),
    }
    return key, entry


def one_partition(size: int, now: int) -> str:
    """``size`` app tokens of one client in one tenant (one partition), one resource each."""
    tokens = dict(app_token_entry(i, now) for i in range(size))
    metadata = {f"appmetadata-{HOST}-{CLIENT_ID}": {"client_id": CLIENT_ID, "environment": HOST}}
    return json.dumps({"AccessToken": tokens, "AppMetadata": metadata})


def tenant_name(t: int) -> str:
    return f"00000000-0000-0000-0000-{t:012d}"


def many_tenants(tenants: int, per_tenant: int, now: int) -> str:
    """``per_tenant`` app tokens in each of ``tenants`` tenants (MSAL's benchmark shape)."""
    tokens = dict(
        app_token_entry(t * per_tenant + i, now, tenant=tenant_name(t), token_scope=scope(i))
        for t in range(tenants)
        for i in range(per_tenant)
    )
    return json.dumps({"AccessToken": tokens})
