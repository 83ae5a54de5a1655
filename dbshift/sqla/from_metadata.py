"""SQLAlchemy ``MetaData`` (the models) → schema model, as a given dialect would store it.

Names follow the metadata's naming convention (shortened as SQLAlchemy's
``create_all()`` shortens them).  A constraint the models leave unnamed stays
unnamed on every dialect: migration files write no name, the database chooses
one, and reflection reads such a chosen name as no name (see
:mod:`dbshift.sqla.server_names`), so one history serves every database.
Features a dialect lacks (comments and identity on SQLite, enum types outside
PostgreSQL) are left out of that dialect's model.
"""

from __future__ import annotations

import hashlib
import re
import sys
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Iterable, Mapping, cast, overload

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.sql.elements import _truncated_label

from ..core import model as m
from ..core.renames import RenameHints
from ..core.errors import DbshiftError
from ..core.types import parse_type, safe_literals
from .exclusion import parse_exclude
from .model_objects import model_objects
from .dialect import DEFAULT_SCHEMA, MYSQL_FAMILY, dialect_for, model_dialect
from .mysql import is_foreign_key_index, mariadb_sequence
from .model_types import collation_of, from_sqla

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import ExcludeConstraint
    from sqlalchemy.sql.schema import ScalarElementColumnDefault

MAX_NAME = 63

#: the dialects whose databases hold sequences (MariaDB since 10.3; MySQL has none)
SEQUENCE_DIALECTS = frozenset({"postgresql", "mariadb"})


class UnsupportedModel(DbshiftError):
    def __init__(self, where: str, detail: str) -> None:
        self.where, self.detail = where, detail
        super().__init__(f"{where}: {detail}")


def from_metadata(
    metadata: sa.MetaData, dialect: str | Dialect, exclude: frozenset[str] = frozenset(), objects: Iterable[Any] = ()
) -> m.Schema:
    """The schema the models describe, for ``dialect`` (a name, or a connection's dialect: see ``model_dialect``),
    with the views, functions, triggers… they declare (registered, given as ``objects``, or DDL events: see
    :mod:`dbshift.sqla.model_objects`)."""
    d = model_dialect(dialect)
    # no statement: the compiler only lends its helpers (column defaults, constraint DDL); SQLAlchemy allows None
    compiler = d.ddl_compiler(d, None)  # type: ignore[arg-type]
    converted = {key: _table(t, d, compiler) for key, t in metadata.tables.items() if t.name not in exclude}
    tables = list(converted.values())
    enums = {e.key: e for e in _enums(metadata.tables, d, converted)}
    sequences = [_sequence(s, d) for s in metadata._sequences.values()] if d.name in SEQUENCE_DIALECTS else []
    named: tuple[m.Table | m.Enum | m.Sequence, ...] = (*tables, *enums.values(), *sequences)
    used = [x.schema for x in named if x.schema] if d.name == "postgresql" else []
    declared = model_objects(metadata, d, objects, exclude).objects
    if d.name == "postgresql":
        used += [x.name.split(".")[0] for x in declared if x.table is None and not x.name.startswith("public.")]
    return m.Schema.of(tables, enums.values(), sequences, used, declared)


def _schema_name(schema: str | None, d: Dialect) -> str | None:
    return None if schema in (None, DEFAULT_SCHEMA.get(d.name)) else schema


