"""The type string of a model column's SQLAlchemy type on a dialect (:func:`from_sqla`), and its collation.

Type strings themselves, and how a dialect spells and reads them, are :mod:`.types` (which needs no SQLAlchemy).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from ..core.types import enum_type, format_type
from .dialect import MYSQL_FAMILY
from .types import canonical


def from_sqla(type_: sa.types.TypeEngine, dialect: Dialect) -> str:
    """The type string for a model column's SQLAlchemy type on ``dialect``."""
    if isinstance(type_, sa.Interval) and type_.native and dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import INTERVAL

        type_ = INTERVAL(precision=type_.second_precision)  # native; not the emulation's DATETIME
    type_ = _resolve(type_, dialect)
    if isinstance(type_, sa.ARRAY) and isinstance(_resolve(type_.item_type, dialect), sa.Enum):
        return from_sqla(type_.item_type, dialect) + "[]"  # an array of an enum type (which must be created)
    overridden = _compiled_by_the_application(type_, dialect)
    if overridden is not None:
        return overridden
    if dialect.name in MYSQL_FAMILY:
        mysql = _mysql_from_sqla(type_, dialect)
        if mysql is not None:
            return mysql
    generic = _generic(type_, dialect)
    if generic is not None:
        return generic
    return canonical(dialect.name, type_.compile(dialect=dialect))


def _compiled_by_the_application(type_: sa.types.TypeEngine, dialect: Dialect) -> str | None:
    """The type as an ``@compiles`` override the application registered for ``dialect`` spells it, if any.

    An override for ``"mysql"`` also holds on MariaDB: SQLAlchemy calls a MariaDB server reached through
    a ``mysql://`` URL "mysql", so that is what such an application's ``create_all()`` builds there.
    """
    cls = type(type_)
    if getattr(cls, "_compiler_dispatcher", None) is None:  # one lookup for the usual type nobody overrides
        return None
    for klass in cls.__mro__:
        dispatcher = klass.__dict__.get("_compiler_dispatcher")
        specs = getattr(dispatcher, "specs", None)
        if not specs:
            continue
        if dialect.name in specs:
            return canonical(dialect.name, type_.compile(dialect=dialect))
        if dialect.name == "mariadb" and "mysql" in specs:
            from .dialect import dialect_for

            return canonical(dialect.name, type_.compile(dialect=dialect_for("mysql")))
        return None
    return None


def collation_of(type_: sa.types.TypeEngine, dialect: Dialect) -> str | None:
    """A model column's collation; on MySQL, a character set given without one stands for its default collation."""
    type_ = _resolve(type_, dialect)
    collation = getattr(type_, "collation", None)
    if dialect.name in MYSQL_FAMILY:
        return collation or getattr(type_, "charset", None)
    return collation


def _resolve(type_: sa.types.TypeEngine, dialect: Dialect) -> sa.types.TypeEngine:
    variants = getattr(type_, "_variant_mapping", None)
    if variants and dialect.name in variants:
        type_ = variants[dialect.name]
    elif variants and dialect.name == "mariadb" and "mysql" in variants:
        type_ = variants["mysql"]  # as SQLAlchemy does: a mysql variant serves MariaDB too
    if isinstance(type_, sa.types.TypeDecorator):
        return _resolve(type_.load_dialect_impl(dialect), dialect)
    return type_


