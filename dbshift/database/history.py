"""The history table: one row per migration that is applied, or that a run left half done.

``dbshift_history`` columns:

==================  ==========================================================
revision            the migration's id (primary key)
message             its message
checksum            checksum of the file as it was applied (``scripts.checksum``)
applied_at          when it finished (for an unfinished row: when the run began)
duration_ms         how long it took
status              ``applied``; ``running`` while a migration that cannot be
                    atomic is under way (or was interrupted: the process died);
                    ``failed`` when a statement of such a migration failed
direction           ``up`` or ``down``: what the running/failed run was doing
statements_done     statements completed (for applied rows: all of them)
error               for ``failed``: the one-line reason, naming the statement
run_by              who ran it: ``pid 123 on host, connection 45``
==================  ==========================================================

Downgrading a migration deletes its row, so the rows with status ``applied``
are exactly the applied revisions.  Rows with another status exist only for
migrations that could not run in one transaction (MySQL/MariaDB, whose DDL
commits implicitly, or a PostgreSQL statement such as ``CREATE INDEX
CONCURRENTLY``); they say how far the run got, so it can be resumed or resolved.

Tables written by earlier versions (the first five columns) are read as they
are and upgraded in place, by adding the missing columns, when a run takes the
lock (:func:`ensure_table`).  Offline SQL inserts only the first five columns,
so it works against either form.
"""

from __future__ import annotations

import functools
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..core.errors import DbshiftError
from .rows import APPLIED, COLUMNS, ERROR_MAX, FAILED, RUNNING, TABLE_NAME, HistoryRow, rows_from  # noqa: F401 - re-exported

if TYPE_CHECKING:
    import sqlalchemy as sa


@functools.cache
def _table(for_mysql: bool = False) -> sa.Table:
    """The table's SQLAlchemy definition, built on first use (reading the history needs no SQLAlchemy).

    ``for_mysql``: its ``plan`` column as ``LONGTEXT`` (a ``TEXT`` holds 64 KiB there), to create it on MySQL or
    MariaDB; rows are read and written through either (other databases never load MySQL's dialect)."""
    import sqlalchemy as sa

    plan: sa.types.TypeEngine = sa.Text()
    if for_mysql:
        from sqlalchemy.dialects.mysql import LONGTEXT

        plan = LONGTEXT()
    return sa.Table(
        TABLE_NAME,
        sa.MetaData(),
        sa.Column("revision", sa.String(64), primary_key=True),
        sa.Column("message", sa.String(500), nullable=False, server_default=""),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        # progress of runs that cannot be atomic (added to older tables in place)
        sa.Column("status", sa.String(16), nullable=False, server_default=APPLIED),
        sa.Column("direction", sa.String(8), nullable=False, server_default="up"),
        sa.Column("statements_done", sa.Integer, nullable=True),
        sa.Column("error", sa.String(ERROR_MAX), nullable=True),
        sa.Column("run_by", sa.String(200), nullable=True),
        # the statements such a run rendered, per operation (JSON): a resumed run replays them
        sa.Column("plan", plan, nullable=True),
    )


def __getattr__(name: str) -> Any:
    if name == "history_table":
        return _table()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


AppliedMigration = HistoryRow  # the name before rows could be unfinished


#: per backend, the history table's column names as an unqualified name finds it (the search path; the main
#: database first), no row when there is none
_COLUMN_NAMES = {
    "postgresql": "SELECT attname FROM pg_catalog.pg_attribute"
                  " WHERE attrelid = to_regclass(:table) AND attnum > 0 AND NOT attisdropped",
    "sqlite": "SELECT name FROM pragma_table_info(:table)",
}
_NO_SUCH_TABLE = 1146  # MySQL/MariaDB's error for a table that does not exist


def _columns(connection: sa.Connection) -> set[str] | None:
    """The history table's column names, or None when there is no table; one statement, which a role without
    privileges on the table may not run on MySQL/MariaDB (the error is raised, never read as "no table")."""
    import sqlalchemy as sa

    query = _COLUMN_NAMES.get(connection.dialect.name)
    if query is not None:
        found = connection.execute(sa.text(query), {"table": TABLE_NAME}).scalars().all()
        return {str(name).lower() for name in found} or None
    try:
        result = connection.exec_driver_sql(f"SELECT * FROM {_quoted(connection)} WHERE 1 = 0")
    except sa.exc.DBAPIError as exc:
        if tuple(getattr(exc.orig, "args", ()))[:1] == (_NO_SUCH_TABLE,):
            return None
        raise
    names = {str(k).lower() for k in result.keys()}
    result.close()
    return names


