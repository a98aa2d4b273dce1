"""``make demo``: the main job of a daemon, against the embedded emulator.

Starts the emulator on loopback, acquires an app token with a client secret through the real
authority URL (routed to the emulator, TLS verified against its CA), verifies and prints the
token's claims, shows the second call answered from the cache, and shows the error dict a
wrong secret gets. Run it with ``python -m entraclient.demo``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import jwt

from entraclient import ConfidentialClientApplication
from entraclient.emulator import Emulator


def _verified_claims(emu: Emulator, token: str, audience: str) -> dict[str, Any]:
    key = jwt.PyJWKSet.from_dict(emu.jwks())[jwt.get_unverified_header(token)["kid"]]
    claims: dict[str, Any] = jwt.decode(token, key=key, algorithms=["RS256"], audience=audience)
    return claims


def _show(title: str, value: object) -> None:
    print(f"\n== {title}")
    print(json.dumps(value, indent=2, sort_keys=True) if not isinstance(value, str) else value)


def main() -> int:
    """Run the demo; return the process exit code."""
    with Emulator() as emu:
        sample = emu.sample
        print(f"emulator listening on {emu.base_url} (CA: {emu.ca_path})")
        app = ConfidentialClientApplication(
            sample.app.client_id,
            client_credential=sample.app.secret,
            authority=sample.authority,
            http_client=emu.http_client(),
        )
        first = app.acquire_token_for_client([sample.scope])
        if "access_token" not in first:
            _show("unexpected error", first)
            return 1
        claims = _verified_claims(emu, first["access_token"], sample.api.app_id_uri)
        _show(f"1st call: token_source={first['token_source']}; verified claims", claims)
        second = app.acquire_token_for_client([sample.scope])
        _show(
            "2nd call",
            f"token_source={second['token_source']}, expires_in={second['expires_in']} s, "
            f"same token: {second['access_token'] == first['access_token']}",
        )
        wrong = ConfidentialClientApplication(
            sample.app.client_id,
            client_credential="not-the-secret",
            authority=sample.authority,
            http_client=emu.http_client(),
        )
        failure = wrong.acquire_token_for_client([sample.scope])
        _show("with a wrong secret", {k: failure.get(k) for k in ("error", "error_codes")})
        print(failure.get("error_description", "").splitlines()[0])
        ok = second["token_source"] == "cache" and failure.get("error") == "invalid_client"
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