def _table(t: sa.Table, d: Dialect, compiler: DDLCompiler) -> m.Table:
    where = t.fullname
    try:
        autoincrement_column = t.autoincrement_column  # (a memoized property of the table, looked up once)
        columns = tuple(_column(c, t, d, compiler, c is autoincrement_column) for c in t.columns)
    except sa.exc.CompileError as exc:
        raise UnsupportedModel(where, f"cannot be expressed on {d.name}: {exc}") from None
    mysql = d.name in MYSQL_FAMILY
    pk = None
    if t.primary_key.columns:
        pk_name = None if mysql else _name(t.primary_key, d)  # MySQL's is always PRIMARY
        pk = m.PrimaryKey(tuple(c.name for c in _pk_columns(t.primary_key)), pk_name, *_deferrable(t.primary_key, d))
    uniques, checks, fks, excludes = [], [], [], []
    exclude_constraint = _exclude_constraint_class() if d.name == "postgresql" else None
    for c in sorted(t.constraints, key=_constraint_order):
        if not _created(c, compiler):
            continue
        if isinstance(c, sa.UniqueConstraint) and not isinstance(c, sa.PrimaryKeyConstraint):
            cols = tuple(col.name for col in c.columns)
            uniques.append(m.Unique(cols, _name(c, d), *_deferrable(c, d)))
        elif isinstance(c, sa.CheckConstraint):
            checks.append(m.Check(_sql(c.sqltext, d), _name(c, d)))
        elif isinstance(c, sa.ForeignKeyConstraint):
            fks.append(_foreign_key(c, d))
        elif exclude_constraint is not None and isinstance(c, exclude_constraint):
            excludes.append(_exclude(cast("ExcludeConstraint", c), compiler))
    indexes = tuple(sorted((_index(i, t, d) for i in t.indexes), key=lambda i: i.name))
    if mysql:
        uniques, indexes = _mysql_keys(uniques, indexes, fks, t)
    return m.Table(
        name=t.name,
        columns=columns,
        primary_key=pk,
        foreign_keys=tuple(fks),
        uniques=tuple(uniques),
        checks=tuple(checks),
        indexes=indexes,
        comment=t.comment if d.name != "sqlite" else None,
        schema=_schema_name(t.schema, d),
        unlogged=d.name == "postgresql" and "UNLOGGED" in (str(p).upper() for p in t._prefixes),
        excludes=tuple(sorted(excludes, key=lambda x: (x.name or "", x.elements))),
        options=_sqlite_options(t) if d.name == "sqlite" else m.TableOptions(),
        partition_by=_partition_by(t) if d.name == "postgresql" else None,
    )


def _exclude_constraint_class() -> type | None:
    """SQLAlchemy's ``ExcludeConstraint``, if the models could hold one: it lives in the PostgreSQL dialect, which
    models using it have imported (other databases need not import it)."""
    module = sys.modules.get("sqlalchemy.dialects.postgresql")
    return getattr(module, "ExcludeConstraint", None)


def _options(item: sa.Table | sa.Index, dialect: str) -> Mapping[str, Any]:
    """``item.dialect_options[dialect]``: what the models give, or else the defaults of the item's kind, shared
    (SQLAlchemy builds that mapping anew for each object on first use: a tenth of a second on a thousand tables)."""
    given = item.__dict__.get("dialect_options")  # set once the object was given an option for any dialect
    if given is not None and dialect in given:
        return given[dialect]
    kind: Any = type(item)
    return _defaults(kind, dialect)


@lru_cache(maxsize=None)
def _defaults(kind: Any, dialect: str) -> Mapping[str, Any]:
    return kind._kw_reg_for_dialect_cls(dialect)


def _partition_by(t: sa.Table) -> str | None:
    """``postgresql_partition_by="RANGE (logdate)"``: how a partitioned table spreads its rows, as written."""
    clause = _options(t, "postgresql").get("partition_by")
    return " ".join(str(clause).split()) if clause else None


def _sqlite_options(t: sa.Table) -> m.TableOptions:
    """``sqlite_with_rowid=False``, ``sqlite_strict=True`` and ``sqlite_autoincrement=True``, as ``create_all()``
    applies them: AUTOINCREMENT only on a lone integer primary-key column that is not also a foreign key."""
    options = _options(t, "sqlite")
    key = list(t.primary_key.columns)
    autoincrement = (
        bool(options.get("autoincrement"))
        and len(key) == 1
        and issubclass(key[0].type._type_affinity, sa.Integer)  # type: ignore[arg-type]
        and not key[0].foreign_keys
    )
    return m.TableOptions(
        without_rowid=not options.get("with_rowid", True),
        strict=bool(options.get("strict")),
        autoincrement=autoincrement,
    )


def _pk_columns(pk: sa.PrimaryKeyConstraint) -> list[sa.Column]:
    """The key's columns in the order CREATE TABLE lists them.

    A key made from ``primary_key=True`` columns lists its autoincrement column
    first, as SQLAlchemy's ``create_all()`` writes it.
    """
    return list(pk.columns_autoinc_first if pk._implicit_generated else pk.columns)


