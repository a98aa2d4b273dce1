"""Resident memory a filled cache adds, measured in a fresh process.

``python -m bench.rss LIBRARY STATE_FILE`` reads the state, notes the resident set size,
fills the library's cache (deserialize and one hit), and prints how much the resident set
grew. A fresh process, because memory an earlier scenario freed stays in this one's heap
and would hide the growth.
"""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from bench.timing import resident_bytes


def resident_growth(library_name: str, state_file: Path) -> int | None:
    """Bytes of resident memory a cache of ``library_name`` filled from ``state_file`` adds."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.rss", library_name, str(state_file)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    printed = done.stdout.strip()
    return int(printed) if printed.lstrip("-").isdigit() else None


def main() -> None:
    from bench.libraries import MSAL, OURS
    from bench.scenarios import _loaded_and_hit

    library = {OURS.name: OURS, MSAL.name: MSAL}[sys.argv[1]]
    state = Path(sys.argv[2]).read_text()
    gc.collect()
    before = resident_bytes()
    cache = _loaded_and_hit(library, state)
    gc.collect()
    after = resident_bytes()
    assert library.entries(cache) > 0
    print(after - before if before is not None and after is not None else "unknown")


if __name__ == "__main__":
    main()
