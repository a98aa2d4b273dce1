"""The ``entraclient`` command line: ``token``, ``decode`` and ``emulator``.

Exit codes (also in ``entraclient --help``):

== =====================================================================================
0  success
1  the identity provider refused (an ``AADSTS`` error), or a token failed ``--verify``
2  usage: bad arguments, a missing or unreadable secret, certificate or config file
3  no answer: the network, TLS or the identity provider could not be reached
4  not a token: the input of ``decode`` is not a JWT
70 an unexpected error (rerun with ``--debug`` for the traceback)
== =====================================================================================
"""

from entraclient.cli.main import main

__all__ = ["main"]
