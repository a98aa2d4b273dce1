"""Alias hosts of an authority's cloud (PROTOCOL.md §2.3 b, §8.10): where else tokens may be.

Tokens are cached under the host the application was configured with; a cache shared with
an application configured with another host of the same cloud (``login.windows.net`` for
``login.microsoftonline.com``, say) holds its tokens under that host. ``get_accounts`` and
silent acquisition look there too when nothing is found under their own host.

:class:`AliasHosts` is the seam: the default, :class:`NoAliases`, knows none; instance
metadata discovery plugs in here.
"""

from __future__ import annotations

from typing import Protocol

from entraclient.http.driver import Flow

__all__ = ["AliasHosts", "NoAliases"]


class AliasHosts(Protocol):
    """Finds the other host names of an environment's cloud."""

    def aliases(self, environment: str) -> Flow[tuple[str, ...]]:
        """The aliases of ``environment``, without ``environment`` itself."""
        ...


class NoAliases:
    """Knows no aliases: look-ups stay under the configured host."""

    def aliases(self, environment: str) -> Flow[tuple[str, ...]]:
        return ()
        yield  # a flow that sends nothing