def _exclude(c: ExcludeConstraint, compiler: DDLCompiler) -> m.Exclude:
    """An exclusion constraint, read back from the DDL SQLAlchemy writes for it."""
    return parse_exclude(compiler.process(c), _name(c, compiler.dialect))


def _deferrable(c: sa.Constraint, d: Dialect) -> tuple[bool, bool]:
    """``(deferrable, initially_deferred)`` of a key; only PostgreSQL defers keys (elsewhere both False)."""
    if d.name != "postgresql" or not c.deferrable:
        return False, False
    return True, (c.initially or "").upper() == "DEFERRED"


def _constraint_order(c: sa.Constraint) -> tuple:
    """Kind, name, columns, then the order the models declared them in."""
    columns = tuple(col.name for col in getattr(c, "columns", ()))
    return (type(c).__name__, _name(c) or "", columns, getattr(c, "_creation_order", 0))


def _created(c: sa.Constraint, compiler: DDLCompiler) -> bool:
    rule = getattr(c, "_create_rule", None)
    if getattr(rule, "__name__", None) == "_create_rule_disable":
        # set by SQLAlchemy's AddConstraint(isolate_from_table=True) once create_all() has added a
        # use_alter foreign key with ALTER TABLE: the constraint still exists
        return True
    return rule is None or bool(rule(compiler))


def _name(c: sa.Constraint | sa.Index, d: Dialect | None = None) -> str | None:
    """The name the models give ``c``; with ``d``, one a naming convention made is shortened as
    SQLAlchemy's ``create_all()`` shortens it for that dialect (when over its length limit)."""
    if not isinstance(c.name, str):
        return None
    if d is None or not isinstance(c.name, _truncated_label):
        return str(c.name)
    preparer = d.identifier_preparer
    if isinstance(c, sa.Index):
        return str(preparer.truncate_and_render_index_name(c.name, _alembic_quote=False))
    return str(preparer.truncate_and_render_constraint_name(c.name, _alembic_quote=False))


def _fit(name: str) -> str:
    """Shorten a generated name to the identifier limit, keeping it unique with a hash."""
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_NAME - 9]}_{digest}"


def _sql(clause: sa.ClauseElement | str, d: Dialect) -> str:
    """SQL for ``clause``: text as written; what SQLAlchemy builds with literals every server setting reads the same."""
    if isinstance(clause, str):
        return clause
    compiled = clause.compile(dialect=d, compile_kwargs={"literal_binds": True, "include_table": False})
    text = _as_written(str(compiled), d)
    return text if isinstance(clause, sa.TextClause) else safe_literals(d.name, text)


def _default(clause: object, d: Dialect, compiler: DDLCompiler) -> str | None:
    """The SQL of a column's server default (``clause``: the ``server_default`` a column holds), as the DDL compiler
    writes it for a column; a value SQLAlchemy quotes is written as every server setting reads it.  None for no
    default, and for a ``FetchedValue`` (a default the server sets by itself: SQLAlchemy writes none)."""
    if not isinstance(clause, sa.DefaultClause):
        return None
    default = _as_written(compiler.render_default_string(clause.arg), d)
    return default if isinstance(clause.arg, sa.TextClause) else safe_literals(d.name, default)


@overload
def _as_written(sql: str, d: Dialect) -> str: ...


@overload
def _as_written(sql: None, d: Dialect) -> None: ...


@overload
def _as_written(sql: str | None, d: Dialect) -> str | None: ...


def _as_written(sql: str | None, d: Dialect) -> str | None:
    """SQL as the database is to store it: SQLAlchemy doubles ``%`` for drivers that take ``%s`` parameters."""
    if sql is None or not d.identifier_preparer._double_percents:
        return sql
    return sql.replace("%%", "%")


