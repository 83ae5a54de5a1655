"""Running an Alembic script's ``upgrade()``/``downgrade()`` inside dbshift's runner.

A script becomes one :class:`~dbshift.core.ops.RunPython` step per direction.
The runner calls it with the migration's connection, inside the migration's
transaction and under the run lock, and records the outcome in
``dbshift_history`` like any migration.  The call sets up what the script
expects: ``from alembic import op`` is Alembic's own ``Operations`` bound to
that connection, and ``from alembic import context`` answers
``is_offline_mode()``/``get_context()``.  So every operation, ``batch_alter_table``,
``op.get_bind()`` data migrations and any other code in the script run
exactly as under Alembic, producing the same schema.

On SQLite, the operations SQLite cannot ALTER (constraints, column changes)
run outside ``batch_alter_table`` as a batch rebuild of the table
(:func:`sqlite_operations`) where Alembic would raise.

Offline (``--sql``) the same function runs in Alembic's SQL-script mode and
the runner writes the statements it emits; a script that needs a live database
there (reading rows through ``op.get_bind()``) is named in the script with the
reason, as dbshift does for any Python step.

Running needs the ``alembic`` package (``pip install 'dbshift[alembic]'``);
reading the history does not.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Iterator

from ...core.errors import DbshiftError
from ...core.graph import Revision
from ..code_cache import compiled

if TYPE_CHECKING:
    from ...core.ops import Op

__all__ = ["AlembicMissing", "AlembicScriptFailed", "AlembicCall", "load_script"]

_counter = itertools.count(1)


class AlembicMissing(DbshiftError):
    """Running an Alembic script needs the ``alembic`` package, and it is not installed."""

    def __init__(self, revision: str, path: str) -> None:
        self.revision, self.path = revision, path
        super().__init__(
            f"revision {revision} is an Alembic script ({path}); running it needs Alembic: "
            "pip install 'dbshift[alembic]'"
        )


class AlembicScriptFailed(DbshiftError):
    """An Alembic script that cannot be loaded (it raised on import, or has no ``upgrade()``)."""

    def __init__(self, path: str, detail: str) -> None:
        self.path, self.detail = path, detail
        super().__init__(f"Alembic script {path}: {detail}")


class AlembicCall:
    """``upgrade()`` or ``downgrade()`` of one script, called with a connection (online) or a dialect (offline)."""

    def __init__(self, revision: str, path: str, direction: str, function: Callable[[], Any], root: Path) -> None:
        self.revision, self.path, self.direction = revision, path, direction
        self.function, self.root = function, root
        self.__name__ = f"{direction}() of Alembic revision {revision}"  # what RunPython.describe() shows

    def __repr__(self) -> str:
        return f"<{self.__name__} from {self.path}>"

    def __call__(self, connection: Any) -> None:
        """Run it on ``connection`` (in the caller's transaction), under Alembic's ``op``."""
        from alembic.runtime.migration import MigrationContext

        context = MigrationContext.configure(connection=connection)
        self._run(context, as_sql=False)

    def offline_sql(self, dialect: Any) -> list[str]:
        """The statements it emits in Alembic's SQL-script mode for ``dialect``; a comment naming the script
        and the reason ends the list when it cannot run without a database."""
        from alembic.runtime.migration import MigrationContext

        collected = _Statements()
        context = MigrationContext.configure(
            dialect=dialect, opts={"as_sql": True, "output_buffer": collected, "literal_binds": True}
        )
        try:
            self._run(context, as_sql=True)
        except Exception as exc:  # noqa: BLE001 - named in the script instead: the rest runs only online
            reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}".rstrip(": ")
            collected.statements.append(
                f"-- {self.__name__} ({self.path}) cannot be shown as SQL from here on ({reason}); "
                "it runs only against a database"
            )
        return collected.statements

    def _run(self, migration_context: Any, *, as_sql: bool) -> None:
        from alembic.config import Config
        from alembic.operations import Operations
        from alembic.runtime.environment import EnvironmentContext

        environment = EnvironmentContext(Config(), None, as_sql=as_sql)  # type: ignore[arg-type]
        environment._migration_context = migration_context
        migration_context.environment_context = environment
        kind = sqlite_operations() if migration_context.dialect.name == "sqlite" and not as_sql else Operations
        operations = kind(migration_context)
        operations._install_proxy()  # what ``from alembic import op`` calls now
        try:
            with environment, importable(self.root):
                self.function()
        finally:
            operations._remove_proxy()


def sqlite_operations() -> Any:
    """Alembic's ``Operations`` where what SQLite cannot ALTER runs as a batch "move and copy" of the table.

    Adding or dropping a constraint and changing a column outside
    ``batch_alter_table`` raise under Alembic on SQLite (a history written for
    PostgreSQL or MySQL, such as CTFd's, cannot be replayed there); dbshift
    rebuilds the table instead, through Alembic's own batch mode, as it does
    for its own migrations.  Renaming a column is left to SQLite.
    """
    from alembic.operations import Operations

    base: Any = Operations  # its methods are registered at run time; the overrides take what they accept

    class SqliteOperations(base):
        def create_foreign_key(
            self, constraint_name: str | None, source_table: str, referent_table: str, local_cols: list[str],
            remote_cols: list[str], *, source_schema: str | None = None, **kw: Any,
        ) -> None:
            name = constraint_name or f"fk_{source_table}_{local_cols[0]}_{referent_table}"  # a rebuild needs one
            with self.batch_alter_table(source_table, schema=source_schema) as batch:
                batch.create_foreign_key(name, referent_table, local_cols, remote_cols, **kw)

        def create_unique_constraint(
            self, constraint_name: str | None, table_name: str, columns: list[str], *, schema: str | None = None,
            **kw: Any,
        ) -> None:
            with self.batch_alter_table(table_name, schema=schema) as batch:
                batch.create_unique_constraint(constraint_name, columns, **kw)

        def create_check_constraint(
            self, constraint_name: str | None, table_name: str, condition: Any, *, schema: str | None = None,
            **kw: Any,
        ) -> None:
            with self.batch_alter_table(table_name, schema=schema) as batch:
                batch.create_check_constraint(constraint_name, condition, **kw)

        def create_primary_key(
            self, constraint_name: str | None, table_name: str, columns: list[str], *, schema: str | None = None,
        ) -> None:
            with self.batch_alter_table(table_name, schema=schema) as batch:
                batch.create_primary_key(constraint_name, columns)

        def drop_constraint(
            self, constraint_name: str, table_name: str, type_: str | None = None, *, schema: str | None = None,
            **kw: Any,
        ) -> None:
            with self.batch_alter_table(table_name, schema=schema) as batch:
                batch.drop_constraint(constraint_name, type_=type_)

        def alter_column(
            self, table_name: str, column_name: str, *, schema: str | None = None, **kw: Any,
        ) -> None:
            if set(kw) <= _RENAME_ONLY:
                super().alter_column(table_name, column_name, schema=schema, **kw)
                return
            with self.batch_alter_table(table_name, schema=schema) as batch:
                batch.alter_column(column_name, **kw)

    SqliteOperations._setups[SqliteOperations] = Operations._setups[Operations]  # install as ``alembic.op`` too
    return SqliteOperations


_RENAME_ONLY = {"new_column_name", "existing_type", "existing_nullable", "existing_server_default", "existing_comment"}


class _Statements:
    """An output buffer for Alembic's SQL-script mode: one entry per statement written."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def write(self, text: str) -> None:
        text = text.strip()
        if text:
            self.statements.append(text.rstrip(";").rstrip())

    def flush(self) -> None:
        pass


@contextlib.contextmanager
def importable(folder: Path) -> Iterator[None]:
    """``folder`` on ``sys.path`` for the block, as Alembic's ``prepend_sys_path = .`` and Flask's CLI put the
    project there (scripts import the application's modules)."""
    entry = str(folder)
    added = entry not in sys.path
    if added:
        sys.path.insert(0, entry)
    try:
        yield
    finally:
        if added and entry in sys.path:
            sys.path.remove(entry)


def load_script(revision: Revision, text: str) -> tuple[tuple[Op, ...], tuple[Op, ...]]:
    """Run the script's module (not its functions): its upgrade and downgrade, each as one ``RunPython`` step.

    ``AlembicMissing`` when Alembic is not installed; ``AlembicScriptFailed`` when the module raises or has
    no ``upgrade()``.
    """
    from ...core.ops import RunPython

    path = Path(revision.path or "")
    if importlib.util.find_spec("alembic") is None:
        raise AlembicMissing(revision.id, str(path))
    root = path.resolve().parent.parent.parent  # the project: the folder holding the script folder
    module = _module(revision, path, text, root)
    functions = {}
    for name in ("upgrade", "downgrade"):
        function = getattr(module, name, None)
        if function is None and name == "upgrade":
            raise AlembicScriptFailed(str(path), "no upgrade() function")
        if function is not None and not callable(function):
            raise AlembicScriptFailed(str(path), f"{name} is not a function")
        functions[name] = function or _nothing
    return (
        (RunPython(AlembicCall(revision.id, str(path), "upgrade", functions["upgrade"], root)),),
        (RunPython(AlembicCall(revision.id, str(path), "downgrade", functions["downgrade"], root)),),
    )


def _nothing() -> None:
    """A script without ``downgrade()`` downgrades by doing nothing, as under Alembic."""


def _module(revision: Revision, path: Path, text: str, root: Path) -> ModuleType:
    name = f"_dbshift_alembic_{next(_counter)}_{re.sub(r'[^0-9A-Za-z_]', '_', revision.id)}"
    spec = importlib.util.spec_from_loader(name, loader=None, origin=str(path))
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(path)
    sys.modules[name] = module
    try:
        with importable(root):
            exec(compiled(path, text), module.__dict__)
    except ModuleNotFoundError as exc:
        if exc.name == "alembic":
            raise AlembicMissing(revision.id, str(path)) from None
        raise AlembicScriptFailed(str(path), f"ModuleNotFoundError: {exc}") from exc
    except SyntaxError as exc:
        raise AlembicScriptFailed(str(path), f"line {exc.lineno}: SyntaxError: {exc.msg}") from exc
    except Exception as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise AlembicScriptFailed(str(path), f"{type(exc).__name__}: {detail}".rstrip(": ")) from exc
    finally:
        sys.modules.pop(name, None)
    return module
