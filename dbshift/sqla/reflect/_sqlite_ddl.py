"""A small reader for the SQL text SQLite keeps in ``sqlite_master``.

SQLite's pragmas do not report constraint names, CHECK constraints,
deferrability, generated-column expressions, index expressions or partial
index predicates; the ``CREATE TABLE`` / ``CREATE INDEX`` text does.  This
module tokenizes that text (quoted strings and identifiers, comments and
balanced parentheses handled) and picks those parts out.  Expression texts
are sliced from the original SQL, so they read exactly as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple
from ...core.values import frozen

# Each match is one token with the whitespace and comments before it (group 1), skipped without backtracking
# (``*+``); groups 2-5 are the token: a string, a quoted identifier, a word or a punctuation character.  Spaces and
# comments at the end match with no token (the end).  A word is letters, digits, ``_``, ``$`` and any non-ASCII
# character (then ``.`` too), written as the ASCII characters it excludes: a class up to U+10FFFF takes 10 ms
# to compile, on every command that reads SQLite.  ``findall`` hands over the groups as strings in one call:
# twice as fast as a match object per token, and positions follow from the lengths.
_TOKEN = re.compile(
    r"""
    ((?:\s+|--[^\n]*(?:\n|$)|/\*.*?(?:\*/|$))*+)
    (?:
        ('(?:[^']|'')*'?)
      | ("(?:[^"]|"")*"?|`(?:[^`]|``)*`?|\[[^\]]*\]?)
      | ([^\x00-\x23\x25-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f][^\x00-\x23\x25-\x2d\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]*)
      | (.)
      | \Z
    )
    """,
    re.X | re.S,
)


class Token(NamedTuple):
    """One token of the SQL text: a tuple, as thousands are made for each schema read."""

    kind: str  # "string", "ident", "word", "punct"
    text: str
    start: int
    end: int

    @property
    def value(self) -> str:
        """An identifier's name: quotes removed."""
        t = self.text
        if self.kind == "ident":
            if t[0] == "[":
                return t[1:].rstrip("]")
            q = t[0]
            return t[1:-1].replace(q + q, q) if len(t) > 1 and t.endswith(q) else t[1:]
        if self.kind == "string":
            return t[1:-1].replace("''", "'")
        return t

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words

    def is_punct(self, ch: str) -> bool:
        return self.text == ch and self.kind == "punct"


def tokenize(sql: str) -> list[Token]:
    """The tokens of ``sql``, each with its start and end offsets, whitespace and comments left out."""
    new = tuple.__new__  # skips NamedTuple's own __new__: thousands of tokens per schema read
    tokens = []
    end = 0
    for space, string, ident, word, punct in _TOKEN.findall(sql):
        start = end + len(space)
        if word:
            kind, text = "word", word
        elif punct:
            kind, text = "punct", punct
        elif ident:
            kind, text = "ident", ident
        elif string:
            kind, text = "string", string
        else:  # the end: only spaces or comments were left
            break
        end = start + len(text)
        tokens.append(new(Token, (kind, text, start, end)))
    return tokens


def _close(tokens: list[Token], i: int) -> int:
    """Index of the ``)`` matching the ``(`` at ``tokens[i]`` (len(tokens) if unbalanced)."""
    depth = 0
    for j in range(i, len(tokens)):
        token = tokens[j]
        if token.kind != "punct":
            continue
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
            if depth == 0:
                return j
    return len(tokens)