def _column(c: sa.Column, t: sa.Table, d: Dialect, compiler: DDLCompiler, numbered_by_table: bool) -> m.Column:
    """Column ``c`` of ``t``; ``numbered_by_table``: it is the table's ``autoincrement_column``."""
    mysql = d.name in MYSQL_FAMILY
    identity = None
    if c.identity is not None and d.name != "sqlite" and not mysql:  # MySQL: the column is AUTO_INCREMENT
        identity = m.Identity(
            always=bool(c.identity.always),
            start=c.identity.start if c.identity.start not in (None, 1) else None,
            increment=c.identity.increment if c.identity.increment not in (None, 1) else None,
        )
    computed = _sql(c.computed.sqltext, d) if c.computed is not None else None
    default = None if computed else _default(c.server_default, d, compiler)
    type_ = from_sqla(c.type, d)
    if mysql:
        default = _mysql_default(default, type_)
        if type_ == "varchar":
            raise UnsupportedModel(
                f"{t.fullname}.{c.name}",
                f"String without a length cannot be stored on {d.name} (it needs VARCHAR(n)); "
                "give it a length, e.g. sa.String(255), or use sa.Text",
            )
    # a column numbered by its own sa.Sequence gets nextval() from SQLAlchemy at INSERT: no SERIAL
    numbered = isinstance(c.default, sa.Sequence) and d.name != "mysql"  # MySQL ignores the sequence
    autoincrement = numbered_by_table and identity is None and default is None and not numbered
    return m.Column(
        name=c.name,
        type=type_,
        nullable=bool(c.nullable) and not c.primary_key,
        default=default,
        autoincrement=autoincrement,
        identity=identity,
        computed=computed,
        virtual=c.computed is not None and _virtual(c.computed, d),
        comment=c.comment if d.name != "sqlite" else None,
        collation=collation_of(c.type, d),
    )


def declared_spelling(
    name: str, type_: sa.types.TypeEngine | None, server_default: object, dialect: str | Dialect
) -> tuple[str, str | None, str | None]:
    """The type string, server default SQL and collation a model column ``name`` of ``type_`` with
    ``server_default`` (as ``sa.Column`` takes it, or None) has on ``dialect``: what a migration file's
    SQLAlchemy type and default are bound to when the migration runs there (no type: ``""`` and None)."""
    d = model_dialect(dialect)
    # no column is built for the default (thousands of them in a large migration; a column also runs its type's
    # events): it becomes the clause a column would hold
    clause = server_default if server_default is None or isinstance(server_default, sa.schema.FetchedValue) \
        else sa.DefaultClause(server_default)  # type: ignore[arg-type]
    default = _default(clause, d, d.ddl_compiler(d, None))  # type: ignore[arg-type]
    if type_ is None:
        return "", _mysql_default(default, "") if d.name in MYSQL_FAMILY else default, None
    spelled = from_sqla(type_, d)
    if d.name in MYSQL_FAMILY:
        default = _mysql_default(default, spelled)
    return spelled, default, collation_of(type_, d)


def named_enum(type_: sa.types.TypeEngine) -> m.Enum | None:
    """The enum type PostgreSQL creates for a column of ``type_`` (``sa.Enum(..., name="mood")``), on any dialect;
    None for other types and for types PostgreSQL cannot build."""
    try:
        spelled = from_sqla(type_, dialect_for("postgresql"))
    except Exception:  # noqa: BLE001 - a type of another database's own (mysql.BIT) is no enum here
        return None
    spec = parse_type(spelled.removesuffix("[]"))
    if not (spec.is_enum and spec.enum_name):
        return None
    schema, _, name = spec.enum_name.rpartition(".")
    return m.Enum(name, spec.values, schema or None)


def _virtual(computed: sa.Computed, d: Dialect) -> bool:
    """``persisted=False`` is VIRTUAL; left out, it is what the database makes by default
    (VIRTUAL on MySQL and SQLite, STORED on PostgreSQL)."""
    if computed.persisted is None:
        return d.name != "postgresql"
    return not computed.persisted


def _foreign_key(c: sa.ForeignKeyConstraint, d: Dialect) -> m.ForeignKey:
    elements = c.elements
    target = elements[0].column.table
    columns = tuple(col.name for col in c.columns)
    return m.ForeignKey(
        columns=columns,
        ref_table=target.name,
        ref_columns=tuple(e.column.name for e in elements),
        name=_name(c, d),
        ref_schema=_schema_name(target.schema, d),
        on_delete=_action(c.ondelete, d),
        on_update=_action(c.onupdate, d),
        deferrable=bool(c.deferrable) and d.name not in MYSQL_FAMILY,  # MySQL checks every row at once
        initially_deferred=(c.initially or "").upper() == "DEFERRED" and d.name not in MYSQL_FAMILY,
        use_alter=bool(c.use_alter),
    )


