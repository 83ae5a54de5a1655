"""Operations to Python source: the text of migration files.

The contract is the round trip: for every model value and operation ``v``,
``eval(render_value(v), vars(dbshift.migration)) == v``.  The output is
deterministic (same input, same text) and laid out for people:

* a dataclass renders as ``ClassName(required..., optional=value...)``, leaving
  out optional fields that hold their default and fields marked never written
  (the name a database gave a constraint the models leave unnamed);
* strings use double quotes where possible (like black); multi-line text uses a
  triple-quoted string when that is safe;
* a call that does not fit on its line breaks into one argument per line with
  4-space indentation and trailing commas; a tuple of two or more model values
  (a table's columns, its foreign keys, ...) always puts one per line;
* a column's SQLAlchemy type or server default is written as the models write it
  (``sa.Enum("happy", "sad", name="mood")``, ``sa.func.now()``, see
  :mod:`dbshift.sqla.source`), and the modules it names are imported after the
  ``from dbshift.migration import *`` line.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import math
import re
import sys
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator, NamedTuple, Sequence

from ..core.model import (
    Check, Column, Enum, Exclude, ForeignKey, Identity, Index, PartitionOf, PrimaryKey, Schema, Statistics, Table,
    TableOptions, TableRef, Unique,
)
from ..core.model import Sequence as SequenceDef
from ..core.objects import DbObject
from ..core.ops import Op, RunPython

__all__ = ["render_value", "render_ops", "render_migration", "WIDTH"]

WIDTH = 100
"""The line length the layout aims for."""

INDENT = "    "

_MODEL_TYPES = (
    Check, Column, Enum, Exclude, ForeignKey, Identity, Index, PrimaryKey, SequenceDef, Table, TableOptions, Unique,
    Schema, DbObject, TableRef, PartitionOf, Statistics,
)

HAND_WRITTEN_HINT = '# RunSQL("UPDATE ..."), RunPython(fill_prices), BulkInsert("table", [{...}]), ...'

LOCK_COMMENT = (
    "# A statement waits at most lock_timeout for its lock (queries queue behind a waiting ALTER);\n"
    "# the migration is then retried, up to lock_retries times.\n"
)

DOWNGRADE_COMMENT = (
    "# The downgrade is the reverse of `upgrade`, computed when it runs.\n"
    "# To write it by hand, define: downgrade = [...]\n"
)


# --- public -----------------------------------------------------------------


def render_value(value: Any) -> str:
    """Python source that evaluates (with ``from dbshift.migration import *``) to ``value``."""
    with _remembering_sources():
        return _render(value, col=0, level=0, reserve=0)


def render_ops(ops: Iterable[Op], indent: int = 1) -> str:
    """The body of a list literal: one operation per element, each followed by a comma.

    Every line is indented by ``indent`` levels and ends with a newline; no
    operations give ``""``.
    """
    pad = INDENT * indent
    with _remembering_sources():
        return "".join(f"{pad}{_render(op, col=len(pad), level=len(pad), reserve=1)},\n" for op in ops)


def render_migration(
    revision_id: str,
    parents: Sequence[str],
    message: str,
    upgrade_ops: Iterable[Op],
    *,
    downgrade_ops: Iterable[Op] | None = None,
    created: datetime,
    lock_timeout: str | None = None,
    lock_retries: int = 0,
) -> str:
    """The complete text of a migration file; with ``lock_timeout`` (a duration such as ``"2s"``), the
    ``lock_timeout`` and ``lock_retries`` lines the runner reads."""
    with _remembering_sources(fresh=True):  # its imports are those of the values written within
        return _migration_text(revision_id, parents, message, upgrade_ops, downgrade_ops, created, lock_timeout,
                               lock_retries)


def _migration_text(
    revision_id: str, parents: Sequence[str], message: str, upgrade_ops: Iterable[Op],
    downgrade_ops: Iterable[Op] | None, created: datetime, lock_timeout: str | None, lock_retries: int,
) -> str:
    parents = tuple(parents)
    upgrade_ops = list(upgrade_ops)
    downgrade_ops = None if downgrade_ops is None else list(downgrade_ops)
    stamp = _utc(created).strftime("%Y-%m-%d %H:%M:%S UTC")
    if upgrade_ops:
        upgrade = "upgrade = [\n" + render_ops(upgrade_ops) + "]\n"
    else:
        upgrade = "upgrade = [\n" + INDENT + HAND_WRITTEN_HINT + "\n]\n"
    downgrade = DOWNGRADE_COMMENT if downgrade_ops is None else "downgrade = [\n" + render_ops(downgrade_ops) + "]\n"
    imports = sorted(_modules_written())
    parts = [
        '"""' + _docstring_text(message) + "\n",
        "\n",
        f"Revision: {revision_id}\n",
        f"Parents: {', '.join(parents) or 'base'}\n",
        f"Created: {stamp}\n",
        '"""\n',
        "\n",
        "from dbshift.migration import *  # noqa: F401,F403\n",
        *(f"import {module}\n" for module in imports),
        "\n",
        f"revision = {_string(revision_id)}\n",
        f"parents = {render_value(parents)}\n",
        f"message = {_string(message)}\n",
        "\n",
    ]
    if lock_timeout is not None:
        parts += [
            LOCK_COMMENT,
            f"lock_timeout = {_string(lock_timeout)}\n",
            f"lock_retries = {int(lock_retries)}\n",
            "\n",
        ]
    parts += [upgrade, "\n", downgrade]
    return "".join(parts)