def _split(tokens: list[Token]) -> list[list[Token]]:
    """Split at top-level commas."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.kind == "punct":
            if token.text == "(":
                depth += 1
            elif token.text == ")":
                depth -= 1
            elif depth == 0 and token.text == ",":
                parts.append([])
                continue
        parts[-1].append(token)
    return [p for p in parts if p]


def _text(sql: str, tokens: list[Token]) -> str:
    return sql[tokens[0].start : tokens[-1].end] if tokens else ""


def _inner(sql: str, tokens: list[Token], i: int) -> tuple[str, int]:
    """Text inside the parentheses opening at ``tokens[i]`` and the index after them."""
    j = _close(tokens, i)
    return _text(sql, tokens[i + 1 : j]).strip(), j + 1


def _names(tokens: list[Token], i: int) -> tuple[tuple[str, ...], int]:
    """The first name of each comma-separated item of the group at ``tokens[i]``."""
    j = _close(tokens, i)
    return tuple(part[0].value for part in _split(tokens[i + 1 : j])), j + 1


@frozen
class ParsedForeignKey:
    """A FOREIGN KEY / REFERENCES clause as written: its name and deferrability, which the pragma leaves out."""

    name: str | None
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    deferrable: bool = False
    initially_deferred: bool = False


@dataclass
class ParsedTable:
    """What a CREATE TABLE statement declares beyond the pragmas: names, CHECKs, generated columns, options."""

    primary_key_name: str | None = None
    uniques: list[tuple[str | None, tuple[str, ...]]] = field(default_factory=list)
    checks: list[tuple[str | None, str]] = field(default_factory=list)
    foreign_keys: list[ParsedForeignKey] = field(default_factory=list)
    generated: dict[str, str] = field(default_factory=dict)  # column name -> expression
    collations: dict[str, str] = field(default_factory=dict)  # column name -> COLLATE name
    without_rowid: bool = False
    strict: bool = False
    autoincrement: bool = False  # the INTEGER PRIMARY KEY column is AUTOINCREMENT


_TABLE_CONSTRAINT_START = ("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN")
# words that start a column constraint (and so end a pending ``CONSTRAINT name``)
_COLUMN_CONSTRAINT_WORDS = frozenset(("PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE", "REFERENCES",
                                      "GENERATED", "AS"))


def parse_create_table(sql: str | None) -> ParsedTable:
    """What the pragmas leave out of a ``CREATE TABLE`` statement."""
    parsed = ParsedTable()
    if not sql:
        return parsed
    tokens = tokenize(sql)
    start = next((i for i, t in enumerate(tokens) if t.is_punct("(")), None)
    if start is None:  # CREATE TABLE … AS SELECT: nothing declared
        return parsed
    end = _close(tokens, start)
    trailer = tokens[end + 1 :]  # table options: WITHOUT ROWID, STRICT (comma-separated, any order)
    parsed.without_rowid = any(
        a.is_word("WITHOUT") and b.is_word("ROWID") for a, b in zip(trailer, trailer[1:], strict=False)
    )
    parsed.strict = any(t.is_word("STRICT") for t in trailer)
    for item in _split(tokens[start + 1 : end]):
        if item[0].is_word(*_TABLE_CONSTRAINT_START):
            _table_constraint(sql, item, parsed)
        else:
            _column_definition(sql, item, parsed)
    return parsed


def _table_constraint(sql: str, tokens: list[Token], parsed: ParsedTable) -> None:
    name = None
    i = 0
    if tokens[0].is_word("CONSTRAINT") and len(tokens) > 1:
        name, i = tokens[1].value, 2
    if i >= len(tokens):
        return
    head = tokens[i]
    group = next((j for j in range(i, len(tokens)) if tokens[j].is_punct("(")), None)
    if group is None:
        return
    if head.is_word("PRIMARY"):
        parsed.primary_key_name = name
    elif head.is_word("UNIQUE"):
        parsed.uniques.append((name, _names(tokens, group)[0]))
    elif head.is_word("CHECK"):
        parsed.checks.append((name, _inner(sql, tokens, group)[0]))
    elif head.is_word("FOREIGN"):
        columns, j = _names(tokens, group)
        if j < len(tokens) and tokens[j].is_word("REFERENCES"):
            parsed.foreign_keys.append(_references(tokens, j + 1, name, columns)[0])


def _column_definition(sql: str, tokens: list[Token], parsed: ParsedTable) -> None:
    column = tokens[0].value
    pending: str | None = None  # name from a ``CONSTRAINT name`` awaiting its constraint
    i = 1
    while i < len(tokens):
        token = tokens[i]
        if token.kind != "word":  # (each word is upper-cased once: thousands of columns on a large schema)
            if token.is_punct("("):
                i = _close(tokens, i) + 1  # type arguments, DEFAULT (expr), …
                continue
            i += 1
            continue
        word = token.text.upper()
        if word == "CONSTRAINT" and i + 1 < len(tokens):
            pending, i = tokens[i + 1].value, i + 2
            continue
        if word == "AUTOINCREMENT":  # PRIMARY KEY [ASC|DESC] [ON CONFLICT …] AUTOINCREMENT
            parsed.autoincrement = True
        if word in _COLUMN_CONSTRAINT_WORDS:
            name, pending = pending, None
            if word == "PRIMARY":
                parsed.primary_key_name = name
            elif word == "UNIQUE":
                parsed.uniques.append((name, (column,)))
            elif word == "CHECK" and i + 1 < len(tokens) and tokens[i + 1].is_punct("("):
                text, i = _inner(sql, tokens, i + 1)
                parsed.checks.append((name, text))
                continue
            elif word == "REFERENCES":
                fk, i = _references(tokens, i + 1, name, (column,))
                parsed.foreign_keys.append(fk)
                continue
            elif word == "COLLATE" and i + 1 < len(tokens):
                parsed.collations[column] = tokens[i + 1].value
                i += 2
                continue
            elif word == "AS" and i + 1 < len(tokens) and tokens[i + 1].is_punct("("):
                text, i = _inner(sql, tokens, i + 1)
                parsed.generated[column] = text
                continue
        i += 1


def _references(
    tokens: list[Token], i: int, name: str | None, columns: tuple[str, ...]
) -> tuple[ParsedForeignKey, int]:
    """Parse ``tbl [(cols)] [ON …] [MATCH x] [[NOT] DEFERRABLE [INITIALLY …]]`` from ``tokens[i]``."""
    ref_table = tokens[i].value if i < len(tokens) else ""
    i += 1
    ref_columns: tuple[str, ...] = ()
    if i < len(tokens) and tokens[i].is_punct("("):
        ref_columns, i = _names(tokens, i)
    deferrable = initially_deferred = False
    while i < len(tokens):
        token = tokens[i]
        if token.is_word("ON"):  # ON DELETE|UPDATE SET NULL|SET DEFAULT|CASCADE|RESTRICT|NO ACTION
            i += 2
            if i < len(tokens) and tokens[i].is_word("SET", "NO"):
                i += 1
            i += 1
        elif token.is_word("MATCH"):
            i += 2
        elif token.is_word("NOT") and i + 1 < len(tokens) and tokens[i + 1].is_word("DEFERRABLE"):
            deferrable, i = False, i + 2
        elif token.is_word("DEFERRABLE"):
            deferrable, i = True, i + 1
        elif token.is_word("INITIALLY") and i + 1 < len(tokens):
            initially_deferred, i = tokens[i + 1].is_word("DEFERRED"), i + 2
        else:
            break
    fk = ParsedForeignKey(name, columns, ref_table, ref_columns, deferrable, deferrable and initially_deferred)
    return fk, i


@frozen
class ParsedIndex:
    """A CREATE INDEX statement's key expressions as written and its WHERE predicate."""

    expressions: tuple[str, ...]  # each key as written, without ASC/DESC
    where: str | None


def parse_create_index(sql: str | None) -> ParsedIndex:
    """The key expressions and the partial-index predicate of a ``CREATE INDEX``."""
    if not sql:
        return ParsedIndex((), None)
    tokens = tokenize(sql)
    on = next((i for i, t in enumerate(tokens) if t.is_word("ON")), None)
    start = next((i for i in range(on or 0, len(tokens)) if tokens[i].is_punct("(")), None)
    if on is None or start is None:
        return ParsedIndex((), None)
    end = _close(tokens, start)
    expressions = []
    for item in _split(tokens[start + 1 : end]):
        if len(item) > 1 and item[-1].is_word("ASC", "DESC"):
            item = item[:-1]
        expressions.append(_text(sql, item))
    where = None
    rest = tokens[end + 1 :]
    if rest and rest[0].is_word("WHERE"):
        body = rest[1:]
        if body and body[-1].is_punct(";"):
            body = body[:-1]
        where = _text(sql, body).strip() or None
    return ParsedIndex(tuple(expressions), where)
