"""Failures a user can act on: missing privileges, a read-only or locked database, a full disk, a lost
connection — each one line that says what happened and what to do.  :func:`condition_of` tells them
apart by the driver's message; :func:`dbshift.database.connect.database_error` builds them."""

from __future__ import annotations

import re

from ..core.errors import DbshiftError, command

class DatabaseProblem(DbshiftError):
    """A condition of the database, its server or its files that the user can fix: what happened, what to do."""

    #: What to do, added to the line of an error it caused (a migration that failed on it).
    advice = ""


class PermissionDenied(DatabaseProblem):
    advice = "the database user lacks a privilege: grant it, or use a URL whose user has it"

    def __init__(self, where: str, user: str | None, reason: str, grant: str | None = None) -> None:
        self.where, self.user, self.reason, self.grant = where, user, reason, grant
        who = f"user {user!r}" if user else "this user"
        todo = f"grant it ({grant})" if grant else "grant the missing privilege"
        super().__init__(f"{who} may not do this on {where}: {reason}; {todo}, or use a URL whose user has it")


class ReadOnlyDatabase(DatabaseProblem):
    advice = "the database is read-only: make its file and directory writable, mount it read-write, or use the primary"

    def __init__(self, where: str, reason: str, todo: str | None = None) -> None:
        self.where, self.reason = where, reason
        self.todo = todo or f"make {where} and its directory writable by this user, on a read-write file system"
        super().__init__(f"cannot write to {where}: {reason}; {self.todo}")


class DatabaseLocked(DatabaseProblem):
    advice = "another connection holds a lock: end its transaction, then run the command again"

    def __init__(self, where: str, reason: str) -> None:
        self.where, self.reason = where, reason
        super().__init__(
            f"{where} is locked by another connection ({reason}); end that program's transaction, "
            "then run the command again"
        )


class DiskFull(DatabaseProblem):
    advice = "the disk is full: free some space, then run the command again"

    def __init__(self, where: str, reason: str) -> None:
        self.where, self.reason = where, reason
        super().__init__(
            f"the disk holding {where} is full ({reason}); free some space, then run the command again"
        )


class ConnectionLost(DatabaseProblem):
    advice = f"the connection was lost: see where the database stands with {command('current')}, then run the command again"

    def __init__(self, where: str, reason: str) -> None:
        self.where, self.reason = where, reason
        super().__init__(
            f"lost the connection to {where} ({reason}); see where it stands with {command('current')}, "
            "then run the command again"
        )


_PERMISSION = re.compile(
    r"permission denied|must be owner of|command denied to user|access denied for user .* to database"
    r"|insufficient privilege|\(1142,|\(1143,|\(1044,|\(1227,",
    re.I,
)
_READ_ONLY = re.compile(
    r"readonly database|read-only file system|read-only transaction|--read-only option|read only transaction"
    r"|\(1290,|\(1792,|\(1836,",
    re.I,
)
_LOCKED = re.compile(r"database is locked|database table is locked", re.I)
_FULL = re.compile(r"disk is full|no space left on device|disk full|\(1114,|errcode: 28|error 28\b", re.I)
_LOST = re.compile(
    r"terminating connection|server closed the connection|connection already closed|the connection is (?:closed|lost)"
    r"|consuming input failed|lost connection to (?:mysql )?server|server has gone away|connection reset by peer"
    r"|broken pipe|ssl connection has been closed|\(2006,|\(2013,|\(2055,|^\(0, ''\)$",
    re.I,
)


def condition_of(text: str) -> type[DatabaseProblem] | None:
    """Which condition a driver's message names, if it is one a user can act on."""
    for pattern, kind in (
        (_LOST, ConnectionLost), (_FULL, DiskFull), (_READ_ONLY, ReadOnlyDatabase), (_PERMISSION, PermissionDenied),
        (_LOCKED, DatabaseLocked),
    ):
        if pattern.search(text):
            return kind
    return None


def grant_for(reason: str, user: str | None, database: str | None) -> str | None:
    """The GRANT that gives ``user`` what ``reason`` says it lacks, when the message names enough to write it."""
    who = user or "<user>"
    if m := re.search(r"permission denied for schema (\S+)", reason, re.I):
        return f"GRANT USAGE, CREATE ON SCHEMA {m.group(1)} TO {who}"
    if m := re.search(r"permission denied for (?:table|relation) (\S+)", reason, re.I):
        return f"GRANT SELECT, INSERT, UPDATE, DELETE ON {m.group(1)} TO {who}"
    if m := re.search(r"permission denied for database (\S+)", reason, re.I):
        return f"GRANT CREATE ON DATABASE {m.group(1)} TO {who}"
    if m := re.search(r"must be owner of \w+ (\S+)", reason, re.I):
        return f"connect as the owner of {m.group(1)}, or ALTER ... OWNER TO {who}"
    if m := re.search(r"(\w+(?:,\s*\w+)*) command denied to user ('[^']*'@'[^']*')", reason, re.I):
        return f"GRANT {m.group(1).upper()} ON `{database or '<database>'}`.* TO {m.group(2)}"
    if m := re.search(r"access denied for user ('[^']*'@'[^']*') to database '([^']*)'", reason, re.I):
        return f"GRANT ALL ON `{m.group(2)}`.* TO {m.group(1)}"
    return None
