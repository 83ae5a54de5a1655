"""The headers of migration files, remembered between commands, so that listing a long history reads a
directory listing instead of every file.

An entry is trusted only while its file is exactly as it was: same name, size,
modification and change times (nanoseconds) and inode — any write changes the
change time, which no tool can set back.  A file changed in the two seconds
before it was read is not remembered (a later write within the filesystem's
time resolution could leave every one of those the same), so the next command
reads it again.  With each header, the checksum of the file's text is remembered
under the same rule (``current``, ``check`` and a run compare it with the one
recorded when the migration was applied): an edit, a ``git checkout`` or a
file copied over the old one changes the change time or the inode, so the
text is read and hashed again, as ``git status`` trusts the same fields.

The cache lives in the ``headers`` folder of the cache directory
(:mod:`.cache_dir`: ``~/.cache/dbshift/headers`` on Linux), one small JSON
file per migrations directory.  A cache that cannot be read or written is
simply not used.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Callable

from ..core.graph import Revision
from .cache_dir import cache_folder, keep, read_own, remove_oldest

FORMAT = 2  # entries: [stat, revision, parents, message, checksum]
_RECENT_NS = 2_000_000_000
_KEEP = 256  # cache files kept at most (one per migrations directory); the oldest go first

Stat = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode


def stat_of(stat: os.stat_result) -> Stat:
    """What identifies a file's state: size, modification and change times, inode."""
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


class HeaderCache:
    """What the files of one directory declared, by name, with the stat each was read at."""

    def __init__(self, directory: Path, path: Path | None, entries: dict[str, list]) -> None:
        self.directory, self.path, self.entries = directory, path, entries
        self._prefix = os.path.join(directory, "")  # each remembered file's path is this and its name
        self.changed = False

    @classmethod
    def open(cls, directory: Path) -> HeaderCache:
        """The cache of ``directory`` (empty when there is none yet, or it is off or unreadable)."""
        root = cache_folder("headers")
        if root is None:
            return cls(directory, None, {})
        name = hashlib.sha256(str(directory.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:24]
        path = root / f"{name}.json"
        text = read_own(path)
        try:
            data = json.loads(text) if text is not None else {}
            entries = data["entries"] if data.get("format") == FORMAT and data.get("directory") == str(directory) else {}
        except (ValueError, KeyError, TypeError, AttributeError):
            entries = {}
        return cls(directory, path, entries if isinstance(entries, dict) else {})

    @property
    def on(self) -> bool:
        """Whether entries are kept (the cache is not turned off)."""
        return self.path is not None

    def revision(self, name: str, key: Stat, read: Callable[[Path], Revision]) -> Revision:
        """The revision file ``name`` declares: remembered while the file is unchanged, else ``read`` (a
        revision ``read`` gives without its checksum is not remembered)."""
        entry = self.entries.get(name)
        if isinstance(entry, list) and len(entry) == 5 and tuple(entry[0]) == key:
            _, rev_id, parents, message, checksum = entry
            return Revision(rev_id, tuple(parents), message, self._prefix + name, checksum)
        revision = read(self.directory / name)
        if self.path is not None and revision.checksum is not None and max(key[1], key[2]) < time.time_ns() - _RECENT_NS:
            self.entries[name] = [list(key), revision.id, list(revision.parents), revision.message, revision.checksum]
            self.changed = True
        elif name in self.entries:
            del self.entries[name]
            self.changed = True
        return revision

    def save(self, names: set[str]) -> None:
        """Write the cache when it changed (entries of files no longer there are left out)."""
        gone = set(self.entries) - names
        if self.path is None or not (self.changed or gone):
            return
        for name in gone:
            del self.entries[name]
        data = {"format": FORMAT, "directory": str(self.directory), "entries": self.entries}
        if keep(self.path, json.dumps(data, separators=(",", ":")).encode("utf-8")):
            remove_oldest(self.path.parent, ".json", above=_KEEP, down_to=_KEEP)