def _modules_written() -> set[str]:
    """The modules the SQLAlchemy types and defaults written so far (within :func:`_remembering_sources`) name."""
    return {module for _, source in (_SOURCES.get() or {}).values() for module in source.imports}


# --- layout -----------------------------------------------------------------


class _Bracket(NamedTuple):
    """A bracketed construct: a call, tuple, list or dict, as its elements."""

    open: str
    items: list[tuple[str, Any]]  # (prefix such as "name=" or "key: ", element)
    close: str
    force_break: bool = False
    is_tuple: bool = False


def _render(value: Any, col: int, level: int, reserve: int) -> str:
    """``value`` starting at column ``col`` on a line indented by ``level`` spaces,
    leaving ``reserve`` characters after it (a comma, a closing bracket)."""
    b = _bracket(value)
    if b is None:
        return _leaf(value)
    flat = _flat(value)
    if flat is not None and col + len(flat) + reserve <= WIDTH:
        return flat
    pad = " " * (level + len(INDENT))
    if len(b.items) == 1 and not b.items[0][0] and _huggable(b, b.items[0][1], len(pad)):
        # ``CreateTable(Table(`` ... ``))``: a lone argument that must break anyway
        # opens on its parent's line and keeps its parent's indentation.
        return b.open + _render(b.items[0][1], col + len(b.open), level, reserve + len(b.close)) + b.close
    lines = [b.open]
    for prefix, item in b.items:
        lines.append(pad + prefix + _render(item, len(pad) + len(prefix), len(pad), 1) + ",")
    lines.append(" " * level + b.close)
    return "\n".join(lines)


def _flat(value: Any) -> str | None:
    """``value`` on one line; None when it cannot be (multi-line text, a forced break)."""
    b = _bracket(value)
    if b is None:
        text = _leaf(value)
        return None if "\n" in text else text
    if b.force_break:
        return None
    parts = []
    for prefix, item in b.items:
        flat = _flat(item)
        if flat is None:
            return None
        parts.append(prefix + flat)
    comma = "," if b.is_tuple and len(parts) == 1 else ""
    return b.open + ", ".join(parts) + comma + b.close


def _bracket(value: Any) -> _Bracket | None:
    """The parts of a bracketed value; None for leaves (strings, numbers, ...)."""
    if _is_model(value):
        return _call(value)
    if isinstance(value, tuple):
        force = sum(1 for v in value if _is_model(v)) >= 2
        return _Bracket("(", [("", v) for v in value], ")", force, is_tuple=True)
    if isinstance(value, list):
        return _Bracket("[", [("", v) for v in value], "]")
    if isinstance(value, dict):
        return _Bracket("{", [(_leaf(k) + ": ", v) for k, v in value.items()], "}")
    return None


def _call(value: Any) -> _Bracket:
    cls = type(value)
    if not isinstance(value, (Op, *_MODEL_TYPES)) or not dataclasses.is_dataclass(value):
        raise TypeError(f"cannot render {cls.__name__} values in a migration")
    if isinstance(value, RunPython):
        return _run_python(value)
    items: list[tuple[str, Any]] = []
    for f in dataclasses.fields(value):
        if not f.init or f.metadata.get("written") is False:  # what a database said of itself (a name it chose)
            continue
        current = getattr(value, f.name)
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            items.append(("", current))
            continue
        if type(current) is type(default) and current == default:
            continue
        if isinstance(value, Column) and f.name == "default":
            items.append(("server_default=", _server_default(current)))
            continue
        items.append((f"{f.name}=", current))
    return _Bracket(f"{cls.__name__}(", items, ")")


_STRING_VALUE = re.compile(r"'((?:[^'\\]|'')*)'", re.S)


class _SqlText:
    """A server default given as SQL text, written ``sa.text("...")``."""

    def __init__(self, sql: str) -> None:
        self.sql = sql


def _server_default(default: Any) -> Any:
    """A column's server default as the models state one: a string value, ``sa.text(...)`` or an expression."""
    if not isinstance(default, str):
        return default
    value = _STRING_VALUE.fullmatch(default)
    return value.group(1).replace("''", "'") if value else _SqlText(default)