def _generic(t: sa.types.TypeEngine, dialect: Dialect) -> str | None:
    """Generic spelling of the portable SQLAlchemy types; None for anything else."""
    if isinstance(t, sa.Enum):
        return _enum(t, dialect)
    if isinstance(t, sa.ARRAY):
        return None
    if isinstance(t, sa.Boolean):
        return "boolean"
    if isinstance(t, sa.BigInteger):
        return "bigint"
    if isinstance(t, sa.SmallInteger):
        return "smallint"
    if isinstance(t, sa.Integer):
        return "integer"
    if isinstance(t, (sa.Text, sa.CLOB)):
        return "text"
    if isinstance(t, (sa.CHAR, sa.NCHAR)):
        return format_type("char", t.length or 1)
    if isinstance(t, sa.String) and type(t).__module__.startswith("sqlalchemy.sql"):
        return format_type("varchar", t.length) if t.length else "varchar"
    if isinstance(t, sa.DateTime) and type(t).__module__.startswith("sqlalchemy.sql"):
        return "timestamptz" if t.timezone else "timestamp"
    if isinstance(t, sa.Time) and type(t).__module__.startswith("sqlalchemy.sql"):
        return "timetz" if t.timezone else "time"
    if isinstance(t, sa.Date) and type(t).__module__.startswith("sqlalchemy.sql"):
        return "date"
    if isinstance(t, sa.Interval) and dialect.name == "postgresql":
        return None
    if isinstance(t, (sa.Double, sa.DOUBLE_PRECISION)) and type(t).__module__.startswith("sqlalchemy.sql"):
        return "double"
    if isinstance(t, sa.REAL):
        return "real"
    if isinstance(t, sa.Float) and type(t).__module__.startswith("sqlalchemy.sql"):
        return "real" if t.precision and t.precision <= 24 else "double"
    if isinstance(t, sa.Numeric) and type(t).__module__.startswith("sqlalchemy.sql"):
        args = [a for a in (t.precision, t.scale) if a is not None]
        return format_type("numeric", *args)
    if isinstance(t, sa.JSON) and type(t).__module__.startswith("sqlalchemy.sql"):
        return "json"
    if isinstance(t, sa.LargeBinary) and type(t).__module__.startswith("sqlalchemy.sql"):
        return "blob"
    if isinstance(t, sa.Uuid) and type(t).__module__.startswith("sqlalchemy.sql"):
        return "uuid"
    return None


def _enum(t: sa.Enum, dialect: Dialect) -> str:
    values = tuple(t.enums)
    if dialect.name == "postgresql" and t.native_enum:
        name = t.name or "_".join(values).lower()
        return enum_type(values, f"{t.schema}.{name}" if t.schema not in (None, "public") else name)
    if dialect.name in ("mysql", "mariadb") and t.native_enum:
        return enum_type(values)
    declared: int | None = getattr(t, "length", None)
    return format_type("varchar", declared or max((len(v) for v in values), default=1))


def _mysql_from_sqla(t: sa.types.TypeEngine, dialect: Dialect) -> str | None:
    """Type strings for SQLAlchemy types whose meaning on MySQL differs from the portable one."""
    if isinstance(t, sa.Enum):
        return None  # _enum: inline ENUM when native, else VARCHAR
    if isinstance(t, sa.TIMESTAMP) or type(t).__module__.startswith("sqlalchemy.dialects.mysql"):
        return canonical(dialect.name, t.compile(dialect=dialect))  # TIMESTAMP, LONGTEXT, INTEGER(unsigned)…
    if isinstance(t, (sa.Double, sa.DOUBLE_PRECISION)):
        return "double"
    if isinstance(t, sa.REAL):
        return "double"  # REAL is a synonym of DOUBLE on MySQL
    if isinstance(t, sa.Float):
        return "real" if not t.precision or t.precision <= 24 else "double"  # FLOAT is single precision here
    if isinstance(t, sa.LargeBinary) and t.length:
        return _mysql_blob(t.length)
    if isinstance(t, sa.Uuid) and t.native_uuid and getattr(dialect, "is_mariadb", False) and dialect.supports_native_uuid:
        return "mariadb_uuid"  # MariaDB 10.7+: SQLAlchemy builds UUID and binds the 36-character text form
    return None


def _mysql_blob(length: int) -> str:
    """``BLOB(n)``: MySQL picks the smallest BLOB type that holds ``n`` bytes."""
    for limit, name in ((255, "tinyblob"), (65535, "blob"), (16777215, "mediumblob")):
        if length <= limit:
            return name
    return "longblob"