def ensure_table(connection: sa.Connection) -> tuple[str, ...]:
    """Create the history table, or add the columns a table from an earlier version lacks.

    Returns the names of the columns added.  Call it holding the run lock.
    """
    import sqlalchemy as sa

    present = _columns(connection)
    table = _table(_is_mysql(connection.dialect))
    if present is None:
        table.create(connection)
        return ()
    added = []
    for column in table.columns:
        if column.name not in present:
            ddl = sa.schema.CreateColumn(column).compile(dialect=connection.dialect)
            connection.exec_driver_sql(f"ALTER TABLE {_quoted(connection)} ADD COLUMN {ddl}")
            added.append(column.name)
    return tuple(added)


class HistoryNotWritable(DbshiftError):
    """The role running migrations may not write ``dbshift_history`` the way a run needs to."""

    def __init__(self, privilege: str, reason: str) -> None:
        self.privilege, self.reason = privilege, reason
        super().__init__(
            f"this database role may not {privilege} {TABLE_NAME} ({reason}); nothing was run: grant it "
            f"SELECT, INSERT, UPDATE and DELETE on {TABLE_NAME}, or migrate with a role that has them"
        )


def require_writable(connection: sa.Connection) -> None:
    """Raise :class:`HistoryNotWritable` unless this session may insert, update and delete history rows.

    Checked before a run starts, with statements that change nothing: a run that
    could change the schema but not record it would leave the history false.
    SQLite has no roles: a file it may not write fails the run's first statement.
    Other errors than a refused privilege are raised as they are.
    """
    import sqlalchemy as sa

    if connection.dialect.name == "sqlite":
        return
    never = sa.false()
    probes = {
        "INSERT into": _table().insert().from_select(
            ["revision", "message", "checksum", "applied_at", "duration_ms"],
            sa.select(_table().c.revision, _table().c.message, _table().c.checksum,
                      _table().c.applied_at, _table().c.duration_ms).where(never),
        ),
        "UPDATE": _table().update().where(never).values(status=_table().c.status),
        "DELETE from": _table().delete().where(never),
    }
    for privilege, statement in probes.items():
        try:
            connection.execute(statement)
        except sa.exc.DBAPIError as exc:
            connection.rollback()
            if not _refused(exc):
                raise
            raise HistoryNotWritable(privilege, str(exc.orig).strip().splitlines()[0]) from None
    connection.rollback()


_DENIED_SQLSTATE = "42501"  # PostgreSQL: insufficient_privilege
_DENIED_ERRNO = (1142, 1143, 1044, 1227)  # MySQL/MariaDB: table, column, database access denied; needs a privilege


