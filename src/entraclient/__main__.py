"""``python -m entraclient``: the same command line as ``entraclient``."""

from __future__ import annotations

import sys

from entraclient.cli import main

if __name__ == "__main__":
    sys.exit(main())
