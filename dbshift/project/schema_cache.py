"""Tables read from a database, remembered between commands by everything that determines them.

SQLite derives all it reports about a table (columns, keys, foreign keys, indexes) from the SQL text it keeps
in ``sqlite_master``: reading that back through the pragmas and parsing the text costs about 0.25 s per 1,000
tables, against 0.01 s to read ``sqlite_master`` itself.  :func:`dbshift.sqla.reflect.reflect` hands this
module, through ``remember``, a *fingerprint* (the SQLite library's version, the database's name, the tables
left out and every ``sqlite_master`` row it reads, SQL text to the byte) and the way to read the tables.

The tables are kept in the ``schemas`` folder of the cache directory (:mod:`.cache_dir`), one file per schema,
named by the SHA-256 of the fingerprint and of dbshift's own reading code (the size and modification time of
each source file of ``dbshift/core``, which defines the tables, and ``dbshift/sqla``, which reads them), so an
upgraded or edited dbshift reads afresh.  A schema changed in any way has another fingerprint: nothing is
trusted by time.  A cache that cannot be read or written is not used, nor is a file another user wrote;
``DBSHIFT_CACHE_DIR=`` (empty) turns it off.  The oldest files go once there are more than :data:`KEEP`.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
from functools import lru_cache
from pathlib import Path
from typing import Callable

from ..core.model import Table
from .cache_dir import cache_folder, keep, read_own, remove_oldest

KEEP = 16  # schemas kept at most (about 0.8 MB each per 1,000 tables); a write that finds more removes the oldest
FORMAT = b"1"  # the layout of a file: a pickled list of model tables


def remembered(fingerprint: str, read: Callable[[], list[Table]]) -> list[Table]:
    """The tables ``read()`` returns, for a schema whose fingerprint is ``fingerprint``: from the cache when
    the same fingerprint was read before by this dbshift, else read and remembered."""
    folder = cache_folder("schemas")
    if folder is None:
        return read()
    entry = folder / f"{_key(fingerprint)}.pickle"
    data = read_own(entry)
    try:
        found = _loads(data) if data is not None else None
    except Exception:  # noqa: BLE001 - damaged, or in a layout this dbshift cannot read: read afresh
        found = None
    if isinstance(found, list) and all(isinstance(t, Table) for t in found):
        return found
    tables = read()
    _store(entry, tables)
    return tables


def _loads(data: bytes) -> object:
    """``pickle.loads(data)`` with the garbage collector paused: the tens of thousands of objects it makes
    hold no cycles, and each collection started on the way goes over all of them again (a load of a thousand
    tables here: 0.05 s with collections, 0.035 s without)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(data)  # noqa: S301 - this user's own file, in a folder only they can write
    finally:
        if paused:
            gc.enable()


def _key(fingerprint: str) -> str:
    digest = hashlib.sha256(FORMAT + b"\0" + _code_version() + b"\0")
    digest.update(fingerprint.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:40]


@lru_cache(maxsize=1)
def _code_version() -> bytes:
    """The size and modification time of every source file of ``dbshift/core`` and ``dbshift/sqla``."""
    package = Path(__file__).resolve().parents[1]
    found = []
    for folder in (package / "core", package / "sqla", package / "sqla" / "reflect"):
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.endswith(".py"):
                        stat = entry.stat()
                        found.append(f"{folder.name}/{entry.name} {stat.st_size} {stat.st_mtime_ns}")
        except OSError:
            found.append(f"{folder.name} unreadable")
    return "\n".join(sorted(found)).encode("utf-8", "surrogatepass")


def _store(entry: Path, tables: list[Table]) -> None:
    """Keep ``tables`` as ``entry`` (in a folder only this user can read), unless the cache cannot be written."""
    try:
        data = pickle.dumps(tables, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - a value pickle cannot write: nothing is kept
        return
    if keep(entry, data):
        remove_oldest(entry.parent, ".pickle", above=KEEP, down_to=KEEP * 3 // 4)
