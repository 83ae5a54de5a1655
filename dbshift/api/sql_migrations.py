"""Migrations written as SQL: a ``.sql`` file from operations (``revision --sql --autogenerate``), an empty
one to fill in (``revision --sql``), or one from the difference between two databases (``diff A B -m``).

The SQL is rendered for one database family (the configured database's, or database A's for a diff), as
``upgrade --sql`` renders it; a ``-- down`` section holds the reverse.  The runner reads such a file as any
other SQL migration (:mod:`dbshift.project.files`).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Iterable

from ..core import ops as o
from ..core.errors import MultipleHeads
from ..core.graph import Revision
from ..core.model import Schema
from ..project import files
from ..project.config import Config
from .context import load_graph
from .results import DiffResult, RevisionResult

if TYPE_CHECKING:
    import sqlalchemy as sa

    from ..core.renames import PossibleRename
    from ..core.unmodelled import Dependant


def sql_text(ops: Iterable[o.Op], dialect: str, start: Schema) -> tuple[str, int]:
    """The statements of ``ops`` on ``dialect`` (a name, as :func:`dbshift.render.render` takes it), each
    ending in ``;``, from schema ``start``, and how many steps a run would do that the text can only name in a
    comment: a check SQL cannot make fail by itself, the triggers a table rebuild re-creates, a Python step.
    (A check that can, is written as statements that fail by themselves.)"""
    from ..render import Guard, Replay, render
    from ..render.rows import row_statements
    from ..sqla.dialect import dialect_for

    statements: list[str] = []
    offline = 0
    state = start
    for op in ops:
        if isinstance(op, (o.BulkInsert, o.BulkDelete)):
            statements += [f"{sql};" for sql in row_statements(op, dialect_for(dialect))]
        elif isinstance(op, o.RunPython):
            statements.append(f"-- {op.describe()} cannot be written as SQL; write its statements here")
            offline += 1
        else:
            for statement in render(op, dialect, state):
                if isinstance(statement, (Guard, Replay)):
                    statements += [line if line.startswith("--") else _ended(line) for line in statement.offline]
                    offline += all(line.startswith("--") for line in statement.offline)  # only said, not done
                else:
                    statements.append(_ended(statement.sql))
        try:
            state = op.apply(state)
        except (KeyError, ValueError):  # opaque to the schema model (hand-written SQL): render the rest as is
            pass
    return "\n\n".join(statements), offline


def _ended(sql: str) -> str:
    return sql.rstrip().rstrip(";") + ";"


def write(
    config: Config, message: str, upgrade_sql: str = "", downgrade_sql: str | None = None,
    ops: tuple[o.Op, ...] = (), lock: tuple[str | None, int] = (None, 0),
) -> RevisionResult:
    """Write a ``.sql`` migration on top of the single head; ``ops`` are what its SQL does (for the lines that
    describe it); ``lock``: the ``(lock_timeout, lock_retries)`` its header declares, when a timeout is given."""
    graph = load_graph(config)
    heads = graph.heads()
    if len(heads) > 1:
        raise MultipleHeads(list(heads))
    now = datetime.now(timezone.utc)
    rev_id = files.new_revision_id(now, set(graph.revisions))
    path = files.write_sql_migration(config.migrations, rev_id, heads, message, upgrade_sql, downgrade_sql, now=now,
                                     lock_timeout=lock[0], lock_retries=lock[1])
    return RevisionResult(Revision(rev_id, tuple(heads), message, str(path)), path, ops)


def diff_revision(
    config: Config, url_a: str, url_b: str, message: str, *, schemas: tuple[str | None, ...] | None = None,
) -> tuple[RevisionResult, DiffResult]:
    """Write the SQL that turns database A's schema into B's as a new ``.sql`` migration, with the reverse
    diff (B into A) as its ``-- down`` section.  Returns the migration written (``path`` None when no
    operation turns A into B: nothing is written) and the :class:`~dbshift.api.results.DiffResult` of A → B."""
    from .diff import diff_databases

    forward = diff_databases(url_a, url_b, schemas=schemas)
    if not forward.ops:
        return RevisionResult(None, None, ()), forward
    backward = diff_databases(url_b, url_a, schemas=schemas)
    written = write(config, message, forward.sql, backward.sql, forward.ops)
    return written, forward


def as_sql_file(
    config: Config, message: str, ops: tuple[o.Op, ...], downgrade: tuple[o.Op, ...] | None, start: Schema | None,
    dialect: sa.engine.Dialect | None, possible: tuple[PossibleRename, ...] = (), dependants: tuple[Dependant, ...] = (),
    lock: tuple[str | None, int] = (None, 0),
) -> RevisionResult:
    """``revision --sql``: the ``ops`` autogenerate found (bound to the connection's ``dialect``) as a
    ``.sql`` migration, rendered from the database's schema ``start``; ``downgrade`` as autogenerate states
    it (None: the reverse of ``ops``).  Without ``start`` (no autogenerate), a file to fill in.  ``lock``:
    the ``(lock_timeout, lock_retries)`` header lines, when a timeout is given."""
    from dataclasses import replace

    if start is None or dialect is None:
        return write(config, message)
    from ..sqla.declared import bind
    from ..sqla.dialect import server_dialect

    name = server_dialect(dialect)
    down_ops = o.reverse_all(ops) if downgrade is None else tuple(bind(downgrade, dialect))
    up, up_offline = sql_text(ops, name, start)
    down, down_offline = sql_text(down_ops, name, o.apply_all(start, ops))
    notes = () if not (up_offline or down_offline) else (
        f"{up_offline + down_offline} step(s) a run would do cannot be written as SQL and are only named in '--' "
        "comments of the file (a check, re-creating the triggers of a rebuilt table): a Python migration "
        "(without --sql) does them",
    )
    written = write(config, message, up, down, ops, lock)
    return replace(written, possible_renames=possible, dependants=dependants, notes=notes)
