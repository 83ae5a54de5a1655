"""Where dbshift keeps what it remembers between commands: the user's cache directory.

``<user cache dir>/dbshift`` (``~/.cache/dbshift`` on Linux), or ``$DBSHIFT_CACHE_DIR``; that variable set
empty turns every cache off.  Each cache has a folder of its own in it (``headers/``, ``code/``) and is only
ever a shortcut: one that cannot be read or written is not used.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_VARIABLE = "DBSHIFT_CACHE_DIR"


def cache_folder(name: str) -> Path | None:
    """The folder of the cache ``name``, or None when caching is off (it may not exist yet)."""
    configured = os.environ.get(CACHE_VARIABLE)
    if configured is not None:
        return Path(configured) / name if configured.strip() else None
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("dbshift", appauthor=False)) / name
