"""Views, functions, procedures and triggers declared beside the models, as the user writes them.

A :class:`View` holds its query; a :class:`Function`, :class:`Procedure` or
:class:`Trigger` holds the whole ``CREATE`` statement written for its database,
whose name (and, for a trigger, table) is read from the statement unless given.
``dialect`` limits a declaration to some databases (``"postgresql"``, or a
tuple; ``"mysql"`` covers MariaDB too), as ``DDL(...).execute_if(dialect=...)``
does.  Public home: :mod:`dbshift.objects`.

:func:`statement_target` reads what a ``CREATE`` statement makes: its kind,
name and, for triggers and indexes, table, without parsing the rest.

Pure values, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import field
from typing import ClassVar, Union

from .errors import DbshiftError
from .sqltext import closing_paren, strip_leading_comments
from .values import frozen

#: where :func:`dbshift.objects.register` keeps a ``MetaData``'s declarations (in ``metadata.info``)
REGISTRY_KEY = "dbshift.objects"

Dialects = Union[str, tuple[str, ...], None]


class NotADeclaration(DbshiftError):
    """A statement that does not create what its declaration says, or whose name cannot be read."""

    def __init__(self, what: str, sql: str, detail: str) -> None:
        self.what, self.sql, self.detail = what, sql, detail
        first = " ".join(sql.split())[:80]
        super().__init__(f"{what} {first!r}: {detail}")


@frozen
class Part:
    """One part of a dotted SQL name: its text without quotes, and whether it was quoted (kept as written)."""

    text: str
    quoted: bool = False


@frozen
class Target:
    """What a ``CREATE`` statement makes: ``kind`` (``view``, ``materialized view``, ``function``,
    ``procedure``, ``trigger``, ``index``), its dotted ``name`` and, for triggers and indexes, ``table``."""

    kind: str
    name: tuple[Part, ...]
    table: tuple[Part, ...] = ()
    or_replace: bool = False
    constraint: bool = False
    """A PostgreSQL ``CREATE CONSTRAINT TRIGGER`` (which ``OR REPLACE`` cannot change)."""
    arguments: str | None = None
    """A function's or procedure's argument list as written, without its parentheses."""


_IDENT = r'(?:"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|[^\W\d][\w$]*)'
_DOTTED = rf"{_IDENT}(?:\s*\.\s*{_IDENT})*"
_USER = r"(?:`[^`]*`|'[^']*'|\"[^\"]*\"|[^\s@]+)(?:\s*@\s*(?:`[^`]*`|'[^']*'|\"[^\"]*\"|[^\s(]+))?"
_CREATE = re.compile(
    rf"""^CREATE\s+(?P<or_replace>OR\s+REPLACE\s+)?
    (?P<modifiers>(?:(?:UNIQUE|TEMP|TEMPORARY|RECURSIVE|CONSTRAINT|ALGORITHM\s*=\s*\w+|DEFINER\s*=\s*{_USER}
        |SQL\s+SECURITY\s+\w+)\s+)*)
    (?P<kind>MATERIALIZED\s+VIEW|VIEW|FUNCTION|PROCEDURE|TRIGGER|INDEX)\s+
    (?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?
    (?P<name>{_DOTTED})""",
    re.I | re.X | re.S,
)
_ON = re.compile(rf"\bON\s+(?:ONLY\s+)?(?P<table>{_DOTTED})", re.I | re.S)
_PART = re.compile(_IDENT)


def strip_comments(sql: str) -> str:
    """``sql`` without its leading comments and white space, and without a final ``;``."""
    sql = strip_leading_comments(sql).rstrip()
    while sql.endswith(";"):
        sql = sql[:-1].rstrip()
    return sql


def parts(dotted: str) -> tuple[Part, ...]:
    """``audit."Orders"`` → ``(Part("audit"), Part("Orders", quoted=True))``."""
    found = []
    for token in _PART.findall(dotted):
        if token[0] in "\"`[":
            close = {"\"": "\"", "`": "`", "[": "]"}[token[0]]
            found.append(Part(token[1:-1].replace(close * 2, close), quoted=True))
        else:
            found.append(Part(token))
    return tuple(found)


def statement_target(sql: str) -> Target | None:
    """What ``sql`` creates, when it is a ``CREATE`` of a view, materialized view, function, procedure,
    trigger or named index; None for any other statement."""
    text = strip_comments(sql)
    match = _CREATE.match(text)
    if match is None:
        return None
    kind = " ".join(match["kind"].lower().split())
    name = parts(match["name"])
    if kind == "index" and len(name) == 1 and not name[0].quoted and name[0].text.upper() == "ON":
        return None  # CREATE INDEX ON t (...): the database names it
    table: tuple[Part, ...] = ()
    arguments = None
    if kind in ("function", "procedure"):
        rest = text[match.end("name"):]
        opening = len(rest) - len(rest.lstrip())
        close = closing_paren(rest, opening) if rest[opening:opening + 1] == "(" else None
        arguments = " ".join(rest[opening + 1:close].split()) if close is not None else None
    if kind in ("trigger", "index"):
        on = _ON.search(text, match.end("name"))
        if on is None:
            return None
        table = parts(on["table"])
    return Target(
        kind, name, table, or_replace=bool(match["or_replace"]),
        constraint="CONSTRAINT" in match["modifiers"].upper().split(), arguments=arguments,
    )


def with_or_replace(sql: str) -> str:
    """``sql`` (a ``CREATE`` statement) as ``CREATE OR REPLACE``, without ``IF NOT EXISTS``."""
    text = strip_comments(sql)
    match = _CREATE.match(text)
    if match is None or match["or_replace"]:
        return text
    head = text[: match.start("name")]
    head = re.sub(r"\s+IF\s+NOT\s+EXISTS\s+$", " ", head, flags=re.I)
    return "CREATE OR REPLACE " + head[len("CREATE"):].lstrip() + text[match.start("name"):]


def applies_to(dialect: Dialects, name: str) -> bool:
    """Whether a declaration limited to ``dialect`` (None: every one) is made on the database ``name``;
    ``"mysql"`` covers MariaDB."""
    if dialect is None:
        return True
    wanted = (dialect,) if isinstance(dialect, str) else tuple(dialect)
    return name in wanted or (name == "mariadb" and "mysql" in wanted)


# --- what users declare -----------------------------------------------------------------------


@frozen
class View:
    """``CREATE VIEW name AS definition``: ``definition`` is the query (``SELECT …``)."""

    name: str
    definition: str
    schema: str | None = None
    dialect: Dialects = None

    kind: ClassVar[str] = "view"

    def __post_init__(self) -> None:
        if not strip_comments(self.definition):
            raise NotADeclaration(f"{self.kind} {self.name}", self.definition, "the query is empty")


@frozen
class MaterializedView(View):
    """A PostgreSQL ``CREATE MATERIALIZED VIEW``; ``with_data=False`` creates it empty (``WITH NO DATA``)."""

    with_data: bool = True
    dialect: Dialects = "postgresql"

    kind: ClassVar[str] = "materialized view"


@frozen
class Function:
    """A function, as the ``CREATE FUNCTION`` statement ``sql`` written for its database makes it.

    ``name`` and ``schema`` are read from the statement unless given.
    """

    sql: str
    dialect: Dialects = None
    name: str | None = None
    schema: str | None = None
    target: Target = field(init=False, repr=False, compare=False)

    kind: ClassVar[str] = "function"

    def __post_init__(self) -> None:
        target = statement_target(self.sql)
        if target is None or target.kind != self.kind:
            made = f"it creates a {target.kind}" if target else "it is not a CREATE statement dbshift can read"
            raise NotADeclaration(f"{type(self).__name__}", self.sql, f"{made}, not a {self.kind}")
        object.__setattr__(self, "target", target)
        *schema, name = target.name
        if self.name is None:
            object.__setattr__(self, "name", name.text)
        if self.schema is None and schema:
            object.__setattr__(self, "schema", schema[-1].text)


@frozen
class Procedure(Function):
    """A stored procedure, as the ``CREATE PROCEDURE`` statement ``sql`` makes it."""

    kind: ClassVar[str] = "procedure"


@frozen
class Trigger:
    """A trigger, as the ``CREATE TRIGGER`` statement ``sql`` written for its database makes it.

    ``name`` and ``table`` (``orders``, or ``audit.orders`` in another schema) are read from the
    statement unless given.
    """

    sql: str
    dialect: Dialects = None
    name: str | None = None
    table: str | None = None
    target: Target = field(init=False, repr=False, compare=False)

    kind: ClassVar[str] = "trigger"

    def __post_init__(self) -> None:
        target = statement_target(self.sql)
        if target is None or target.kind != "trigger":
            made = f"it creates a {target.kind}" if target else "it is not a CREATE TRIGGER dbshift can read"
            raise NotADeclaration("Trigger", self.sql, f"{made}, not a trigger")
        object.__setattr__(self, "target", target)
        if self.name is None:
            object.__setattr__(self, "name", target.name[-1].text)
        if self.table is None:
            object.__setattr__(self, "table", ".".join(p.text for p in target.table[-2:]))


Declaration = Union[View, MaterializedView, Function, Procedure, Trigger]

#: the kinds of object models declare (with the indexes of materialized views, which DDL events create)
DECLARABLE_KINDS = frozenset({"view", "materialized view", "function", "procedure", "trigger", "index"})
DECLARATION_TYPES = (View, Function, Trigger)  # MaterializedView and Procedure are subclasses
