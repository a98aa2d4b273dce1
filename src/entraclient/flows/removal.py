"""``remove_tokens_for_client``: drop this client's app tokens in its environment and aliases.

The configured environment is always cleared. Its aliases come from instance discovery
(memoised, usually from the HTTP cache); if that look-up fails, the removal still covers the
configured environment and the failure is logged, since a sign-out-like operation should not
fail half-way because a metadata endpoint is down.
"""

from __future__ import annotations

import logging

from entraclient.errors import FlowError, TransportError
from entraclient.flows.aliases import AliasResolver
from entraclient.flows.context import AppContext
from entraclient.http.driver import Flow

__all__ = ["remove_app_tokens"]

logger = logging.getLogger("entraclient.flows.removal")


def remove_app_tokens(app: AppContext, aliases: AliasResolver) -> Flow[int]:
    """Remove the app tokens of ``app``'s client; return how many went."""
    environments = [app.authority.environment]
    try:
        environments.extend((yield from aliases.aliases(app.authority.environment)))
    except (FlowError, TransportError) as failure:
        logger.warning("alias look-up failed (%s); removing under the configured host only",
                       type(failure).__name__)  # fmt: skip
    return app.cache.remove_access_tokens(client_id=app.client_id, environments=environments)
