"""The stores' libraries are extras: ``import entraclient`` (and a plain cache) never loads them."""

from __future__ import annotations

import json
import subprocess
import sys

PROGRAM = """
import json, sys
import entraclient, entraclient.aio
from entraclient import TokenCache
TokenCache()
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def test_importing_entraclient_loads_neither_filelock_nor_redis() -> None:
    loaded = set(json.loads(subprocess.check_output([sys.executable, "-c", PROGRAM], text=True)))
    assert not loaded & {"filelock", "redis", "msal_extensions"}
