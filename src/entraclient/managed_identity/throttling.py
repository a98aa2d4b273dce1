"""Throttling of managed identity requests: the shared :class:`Throttling` policy, limited to
its retry rule (429 and 5xx answers hold the same request for their ``Retry-After``).

Its other rule (a 400 refusing a grant holds the request) is about OAuth grants, which these
endpoints do not take; and Service Fabric's error bodies carry ``error`` as an object, which
that rule does not expect. So only 429 and 5xx answers reach the policy.
"""

from __future__ import annotations

from entraclient.http.messages import HttpRequest, HttpResponse
from entraclient.http.throttling import ThrottleState, Throttling

__all__ = ["IdentityHostThrottling"]


class IdentityHostThrottling:
    """Holds a request the host answered with 429 or 5xx; answers held requests locally."""

    def __init__(self, state: ThrottleState) -> None:
        self._policy = Throttling(state)

    def before(self, request: HttpRequest) -> HttpResponse | None:
        """The held answer if ``request`` is held, else ``None``."""
        return self._policy.before(request)

    def after(self, request: HttpRequest, response: HttpResponse) -> None:
        """Hold ``request`` after a 429 or 5xx answer."""
        if response.status_code == 429 or response.status_code >= 500:
            self._policy.after(request, response)
