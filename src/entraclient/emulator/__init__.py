"""A local, HTTPS, Entra-compatible token service for tests and offline development.

``with Emulator() as emu:`` serves OpenID and instance discovery, the JWKS and the token
endpoint on a loopback port; ``emu.http_client()`` is a ``requests.Session`` that reaches it
under the real Entra host names (``login.microsoftonline.com``, ...) with TLS verified
against the emulator's own CA. Importing this package needs only the core dependencies;
starting an emulator needs the ``emulator`` extra (starlette, uvicorn).
"""

from entraclient.emulator.certificates import RegisteredCertificate
from entraclient.emulator.directory import Api, App, ClientSecret, Tenant
from entraclient.emulator.emulator import Emulator, SampleSetup
from entraclient.emulator.request_log import LoggedRequest
from entraclient.emulator.routing import HostRouter, RoutingAdapter
from entraclient.emulator.users import User

__all__ = [
    "Api",
    "App",
    "ClientSecret",
    "Emulator",
    "HostRouter",
    "LoggedRequest",
    "RegisteredCertificate",
    "RoutingAdapter",
    "SampleSetup",
    "Tenant",
    "User",
]