def _action(action: str | None, d: Dialect) -> str | None:
    action = " ".join((action or "").upper().split())
    if d.name in MYSQL_FAMILY and action == "RESTRICT":
        return None  # InnoDB: RESTRICT and NO ACTION are the same, and reported as RESTRICT
    return None if action in ("", "NO ACTION") else action


def _index(i: sa.Index, t: sa.Table, d: Dialect) -> m.Index:
    """Index ``i`` of table ``t``."""
    expressions = tuple(e.name if isinstance(e, sa.Column) else _sql(e, d) for e in i.expressions)
    where = using = None
    include: tuple[str, ...] = ()
    opclasses: dict[str, str] = {}
    if d.name == "postgresql":
        pg = _options(i, "postgresql")
        where = pg.get("where")
        using = pg.get("using")
        include = tuple(getattr(c, "name", c) for c in pg.get("include") or ())
        opclasses = pg.get("ops") or {}
    elif d.name == "sqlite":
        where = _options(i, "sqlite").get("where")
    elif d.name in MYSQL_FAMILY:
        expressions, using = _mysql_index_options(i, expressions)
    name = _name(i, d) or _fit(f"ix_{t.name}_{'_'.join(expressions)}")
    # an operator class follows its column: ``doc jsonb_path_ops``
    expressions = tuple(f"{e} {opclasses[e]}" if e in opclasses else e for e in expressions)
    return m.Index(
        name=name,
        expressions=expressions,
        unique=bool(i.unique),
        where=_sql(where, d) if where is not None else None,
        using=None if using in (None, False, "btree") else str(using).lower(),
        include=include,
    )


_FRACTION = re.compile(r"^(?:timestamp|mysql_timestamp)\((\d+)\)$")
_NOW = re.compile(r"^\s*(?:now|current_timestamp|localtimestamp|localtime)\s*(?:\(\s*\))?\s*$", re.I)


def _mysql_default(default: str | None, type_: str) -> str | None:
    """MySQL: ``DEFAULT NULL`` is no default.

    ``ON UPDATE CURRENT_TIMESTAMP`` is written inside the default, as SQLAlchemy
    asks (``server_default=text("CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP")``),
    and reflection reports it the same way.  The current time as the default of a
    column keeping fractions of a second keeps as many (``CURRENT_TIMESTAMP(6)``):
    MariaDB stores it so, and MySQL takes no other.
    """
    if default is not None and default.strip().upper() == "NULL":
        return None
    fraction = _FRACTION.match(type_)
    if default is not None and fraction and _NOW.match(default):
        return f"CURRENT_TIMESTAMP({fraction.group(1)})"
    return default


def _mysql_index_options(i: sa.Index, expressions: tuple[str, ...]) -> tuple[tuple[str, ...], str | None]:
    """``mysql_length`` becomes a prefix length in the expression (``name(10)``); ``mysql_prefix`` the method."""
    options = _options(i, "mysql")
    length = options.get("length")
    if length is not None:
        expressions = tuple(
            f"{e}({length.get(e) if isinstance(length, dict) else length})"
            if (length.get(e) if isinstance(length, dict) else length) else e
            for e in expressions
        )
    prefix = options.get("prefix")
    return expressions, str(prefix).lower() if prefix else None


def _mysql_keys(
    uniques: list[m.Unique], indexes: tuple[m.Index, ...], fks: list[m.ForeignKey], t: sa.Table
) -> tuple[list[m.Unique], tuple[m.Index, ...]]:
    """MySQL has no unique constraint apart from a unique index: model both the same way.

    A unique index over whole columns (no prefix length, order or method) *is* a
    unique constraint, and reflection reports it as one; so does the model.  An
    index named and shaped like the one InnoDB creates for a foreign key is that
    foreign key's, and is not modelled (reflection skips it too).
    """
    columns = {c.name for c in t.columns}
    kept = []
    for index in indexes:
        if index.unique and index.using is None and all(e in columns for e in index.expressions):
            uniques.append(m.Unique(index.expressions, index.name))
        elif not is_foreign_key_index(index, fks, t.name):
            kept.append(index)
    return sorted(uniques, key=lambda u: (u.name or "", u.columns)), tuple(kept)