def _refused(exc: sa.exc.DBAPIError) -> bool:
    """The server refused the statement for want of a privilege."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == _DENIED_SQLSTATE:
        return True
    args: tuple[object, ...] = tuple(getattr(orig, "args", ()))
    return bool(args) and args[0] in _DENIED_ERRNO


def _quoted(connection: sa.Connection) -> str:
    return connection.dialect.identifier_preparer.quote(TABLE_NAME)


def create_table_sql(dialect: sa.engine.Dialect) -> str:
    import sqlalchemy as sa

    return str(sa.schema.CreateTable(_table(_is_mysql(dialect)), if_not_exists=True).compile(dialect=dialect)).strip()


def _is_mysql(dialect: sa.engine.Dialect) -> bool:
    return dialect.name in ("mysql", "mariadb")


def rows(connection: sa.Connection) -> list[HistoryRow]:
    """Every row, applied or not, oldest first; empty when the table does not exist."""
    import sqlalchemy as sa

    present = _columns(connection)
    if present is None:
        return []
    columns = [c for c in _table().columns if c.name in present]
    query = sa.select(*columns).order_by(_table().c.applied_at, _table().c.revision)
    result = connection.execute(query)
    return rows_from(list(result.keys()), result.all())


def applied(connection: sa.Connection) -> list[HistoryRow]:
    """Every applied migration, oldest first; empty when the table does not exist."""
    return [r for r in rows(connection) if r.applied]


def record(
    connection: sa.Connection,
    revision: str,
    message: str,
    checksum: str,
    duration_ms: int,
    *,
    statements_done: int | None = None,
    run_by: str | None = None,
    exists: bool | None = None,
) -> None:
    """Record ``revision`` as applied (replacing an unfinished row for it); ``exists``, when the caller knows
    whether such a row exists, saves looking."""
    _upsert(
        connection,
        revision,
        dict(
            message=message[:500],
            checksum=checksum,
            applied_at=_now(),
            duration_ms=duration_ms,
            status=APPLIED,
            direction="up",
            statements_done=statements_done,
            error=None,
            run_by=run_by,
            plan=None,
        ),
        exists,
    )


def progress(
    connection: sa.Connection,
    revision: str,
    message: str,
    checksum: str,
    *,
    direction: str,
    statements_done: int,
    status: str = RUNNING,
    error: str | None = None,
    run_by: str | None = None,
    plan: str | None = None,
) -> None:
    """Record how far an unfinished run of ``revision`` got (and, when given, the statements it planned)."""
    values: dict = dict(status=status, direction=direction, statements_done=statements_done, error=_clip(error))
    if run_by is not None:
        values["run_by"] = run_by[:200]
    if plan is not None:
        values["plan"] = plan
    exists = _exists(connection, revision)
    if not exists:
        values.update(message=message[:500], checksum=checksum, applied_at=_now(), duration_ms=0)
    _upsert(connection, revision, values, exists)


def mark_applied(connection: sa.Connection, revision: str, checksum: str | None = None) -> None:
    """Turn an unfinished row into an applied one (``resolve --applied``, ``stamp``)."""
    values: dict = dict(status=APPLIED, direction="up", error=None, plan=None)
    if checksum is not None:
        values["checksum"] = checksum
    connection.execute(_table().update().where(_table().c.revision == revision).values(**values))


def set_checksum(connection: sa.Connection, revision: str, checksum: str) -> None:
    connection.execute(_table().update().where(_table().c.revision == revision).values(checksum=checksum))


def forget(connection: sa.Connection, revision: str) -> None:
    connection.execute(_table().delete().where(_table().c.revision == revision))


def _exists(connection: sa.Connection, revision: str) -> bool:
    import sqlalchemy as sa

    query = sa.select(_table().c.revision).where(_table().c.revision == revision)
    return connection.execute(query).first() is not None


def _upsert(connection: sa.Connection, revision: str, values: dict, exists: bool | None = None) -> None:
    if exists is None:
        exists = _exists(connection, revision)
    if exists:
        connection.execute(_table().update().where(_table().c.revision == revision).values(**values))
    else:
        _insert(connection, {"revision": revision, **values})


_PlainInsert = tuple[str, tuple[str, ...] | None]  # the driver's SQL, and the order of its positional parameters
_PLAIN_INSERTS: dict[tuple[type, str, tuple[str, ...]], _PlainInsert | None] = {}


def _insert(connection: sa.Connection, row: dict) -> None:
    """Insert ``row``: as the driver's own statement, compiled once, where the driver takes every value as it is
    (PostgreSQL, MySQL: a run writes one row per migration, and SQLAlchemy's statement execution costs more than
    the statement); through SQLAlchemy where a value needs converting first (SQLite's timestamps)."""
    dialect = connection.dialect
    key = (type(dialect), dialect.paramstyle, tuple(row))
    if key not in _PLAIN_INSERTS:
        _PLAIN_INSERTS[key] = _plain_insert(dialect, tuple(row))
    plain = _PLAIN_INSERTS[key]
    if plain is None:
        connection.execute(_table().insert(), row)
        return
    sql, order = plain
    connection.exec_driver_sql(sql, row if order is None else tuple(row[name] for name in order))


def _plain_insert(dialect: sa.engine.Dialect, names: tuple[str, ...]) -> _PlainInsert | None:
    """The INSERT of columns ``names`` as SQLAlchemy writes it for ``dialect``; None when a column's type
    converts its value before the driver gets it."""
    table = _table()
    if any(table.c[name].type.dialect_impl(dialect).bind_processor(dialect) is not None for name in names):
        return None
    compiled = table.insert().compile(dialect=dialect, column_keys=list(names))
    return compiled.string, tuple(compiled.positiontup or ()) if compiled.positional else None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _clip(text: str | None) -> str | None:
    if text is None:
        return None
    return text if len(text) <= ERROR_MAX else text[: ERROR_MAX - 1] + "…"


def _row(revision: str, message: str, checksum: str, duration_ms: int) -> dict:
    return dict(revision=revision, message=message[:500], checksum=checksum, applied_at=_now(), duration_ms=duration_ms)


def record_sql(dialect: sa.engine.Dialect, revision: str, message: str, checksum: str) -> str:
    """The INSERT for offline (``--sql``) output, with literal values (the original columns only)."""
    row = _row(revision, message, checksum, 0)
    if dialect.name in ("mysql", "mariadb"):  # a DATETIME takes no UTC offset (strict mode refuses one)
        row["applied_at"] = row["applied_at"].replace(tzinfo=None)
    return _literal(_table().insert().values(**row), dialect)


def forget_sql(dialect: sa.engine.Dialect, revision: str) -> str:
    return _literal(_table().delete().where(_table().c.revision == revision), dialect)


def _literal(statement: sa.ClauseElement, dialect: sa.engine.Dialect) -> str:
    """``statement`` with its values written in, as every setting of the server reads them (a message may
    hold a backslash, or a ``%``, which SQLAlchemy doubles for drivers that take ``%s`` parameters)."""
    from ..core.types import safe_literals

    sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    if dialect.identifier_preparer._double_percents:
        sql = sql.replace("%%", "%")
    return safe_literals(dialect.name, sql)
