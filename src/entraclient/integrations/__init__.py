"""Where tokens are used: Azure SDK credentials and httpx/requests auth.

Each submodule imports its consumer library (azure-core, httpx, requests) itself, so importing
this package costs nothing:

* :mod:`.azure` — ``TokenCredential``/``SupportsTokenInfo`` and their async twins;
* :mod:`.httpx_auth` — an ``httpx.Auth`` with separate sync and async flows;
* :mod:`.requests_auth` — a ``requests.auth.AuthBase``;
* :mod:`.challenges` — the sans-I/O parser of ``WWW-Authenticate`` claims challenges they share;
* :mod:`.tokens` — the token sources (app tokens, on-behalf-of) the auth classes draw from.
"""
