"""Where dbshift keeps what it remembers between commands: the user's cache directory.

``<user cache dir>/dbshift`` (``~/.cache/dbshift`` on Linux), or ``$DBSHIFT_CACHE_DIR``; that variable set
empty turns every cache off.  Each cache has a folder of its own in it (``headers/``, ``code/``) and is only
ever a shortcut: one that cannot be read or written is not used, nor is a file another user wrote there.
"""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path

CACHE_VARIABLE = "DBSHIFT_CACHE_DIR"


def cache_folder(name: str) -> Path | None:
    """The folder of the cache ``name``, or None when caching is off (it may not exist yet)."""
    environ = os.environ
    # (asked once per migration file on a long upgrade: the answer is kept for the environment it came from)
    return _folder(name, environ.get(CACHE_VARIABLE), environ.get("XDG_CACHE_HOME"), environ.get("HOME"))


@lru_cache(maxsize=32)
def _folder(name: str, configured: str | None, xdg_cache_home: str | None, home: str | None) -> Path | None:
    """The folder under these settings (the last two only tell settings apart: platformdirs reads them itself)."""
    if configured is not None:
        return Path(configured) / name if configured.strip() else None
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("dbshift", appauthor=False)) / name


def written_by_this_user(stat: os.stat_result) -> bool:
    """Whether a cache file is this user's: in a directory others can write to (``DBSHIFT_CACHE_DIR=/tmp/…``),
    a file someone else put under an expected name is not believed (POSIX; elsewhere the user's own cache
    directory is private)."""
    getuid = getattr(os, "getuid", None)
    return getuid is None or stat.st_uid == getuid()


def read_own(path: Path) -> bytes | None:
    """The bytes of cache file ``path`` when it is this user's (:func:`written_by_this_user`); None when it is
    not there, cannot be read, or another user wrote it."""
    try:
        with open(path, "rb") as f:
            return f.read() if written_by_this_user(os.fstat(f.fileno())) else None
    except OSError:
        return None


def keep(path: Path, data: bytes) -> bool:
    """Write cache file ``path`` whole (:func:`write_whole`), its folder made readable by this user alone when it
    is new; False when it cannot be written (a full disk, a read-only folder): a cache that cannot be written is
    not used."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_whole(path, data)
    except OSError:
        return False
    return True


def remove_oldest(folder: Path, suffix: str, *, above: int, down_to: int) -> None:
    """When ``folder`` holds more than ``above`` files ending in ``suffix``, remove the oldest written (by
    modification time) until ``down_to`` are left; a file that cannot be read or removed is left alone."""
    try:
        with os.scandir(folder) as entries:
            found = [(e.stat().st_mtime_ns, e.path) for e in entries if e.name.endswith(suffix) and e.is_file()]
    except OSError:
        return
    if len(found) <= above:
        return
    for _, path in sorted(found)[: len(found) - down_to]:
        try:
            os.unlink(path)
        except OSError:
            pass


def write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: a reader never sees half a file (``OSError`` when it
    cannot be written; the folder must exist)."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