def _run_python(op: RunPython) -> _Bracket:
    items: list[tuple[str, Any]] = [("", _FunctionName(op.func))]
    if op.reverse_func is not None:
        items.append(("reverse_func=", _FunctionName(op.reverse_func)))
    return _Bracket("RunPython(", items, ")")


class _FunctionName:
    """A reference to a function defined in the migration file, rendered as its name."""

    def __init__(self, func: Any) -> None:
        name = getattr(func, "__name__", "")
        if not name.isidentifier() or name == "<lambda>":
            raise TypeError(f"cannot render {func!r} in a migration: RunPython needs a named function")
        self.name = name


def _is_model(value: Any) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def _huggable(b: _Bracket, item: Any, inner: int) -> bool:
    """Whether a call's lone argument opens on the call's own line: it is a call or
    multi-line text that would not fit on a line of its own at column ``inner``."""
    if b.is_tuple or not b.open.endswith("("):
        return False
    if not (_is_model(item) or (isinstance(item, str) and "\n" in item)):
        return False
    flat = _flat(item)
    return flat is None or inner + len(flat) + 1 > WIDTH


# --- leaves -----------------------------------------------------------------


def _sqla_source(value: Any) -> Any:
    """The :class:`~dbshift.sqla.source.Source` of a SQLAlchemy type or expression; None for other values.

    While a migration is written (:func:`_remembering_sources`) each value's source is worked out once: the layout
    asks for a value's text once for each level of brackets around it, and a type's source parses its repr."""
    if isinstance(value, (str, int, float, tuple, type(None))) or "sqlalchemy" not in sys.modules:
        return None  # the common values, and nothing can be one before SQLAlchemy is loaded
    from sqlalchemy.sql.elements import ClauseElement
    from sqlalchemy.types import TypeEngine

    if not isinstance(value, (TypeEngine, ClauseElement)):
        return None
    remembered = _SOURCES.get()
    if remembered is not None and (known := remembered.get(id(value))) is not None and known[0] is value:
        return known[1]
    from ..sqla.source import default_source, type_source

    source = type_source(value) if isinstance(value, TypeEngine) else default_source(value)
    if remembered is not None:
        remembered[id(value)] = (value, source)  # the value kept: its id names no other while remembered
    return source


#: id of a SQLAlchemy value -> (the value, its source), while a migration is written
_SOURCES: contextvars.ContextVar[dict[int, tuple[Any, Any]] | None] = contextvars.ContextVar("sources", default=None)


@contextlib.contextmanager
def _remembering_sources(fresh: bool = False) -> Iterator[None]:
    """Each SQLAlchemy value's source worked out once during the block; a nested block shares the enclosing one's
    unless ``fresh`` (:func:`_modules_written` then names the modules of its own values only)."""
    if _SOURCES.get() is not None and not fresh:
        yield
        return
    token = _SOURCES.set({})
    try:
        yield
    finally:
        _SOURCES.reset(token)


def _leaf(value: Any) -> str:
    if isinstance(value, _SqlText):
        return f"sa.text({_string(value.sql)})"
    source = _sqla_source(value)
    if source is not None:
        return str(source.text)
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, _FunctionName):
        return value.name
    if isinstance(value, int):
        return repr(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError(f"cannot render the float {value!r} in a migration")
        return float.__repr__(value)
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, bytes):
        return bytes.__repr__(value)
    raise TypeError(f"cannot render {type(value).__name__} values in a migration: {value!r}")


def _string(text: str) -> str:
    """A one-line string literal, double-quoted unless that needs more escapes."""
    literal = str.__repr__(text)  # the plain string's repr, also for str subclasses (StrEnum)
    if literal.startswith("'") and '"' not in text:
        # repr chose single quotes and the text holds no quote of either kind.
        return '"' + literal[1:-1] + '"'
    return literal


def _text(text: str) -> str:
    """A string literal: triple-quoted for safe multi-line text, else :func:`_string`."""
    if "\n" in text and _triple_quote_safe(text):
        return '"""' + text + '"""'
    return _string(text)


def _triple_quote_safe(text: str) -> bool:
    """Whether ``\"\"\"text\"\"\"`` evaluates to ``text`` and survives editors and checksums."""
    if '"""' in text or "\\" in text or text.endswith('"'):
        return False
    for line in text.split("\n"):
        if line != line.rstrip():  # trailing whitespace: editors strip it
            return False
        if not all(c.isprintable() or c == "\t" for c in line):
            return False
    return True


def _docstring_text(message: str) -> str:
    """``message`` made safe inside a triple-quoted docstring (informational only)."""
    out = []
    for c in message.replace("\\", "\\\\"):
        if c == "\n" or c.isprintable():
            out.append(c)
        else:
            out.append(c.encode("unicode_escape").decode("ascii"))
    return "".join(out).replace('"""', '\\"\\"\\"')


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
