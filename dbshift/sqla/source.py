"""SQLAlchemy types and server defaults as the Python source a migration file holds.

:func:`type_source` writes a type the way a model declares it (``sa.String(length=50)``,
``sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")``,
``postgresql.JSONB(astext_type=sa.Text())``, ``myapp.types.Money(precision=12)``);
:func:`default_source` writes a server default (``sa.true()``, ``sa.func.now()``,
``sa.text("0")``).  Each :class:`Source` names the modules it needs imported beyond
:data:`NAMESPACE` (the names ``from dbshift.migration import *`` gives a file).

The contract is the round trip: evaluated in that namespace, with its imports, the
source builds a type SQLAlchemy compiles exactly as it compiles the original on every
dialect; anything that does not is :class:`NotWritable`.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import io
import tokenize
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import elements, functions
from sqlalchemy.types import TypeDecorator, TypeEngine

from ..core.errors import DbshiftError
from ..core.values import frozen
from .lazy_dialects import mysql, postgresql, sqlite

NAMESPACE: dict[str, Any] = {"sa": sa, "postgresql": postgresql, "mysql": mysql, "sqlite": sqlite}
"""The modules a migration file names without importing them (``dbshift.migration`` exports them)."""


class NotWritable(DbshiftError):
    """``value`` (a type or a server default) has no Python source that rebuilds it; ``detail`` says why."""

    def __init__(self, value: object, detail: str) -> None:
        self.value, self.detail = value, detail
        super().__init__(f"cannot write {value!r} in a migration: {detail}")


@frozen
class Source:
    """Python source and the modules it needs imported (``import myapp.types``) to evaluate."""

    text: str
    imports: frozenset[str] = frozenset()

    def evaluate(self) -> Any:
        """The value the source builds, evaluated as a migration file would."""
        namespace: dict[str, Any] = dict(NAMESPACE)
        for module in sorted(self.imports):
            importlib.import_module(module)
            root = module.split(".")[0]
            namespace[root] = importlib.import_module(root)
        return eval(self.text, namespace)  # noqa: S307 - source this module wrote, checked by the round trip


# --- types --------------------------------------------------------------------------------


def type_source(type_: TypeEngine) -> Source:
    """``type_`` as source (:class:`NotWritable` when it cannot be written; whether the source rebuilds the same
    type is :func:`dbshift.sqla.declared.declare`'s to check)."""
    variants = dict(getattr(type_, "_variant_mapping", None) or {})
    if variants:
        base = copy.copy(type_)
        base._variant_mapping = sa.util.immutabledict()
        text, imports = _plain(base)
        grouped: dict[int, list[str]] = {}
        for name, variant in variants.items():
            grouped.setdefault(id(variant), []).append(name)
        for names in grouped.values():
            inner = type_source(variants[names[0]])
            text += f".with_variant({inner.text}, {', '.join(_quote(n) for n in names)})"
            imports |= inner.imports
        return Source(text, frozenset(imports))
    text, imports = _plain(type_)
    return Source(text, frozenset(imports))


class _Inline:
    """Stands in for a nested type while the outer one is written: its ``repr`` is the nested source."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _plain(type_: TypeEngine) -> tuple[str, set[str]]:
    """A type without variants: its class, named from the namespace or its module, and SQLAlchemy's repr of it
    (nested types written the same way)."""
    cls_text, imports = class_reference(type(type_))
    shown: Any = type_
    if not isinstance(type_, TypeDecorator):
        nested = {k: v for k in _arguments(type(type_)) if isinstance(v := getattr(type_, k, None), TypeEngine)}
        if nested:
            shown = copy.copy(type_)
            for key, inner in nested.items():
                source = type_source(inner)
                imports |= source.imports
                shown.__dict__[key] = _Inline(source.text)
    text = repr(shown)
    name = type(type_).__name__
    if not text.startswith(name + "("):
        raise NotWritable(type_, f"its repr {text!r} is not a call of {name}")
    return cls_text + _double_quoted(text[len(name):]), imports


def _arguments(cls: type) -> tuple[str, ...]:
    """The names ``cls.__init__`` takes (those SQLAlchemy's repr shows, when the type holds them); asked once a
    class (``inspect.signature`` costs tens of microseconds, and a large migration has thousands of columns)."""
    names = _ARGUMENTS.get(cls)
    if names is None:
        try:
            parameters = list(inspect.signature(cls).parameters.values())
        except (TypeError, ValueError):
            parameters = []
        names = _ARGUMENTS[cls] = tuple(p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))
    return names


_ARGUMENTS: dict[type, tuple[str, ...]] = {}


def class_reference(cls: type) -> tuple[str, set[str]]:
    """How a migration file names ``cls``: ``sa.String``, ``postgresql.JSONB``, or ``module.Class`` to import."""
    for prefix, module in NAMESPACE.items():  # a dialect's module is asked only about its own classes
        if (prefix == "sa" or cls.__module__.startswith(f"sqlalchemy.dialects.{prefix}")) \
                and getattr(module, cls.__name__, None) is cls:
            return f"{prefix}.{cls.__name__}", set()
    module_name = cls.__module__
    if module_name == "__main__" or "<locals>" in cls.__qualname__:
        raise NotWritable(cls, "it is not defined at the top level of an importable module")
    try:
        found: Any = importlib.import_module(module_name)
        for part in cls.__qualname__.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        found = None
    if found is not cls:
        raise NotWritable(cls, f"{module_name}.{cls.__qualname__} does not name it")
    if module_name.startswith("sqlalchemy.dialects."):
        dialect = module_name.split(".")[2]
        return f"{dialect}.{cls.__qualname__}", {f"sqlalchemy.dialects.{dialect}"} if dialect not in NAMESPACE else set()
    return f"{module_name}.{cls.__qualname__}", {module_name}


# --- server defaults ------------------------------------------------------------------------


def default_source(value: Any) -> Source:
    """A server default (``sa.true()``, ``sa.func.now()``, ``sa.text(...)``, a string) as source."""
    text, imports = _expression(value)
    return Source(text, frozenset(imports))


def _expression(value: Any) -> tuple[str, set[str]]:
    if isinstance(value, str):
        return f"sa.literal({_quote(value)})", set()
    if isinstance(value, elements.True_):
        return "sa.true()", set()
    if isinstance(value, elements.False_):
        return "sa.false()", set()
    if isinstance(value, elements.Null):
        return "sa.null()", set()
    if isinstance(value, elements.TextClause) and not value._bindparams:
        return f"sa.text({_quote(value.text)})", set()
    if isinstance(value, elements.BindParameter) and value.value is not None and value.callable is None:
        literal = value.value
        if isinstance(literal, (bool, int, float, str)):
            return f"sa.literal({_literal(literal)})", set()
    if isinstance(value, elements.Cast):
        inner, imports = _expression(value.clause)
        kind = type_source(value.type)
        return f"sa.cast({inner}, {kind.text})", imports | set(kind.imports)
    if isinstance(value, functions.Function) and type(value).__module__ in (functions.__name__,):
        return _function(value)
    raise NotWritable(value, "only literals, sa.text(), sa.true()/false()/null(), sa.cast() and sa.func calls "
                             "are written as server defaults")


def _function(value: functions.Function) -> tuple[str, set[str]]:
    args: list[str] = []
    imports: set[str] = set()
    for clause in value.clauses.clauses:
        if isinstance(clause, elements.BindParameter) and isinstance(clause.value, (bool, int, float, str)):
            args.append(_literal(clause.value))
            continue
        text, more = _expression(clause)
        args.append(text)
        imports |= more
    path = ".".join([*value.packagenames, value.name])
    return f"sa.func.{path}({', '.join(args)})", imports


def _literal(value: bool | int | float | str) -> str:
    return _quote(value) if isinstance(value, str) else repr(value)


def _quote(text: str) -> str:
    literal = repr(text)
    return '"' + literal[1:-1] + '"' if literal.startswith("'") and '"' not in text else literal


def _double_quoted(source: str) -> str:
    """``source`` with each single-quoted string literal that holds no quote written in double quotes."""
    if "'" not in source:
        return source  # no such literal: nothing to tokenize
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return source
    out, last = [], 0
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    for token in tokens:
        if token.type != tokenize.STRING or not token.string.startswith("'") or token.start[0] != token.end[0]:
            continue
        begin = starts[token.start[0] - 1] + token.start[1]
        end = starts[token.end[0] - 1] + token.end[1]
        body = token.string[1:-1]
        if '"' in body or "'" in body or token.string.startswith("'''"):
            continue
        out.append(source[last:begin] + '"' + body + '"')
        last = end
    return "".join(out) + source[last:]