def _enums(tables: Mapping[str, sa.Table], d: Dialect, converted: Mapping[str, m.Table]) -> list[m.Enum]:
    """The enum types the columns of every table use, excluded ones too; ``converted`` tables' columns have
    their type strings already."""
    if d.name != "postgresql":
        return []
    found = []
    for key, t in tables.items():
        done = converted.get(key)
        types = (c.type for c in done.columns) if done is not None else (from_sqla(c.type, d) for c in t.columns)
        for type_ in types:
            spec = parse_type(type_.removesuffix("[]"))
            if spec.is_enum and spec.enum_name:
                schema, _, name = spec.enum_name.rpartition(".")
                found.append(m.Enum(name, spec.values, schema or None))
    return found


def _sequence(s: sa.Sequence, d: Dialect) -> m.Sequence:
    """Sequence ``s`` as ``d`` stores it.  MariaDB has no data type for one (every sequence is a bigint,
    as ``create_all()`` makes it) and options with its own defaults (see :func:`mariadb_sequence`)."""
    try:
        if d.name == "mariadb":
            return mariadb_sequence(
                s.name, _schema_name(s.schema, d), start=s.start, increment=s.increment,
                minvalue=None if s.nominvalue else s.minvalue, maxvalue=None if s.nomaxvalue else s.maxvalue,
                cycle=bool(s.cycle), cache=s.cache,
            )
        return m.Sequence(
            name=s.name,
            start=s.start,
            increment=s.increment,
            schema=_schema_name(s.schema, d),
            minvalue=None if s.nominvalue else s.minvalue,
            maxvalue=None if s.nomaxvalue else s.maxvalue,
            cycle=bool(s.cycle),
            cache=s.cache,
            data_type=from_sqla(s.data_type, d) if s.data_type is not None else None,
        )
    except ValueError as exc:
        raise UnsupportedModel(f"sequence {s.name}", str(exc)) from None


def rename_hints(metadata: sa.MetaData) -> RenameHints:
    """Renames declared next to the models: ``info={"renamed_from": "old_name"}`` on a table or column."""
    tables: dict[str, str] = {}
    columns: dict[str, str] = {}
    for t in metadata.tables.values():
        old = _info(t).get("renamed_from")
        if old:
            tables[m.qualified(old, t.schema)] = t.name
        for c in t.columns:
            old = _info(c).get("renamed_from")
            if old:
                columns[f"{m.qualified(t.name, t.schema)}.{old}"] = c.name
    return RenameHints(tables, columns)


def _info(item: sa.Table | sa.Column) -> Mapping[str, Any]:
    """``item.info`` without making it: SQLAlchemy makes an empty dict for each object whose ``info`` is first
    read (8,000 of them for a thousand tables), where one shared empty mapping says the same."""
    return item.__dict__.get("info") or _NO_INFO


_NO_INFO: Mapping[str, Any] = MappingProxyType({})


def backfill_values(metadata: sa.MetaData, dialect: str | Dialect) -> dict[tuple[str, str], str]:
    """SQL literals for filling existing rows, from columns' scalar Python-side ``default=``."""
    d = dialect_for(dialect) if isinstance(dialect, str) else dialect
    values: dict[tuple[str, str], str] = {}
    for t in metadata.tables.values():
        key = m.qualified(t.name, _schema_name(t.schema, d))
        for c in t.columns:
            default = c.default
            if default is None or not getattr(default, "is_scalar", False):
                continue
            arg = cast("ScalarElementColumnDefault", default).arg  # is_scalar marks SQLAlchemy's scalar default
            if arg is not None:
                literal = sa.literal(arg, type_=c.type)
                try:
                    values[(key, c.name)] = _sql(literal, d)
                except sa.exc.CompileError:
                    continue
    return values
