"""Writing a new migration: empty, or with the operations that turn the database into the models."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Collection, Iterable

from ..core import ops as o
from ..core.online import lock_settings, online_forms
from ..core.errors import MultipleHeads
from ..core.graph import Revision
from ..core.model import Schema, qualified
from ..core.renames import Ask, PossibleRename
from ..core.safety import make_safe, safe_downgrade
from ..core.unmodelled import Dependant
from ..project import files
from ..project.config import Config
from .context import connection, current_of, load_graph, read_rows
from .errors import EmptyModels, NotAtHead
from .results import RevisionResult
from .schemas import (
    changes, check_comments, check_writable, dependants_of, excluded, metadata, model_schema, reading_ahead,
    rename_policy, undeclared, with_passengers,
)

if TYPE_CHECKING:
    import sqlalchemy as sa


def revision(
    config: Config,
    message: str,
    *,
    autogenerate: bool = False,
    renames: Iterable[str] = (),
    ask: Ask | None = None,
    sql: bool = False,
    large_tables: Collection[str] | None = None,
) -> RevisionResult:
    """Write a new migration; with ``autogenerate``, its operations come from models vs. database.
    With ``sql``, the migration is a ``.sql`` file (:mod:`.sql_migrations`): its statements rendered for
    the configured database, and their reverse after ``-- down``; without ``autogenerate``, one to fill in.

    ``renames`` are hints such as ``"author.name:full_name"``; ``ask`` is called for
    each vanished object that a new compatible one might be the rename of.  Possible
    renames nobody confirmed are returned in ``possible_renames``.

    ``large_tables``: keys (``schema.table``) of existing tables large enough that changes to them are
    written in their online forms (:mod:`dbshift.core.online`, unless the config's ``online_forms`` is
    off), and a migration that locks one of them declares the config's ``lock_timeout``/``lock_retries``;
    None (the default): the tables the changes touch holding ``large_table_rows`` rows or more.
    """
    graph = load_graph(config)
    heads = graph.heads()
    if len(heads) > 1:
        raise MultipleHeads(list(heads))
    ops: tuple[o.Op, ...] = ()
    written: tuple[tuple[o.Op, ...], tuple[o.Op, ...] | None] = ((), None)
    lock: tuple[str | None, int] = (None, 0)
    possible: tuple[PossibleRename, ...] = ()
    dependants: tuple[Dependant, ...] = ()
    if autogenerate:
        from ..core.diff import fold_enum_changes
        from ..sqla.declared import bind, declare
        from ..sqla.from_metadata import backfill_values
        from ..sqla.dialect import server_dialect
        from ..sqla.normalize import equivalence_for
        from .declared_objects import as_printed
        from .history_schema import (
            History, as_history_states, has_old_sides, replay, with_autoincrement_changes, with_enum_value_changes,
        )

        with connection(config) as conn:
            dialect = server_dialect(conn.dialect)
            current = current_of(graph, (r.revision for r in read_rows(conn) if r.applied))
            if set(current) != set(heads):
                raise NotAtHead(current, heads)
            with reading_ahead(conn, config) as schema_for:
                model = model_schema(config, conn.dialect)
                check_writable(model, dialect)  # before anything is compared or written
                database = schema_for(model)
            if not model.tables and database.tables:
                raise EmptyModels([t.key for t in database.tables])
            model = as_printed(conn, model, database, excluded(config))
            # the objects the models no longer declare are dropped when an earlier migration created them
            history = replay(graph, conn.dialect) if undeclared(model, database) else None
            created = (x.id for x in history.declared.objects) if history else ()
            model = with_passengers(model, database, created, manage=config.manage_objects)
            policy = rename_policy(config, dialect, renames, ask)
            eq = equivalence_for(dialect)
            ops = changes(model, database, dialect, policy)
            # PostgreSQL needs the history only for what ops change or remove; the others for their enum types
            if history is None:
                history = replay(graph, conn.dialect) if dialect != "postgresql" or has_old_sides(ops) else History()
            if dialect == "postgresql":  # the columns as a change of their enum type's values leaves them
                ops = tuple(fold_enum_changes(ops, [op for op in ops if isinstance(op, o.AlterEnum)], eq))
            else:  # a change of an enum type's values, for PostgreSQL, in place of its columns'
                ops = with_enum_value_changes(ops, history, metadata(config), database, policy, eq)
            ops = with_autoincrement_changes(ops, model, database, history, eq)
            if not ops:  # nothing to write: the rest only shapes what would be written
                return RevisionResult(None, None, ())
            possible = tuple(policy.unresolved)
            hints = {p.new: p.hint for p in possible if p.kind == "column"}
            ops = tuple(make_safe(ops, backfill_values(metadata(config), dialect), hints))
            # online forms for the large tables, and the lock settings of the migration
            if large_tables is None:
                large_tables = _large(conn, config, ops, database)
            ops, downgrade, lock = _online(config, ops, dialect, large_tables)
            check_comments(ops, dialect)
            dependants = dependants_of(conn, config, model, ops)
            stated = as_history_states(ops, downgrade, history, eq)
            written = declare(*stated, metadata(config), conn.dialect,
                              None if dialect == "postgresql" else history.enums)
            ops = tuple(bind(written[0], conn.dialect))
        if not ops:
            return RevisionResult(None, None, ())
    if sql:
        from .sql_migrations import as_sql_file

        return as_sql_file(config, message, ops, written[1] if autogenerate else None,
                           database if autogenerate else None, conn.dialect if autogenerate else None, possible,
                           dependants, lock)
    now = datetime.now(timezone.utc)
    rev_id = files.new_revision_id(now, set(graph.revisions))
    path = files.write_migration(config.migrations, rev_id, tuple(heads), message, list(written[0]),
                                 downgrade_ops=written[1], now=now, lock_timeout=lock[0], lock_retries=lock[1])
    return RevisionResult(Revision(rev_id, tuple(heads), message, str(path)), path, ops, possible, dependants)


def _large(conn: sa.Connection, config: Config, ops: Iterable[o.Op], database: Schema) -> set[str]:
    """The existing tables ``ops`` change that hold at least ``large_table_rows`` rows."""
    existing = {t.key for t in database.tables}
    keys = {qualified(t, getattr(op, "schema", None)) for op in ops if isinstance(t := getattr(op, "table", None), str)}
    if not keys & existing:
        return set()
    from .probing import large_tables

    return large_tables(conn, keys & existing, config.large_table_rows)


def _online(
    config: Config, ops: tuple[o.Op, ...], dialect: str, large: Collection[str]
) -> tuple[tuple[o.Op, ...], list[o.Op] | None, tuple[str | None, int]]:
    """``ops`` in their online forms on the ``large`` tables (when the config wants them); the downgrade to
    write (the plain reverse, made safe; None: the reverse of the upgrade, computed when it runs); and the
    ``(lock_timeout, lock_retries)`` the migration declares (``(None, 0)``: none)."""
    downgrade = safe_downgrade(ops)
    online = tuple(online_forms(ops, dialect, large)) if config.online_forms else ops
    if online != ops and downgrade is None:
        downgrade = o.reverse_all(ops)  # the plain reverse: a downgrade needs no NOT VALID check and no batches
    return online, downgrade, lock_settings(online, dialect, large, config.lock_timeout, config.lock_retries)
