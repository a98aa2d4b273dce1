"""``make demo``: what a daemon does, against the emulator shipped with entraclient.

It starts the emulator on loopback, then, as a daemon in production would:

1. acquires an app token with a client secret (client credentials), through the real
   authority URL ``https://login.microsoftonline.com/contoso.onmicrosoft.com``, which the
   emulator's routing transport serves locally, TLS verified against the emulator's CA;
2. verifies the token's signature with the emulator's published keys and explains its claims;
3. asks again and gets the cached token, without a request;
4. shows the error a wrong secret gets (the ``AADSTS`` code says what is wrong).

Everything goes to the emulator: its transport refuses any other host, so no Microsoft
server is contacted; the demo lists every request the emulator received to show it.
Run it with ``python -m entraclient.demo``.
"""

from __future__ import annotations

import sys
from typing import Any

import jwt

from entraclient import ConfidentialClientApplication
from entraclient.cli.decode_command import explain
from entraclient.cli.jwt_parts import JwtParts
from entraclient.emulator import Emulator


def _verified_claims(emu: Emulator, token: str, audience: str) -> dict[str, Any]:
    key = jwt.PyJWKSet.from_dict(emu.jwks())[jwt.get_unverified_header(token)["kid"]]
    claims: dict[str, Any] = jwt.decode(token, key=key, algorithms=["RS256"], audience=audience)
    return claims


def _step(title: str, *lines: str) -> None:
    print(f"\n== {title}")
    for line in lines:
        print(line)


def main() -> int:
    """Run the demo; return the process exit code."""
    with Emulator() as emu:
        sample = emu.sample
        _step(
            "The setup",
            f"emulator: {emu.base_url} on loopback, TLS from its own CA ({emu.ca_path})",
            f"app (client id): {sample.app.client_id}, authenticating with a client secret",
            f"authority: {sample.authority}  (the production URL, served by the emulator)",
            f"scope: {sample.scope}  (an app token for the API {sample.api.app_id_uri})",
        )
        app = ConfidentialClientApplication(
            sample.app.client_id,
            client_credential=sample.app.secret,
            authority=sample.authority,
            http_client=emu.http_client(),
        )
        first = app.acquire_token_for_client([sample.scope])
        if "access_token" not in first:
            _step("Unexpected error", str(first.get("error_description")))
            return 1
        token = first["access_token"]
        claims = _verified_claims(emu, token, sample.api.app_id_uri)
        header = jwt.get_unverified_header(token)
        _step(
            f"1. First call: token_source={first['token_source']}, "
            f"expires_in={first['expires_in']} s; signature verified with the emulator's JWKS",
            explain(JwtParts(header, claims)),
        )
        second = app.acquire_token_for_client([sample.scope])
        _step(
            "2. Second call: answered from the token cache, no request sent",
            f"token_source={second['token_source']}, same token: {second['access_token'] == token}",
        )
        wrong = ConfidentialClientApplication(
            sample.app.client_id,
            client_credential="not-the-secret",
            authority=sample.authority,
            http_client=emu.http_client(),
        )
        failure = wrong.acquire_token_for_client([sample.scope])
        _step(
            "3. A wrong secret: the result dict carries the error, as MSAL's does",
            f"error={failure.get('error')}, error_codes={failure.get('error_codes')}",
            str(failure.get("error_description", "")).splitlines()[0],
        )
        received = [f"  {r.method} https://{r.host}{r.path} -> {r.status}" for r in emu.requests]
        _step(
            "What left this process: only these requests, all answered by the emulator",
            *received,
            "No Microsoft server was contacted: the emulator's transport refuses every host it",
            "does not serve, before any DNS look-up.",
        )
        ok = second["token_source"] == "cache" and failure.get("error") == "invalid_client"
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
