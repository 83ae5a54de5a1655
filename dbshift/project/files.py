"""Migration files on disk: naming, scanning headers, loading, writing, checksums.

A migration is either a Python file::

    revision = "20261121142301_9f3a"
    parents = ("20261120101010_aaaa",)
    message = "add price"

    upgrade = [AddColumn("product", Column("price", "numeric(10,2)"))]
    downgrade = [...]  # optional; the reverse of ``upgrade`` otherwise

or a SQL file whose header comments name it::

    -- revision: 20261121142301_9f3a
    -- parents: 20261120101010_aaaa
    -- message: add price
    ALTER TABLE product ADD COLUMN price numeric(10,2);
    -- down
    ALTER TABLE product DROP COLUMN price;

:func:`scan` reads only the headers (it never imports a file), so building the
revision graph stays fast and safe; :func:`load` runs one file for its operations.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import itertools
import os
import re
import sys
import tempfile
import unicodedata
from dataclasses import field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Collection, Iterable, Mapping, Sequence, TypeGuard

from . import alembic
from .header_cache import HeaderCache, Stat, stat_of
from ..core.errors import DbshiftError
from ..core.graph import Revision
from ..core.values import frozen

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

    from ..core.ops import Op

__all__ = [
    "BadMigrationFile", "MigrationFileExists", "Migration", "new_revision_id", "slugify", "file_name",
    "scan", "read_header", "load", "checksum", "file_checksum", "write_migration", "set_parents",
    "render_sql_migration", "write_sql_migration", "created_at",
]

SUFFIXES = (".py", ".sql")
SLUG_MAX = 40


# --- errors -----------------------------------------------------------------


class BadMigrationFile(DbshiftError):
    """A migration file that cannot be read: no header, a bad value, an import error."""

    def __init__(self, path: str | os.PathLike[str], detail: str) -> None:
        self.path = str(path)
        self.detail = _first_line(detail)
        super().__init__(f"bad migration file {self.path}: {self.detail}")


class MigrationFileExists(DbshiftError):
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        super().__init__(f"migration file {self.path} already exists; not overwriting it")


def _first_line(text: str) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[0] if lines else "(no detail)"


# --- names ------------------------------------------------------------------


def new_revision_id(now: datetime, existing: Collection[str]) -> str:
    """``YYYYMMDDHHMMSS_xxxx``: the UTC time and 4 random hex digits, not in ``existing``.

    Ids sort in creation order: within the same second the suffix is chosen above
    those of the ``existing`` ids of that second, in the lower half of what is left,
    so that a later id of the same second still finds room above it.
    """
    moment = now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now.astimezone(timezone.utc)
    prefix = moment.strftime("%Y%m%d%H%M%S") + "_"
    taken = {e for e in existing if e.startswith(prefix)}
    low = 0
    for rev_id in taken:
        suffix = rev_id[len(prefix):]
        if re.fullmatch(r"[0-9a-f]{4}", suffix):
            low = max(low, int(suffix, 16) + 1)
    if low > 0xFFFF:  # a full second: fall back to any free suffix
        low = 0
    import secrets

    while True:
        candidate = f"{prefix}{low + secrets.randbelow(max(1, (0x10000 - low) // 2)):04x}"
        if candidate not in taken:
            return candidate


def slugify(message: str) -> str:
    """Lower-case ASCII words of ``message`` joined by ``_``, at most 40 characters (maybe ``""``)."""
    ascii_text = unicodedata.normalize("NFKD", message).encode("ascii", "ignore").decode("ascii")
    slug = ""
    for word in re.findall(r"[a-z0-9]+", ascii_text.lower()):
        longer = f"{slug}_{word}" if slug else word
        if len(longer) > SLUG_MAX:
            if not slug:
                slug = word[:SLUG_MAX]
            break
        slug = longer
    return slug


def file_name(revision_id: str, message: str, suffix: str = ".py") -> str:
    """``<revision_id>_<slug>.py``, or ``<revision_id>.py`` when the message has no words."""
    slug = slugify(message)
    return f"{revision_id}_{slug}{suffix}" if slug else f"{revision_id}{suffix}"


# --- scanning headers -------------------------------------------------------

_PY_ASSIGN = re.compile(r"(revision|parents|message)\s*(?::[^=]*)?=(?!=)\s*(.*?)\s*$")
_PY_STOP = re.compile(r"(upgrade|downgrade)\b")
_SQL_KEY = re.compile(r"--\s*(revision|parents|message)\s*:(.*)$", re.IGNORECASE)
_SQL_DOWN = re.compile(r"--\s*down\s*:?\s*$", re.IGNORECASE)
_MAX_CONTINUATION = 50


def scan(directory: Path, listed: Mapping[str, Stat] | None = None) -> list[Revision]:
    """The revision of every migration file in ``directory`` (not recursive), by file name.

    Only headers are read (and remembered while a file is unchanged: :mod:`.header_cache`); no file is
    imported.  ``BadMigrationFile`` for a file without a valid header.  ``listed``, the stat of each file
    of the directory as the caller just listed it, saves listing it again.  An Alembic script folder
    (:mod:`.alembic`) adds the scripts of its ``versions/`` and leaves out its ``env.py`` and helper modules.
    """
    directory = Path(directory)
    alembic_folder = alembic.is_script_folder(directory)
    if alembic_folder or listed is None:
        with os.scandir(directory) as entries:
            listed = {e.name: stat_of(e.stat()) for e in entries if e.is_file()}
    found = sorted((name, stat) for name, stat in listed.items() if _is_migration_name(name))
    cache = None if alembic_folder else HeaderCache.open(directory)  # headers remembered while files are unchanged
    read = _header_and_checksum if cache is not None and cache.on else read_header
    revisions = []
    for name, stat in found:
        if alembic_folder and (name in alembic.FOLDER_FILES or not _declares_revision(directory / name)):
            continue  # Alembic's env.py and the helper modules beside it
        revisions.append(read_header(directory / name) if cache is None else cache.revision(name, stat, read))
    if cache is not None:
        cache.save({name for name, _ in found})
    if alembic_folder:
        revisions.extend(alembic.revisions(directory))
    return revisions


def _header_and_checksum(path: Path) -> Revision:
    """:func:`read_header`, with the checksum of the whole text (what the header cache remembers)."""
    revision = read_header(path)
    try:
        return replace(revision, checksum=file_checksum(path))
    except OSError as exc:
        raise BadMigrationFile(path, exc.strerror or str(exc)) from None


def _declares_revision(path: Path) -> bool:
    """Whether a file in an Alembic script folder has a dbshift header (a ``revision`` line or comment)."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            return "revision" in (_sql_header(f) if path.suffix == ".sql" else _py_header(path, f))
    except (OSError, UnicodeDecodeError, BadMigrationFile):
        return True  # read_header says what is wrong with it


def _is_migration_name(name: str) -> bool:
    return name.endswith(SUFFIXES) and not name.startswith(("_", "."))


def read_header(path: Path) -> Revision:
    """The :class:`Revision` a migration file declares, from its header only."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8-sig") as f:
            if path.suffix == ".sql":
                fields = _sql_header(f)
            else:
                fields = _py_header(path, f)
    except UnicodeDecodeError as exc:
        raise BadMigrationFile(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise BadMigrationFile(path, exc.strerror or str(exc)) from None
    return _revision(path, fields)


def _py_header(path: Path, lines: Iterable[str]) -> dict[str, tuple[int, object]]:
    """``{name: (line number, value)}`` for the top-level header assignments."""
    found: dict[str, tuple[int, object]] = {}
    quote: str | None = None  # inside a triple-quoted string opened with this
    numbered = enumerate(lines, 1)
    for number, line in numbered:
        if quote is not None:
            if quote in line:
                quote = None
            continue
        match = _PY_ASSIGN.match(line)
        if match:
            name, text = match.groups()
            if name not in found:  # the first assignment counts
                found[name] = (number, _py_value(path, number, name, text, numbered))
            if len(found) == 3:
                break
            continue
        if _PY_STOP.match(line) and "revision" in found and "parents" in found:
            break
        quote = _opens_triple_quote(line)
    return found


def _py_value(path: Path, number: int, name: str, text: str, more: Iterable[tuple[int, str]]) -> object:
    """The literal after ``name =``, reading continuation lines if it spans several."""
    for _ in range(_MAX_CONTINUATION):
        try:
            return ast.literal_eval(text)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as exc:
            if not isinstance(exc, SyntaxError) or not text:
                break
            nxt = next(iter(more), None)
            if nxt is None:
                break
            text += "\n" + nxt[1]
    raise BadMigrationFile(path, f"line {number}: {name} must be a literal value")


def _opens_triple_quote(line: str) -> str | None:
    """The triple quote a line leaves open (a docstring spanning lines), if any."""
    found = [(line.find(q), q) for q in ('"""', "'''") if q in line]
    if not found:
        return None
    position, quote = min(found)
    if "#" in line[:position]:
        return None
    return quote if line.count(quote) % 2 else None


def _sql_header(lines: Iterable[str]) -> dict[str, tuple[int, object]]:
    found: dict[str, tuple[int, object]] = {}
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("--") or _SQL_DOWN.match(stripped):
            break
        match = _SQL_KEY.match(stripped)
        if match:
            key, value = match.group(1).lower(), match.group(2).strip()
            if key == "parents":
                found.setdefault(key, (number, tuple(p for p in re.split(r"[\s,]+", value) if p)))
            else:
                found.setdefault(key, (number, value))
    return found


def _revision(path: Path, fields: dict[str, tuple[int, object]]) -> Revision:
    sql = path.suffix == ".sql"
    if "revision" not in fields:
        hint = "'-- revision: <id>' header comment" if sql else "'revision = \"<id>\"' line"
        raise BadMigrationFile(path, f"no {hint}")
    line, rev_id = fields["revision"]
    if not isinstance(rev_id, str) or not rev_id or re.search(r"[\s,]", rev_id):
        raise BadMigrationFile(path, f"line {line}: revision must be a non-empty string without spaces or commas")
    if "parents" not in fields:
        hint = "'-- parents:' header comment (empty for the first migration)" if sql else (
            "'parents = (...)' line (use parents = () for the first migration)"
        )
        raise BadMigrationFile(path, f"no {hint}")
    line, raw = fields["parents"]
    parents = _parents(raw)
    if parents is None:
        raise BadMigrationFile(path, f"line {line}: parents must be a revision id, a tuple of them, or ()")
    message: object = fields.get("message", (0, ""))[1]
    if message is None:
        message = ""
    if not isinstance(message, str):
        raise BadMigrationFile(path, f"line {fields['message'][0]}: message must be a string")
    return Revision(rev_id, parents, message, str(path))


def _parents(raw: object) -> tuple[str, ...] | None:
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (raw,) if raw else ()
    if isinstance(raw, (tuple, list)) and all(isinstance(p, str) and p for p in raw):
        return tuple(raw)
    return None


# --- loading ----------------------------------------------------------------


@frozen
class Migration:
    """A loaded migration file: its operations and the checksum of its text."""

    revision: Revision
    upgrade: tuple[Op, ...]
    downgrade: tuple[Op, ...] | None  # None: the reverse of ``upgrade``
    checksum: str
    kind: str  # "python" | "sql" | "alembic"
    lint_ignore: tuple[str, ...] = ()  # lint codes the file silences for itself
    reasons: Mapping[str, str] = field(default_factory=dict)  # code -> why the file accepts it (an acknowledgement)
    lock_timeout: float | None = None  # seconds a statement may wait for a lock (``lock_timeout = "2s"``)
    lock_retries: int = 0  # times the migration is retried when a lock is not granted in time

    @property
    def lock(self) -> tuple[float | None, int]:
        """``(lock_timeout, lock_retries)``, as the runner's :class:`~dbshift.runner.events.Step` takes them."""
        return self.lock_timeout, self.lock_retries

    def downgrade_ops(self) -> tuple[Op, ...]:
        """The hand-written downgrade, else the reverse of ``upgrade`` (may raise IrreversibleOperation)."""
        if self.downgrade is not None:
            return self.downgrade
        from ..core.ops import reverse_all

        return tuple(reverse_all(self.upgrade))


_load_counter = itertools.count(1)


def load(revision: Revision, dialect: str | Dialect | None = None) -> Migration:
    """Read (and for Python, run) the file ``revision`` came from.

    With ``dialect`` (a name, or a connection's dialect, which knows the server's version), the
    operations are bound to it: the SQLAlchemy types and defaults a file states become that
    database's type strings and SQL (:func:`dbshift.sqla.declared.bind`).  Without, they stay as
    the file states them.  The checksum is of the text either way.
    """
    if not revision.path:
        raise BadMigrationFile(f"<revision {revision.id}>", "the revision has no file")
    path = Path(revision.path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadMigrationFile(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise BadMigrationFile(path, exc.strerror or str(exc)) from None
    if path.suffix == ".sql":
        upgrade, downgrade = _sql_ops(text)
        codes, reasons = _sql_lint_ignore(text)
        timeout, retries = _sql_lock(path, text)
        return Migration(revision, upgrade, downgrade, checksum(text), "sql", codes, reasons,
                         lock_timeout=timeout, lock_retries=retries)
    if alembic.is_script(path):
        from .alembic.running import load_script

        upgrade, downgrade = load_script(revision, text)
        return Migration(revision, upgrade, downgrade, checksum(text), "alembic")
    upgrade, downgrade, reasons, (timeout, retries) = _python_ops(revision, path, text)
    if dialect is not None:
        upgrade, downgrade = _bound(path, upgrade, dialect), None if downgrade is None else _bound(path, downgrade, dialect)
    return Migration(revision, upgrade, downgrade, checksum(text), "python", tuple(reasons),
                     {code: why for code, why in reasons.items() if why}, lock_timeout=timeout, lock_retries=retries)


def _bound(path: Path, ops: tuple[Op, ...], dialect: str | Dialect) -> tuple[Op, ...]:
    """``ops`` bound to ``dialect``; a type or default SQLAlchemy cannot build there is a bad file."""
    import sqlalchemy as sa

    from ..sqla.declared import bind

    try:
        return bind(ops, dialect)
    except sa.exc.SQLAlchemyError as exc:
        name = dialect if isinstance(dialect, str) else dialect.name
        raise BadMigrationFile(path, f"a column type or default cannot be built on {name}: {exc}") from exc


def _sql_lint_ignore(text: str) -> tuple[tuple[str, ...], dict[str, str]]:
    """The codes of the ``-- lint_ignore: DS106, DS107`` lines, and the reason each line gives after its codes
    (``-- lint_ignore: DS101 the table was archived to cold storage``)."""
    codes: list[str] = []
    reasons: dict[str, str] = {}
    for line in text.splitlines():
        match = _SQL_LINT_IGNORE.match(line.strip())
        if not match:
            continue
        listed = _LEADING_CODES.match(match.group(1).strip())
        named = [c for c in re.split(r"[\s,]+", listed.group(1)) if c] if listed else []
        why = (listed.group(2) if listed else match.group(1)).strip()
        if not named:  # no code first: the words are the codes, as older files wrote them
            named, why = [c for c in re.split(r"[\s,]+", match.group(1).strip()) if c], ""
        codes += [c for c in named if c not in codes]
        reasons.update({c: why for c in named if why})
    return tuple(codes), reasons


def _python_ops(
    revision: Revision, path: Path, text: str
) -> tuple[tuple[Op, ...], tuple[Op, ...] | None, dict[str, str], tuple[float | None, int]]:
    """Run the file as a module of its own (a private name; not put on ``sys.path``): its upgrade,
    downgrade, ``lint_ignore`` (each code with its reason, ``""`` when the file gives none) and
    ``(lock_timeout, lock_retries)``."""
    from .code_cache import compiled

    name = f"_dbshift_migration_{next(_load_counter)}_{re.sub(r'[^0-9A-Za-z_]', '_', revision.id)}"
    spec = importlib.util.spec_from_loader(name, loader=None, origin=str(path))
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(path)
    sys.modules[name] = module  # while it runs, for code that looks itself up (dataclasses, pickle)
    try:
        exec(compiled(path, text), module.__dict__)
    except SyntaxError as exc:
        raise BadMigrationFile(path, f"line {exc.lineno}: SyntaxError: {exc.msg}") from exc
    except Exception as exc:
        detail = f"{type(exc).__name__}: {_first_line(str(exc))}" if str(exc).strip() else type(exc).__name__
        line = _failing_line(exc, path)
        raise BadMigrationFile(path, f"line {line}: {detail}" if line else detail) from exc
    finally:
        sys.modules.pop(name, None)
    declared = getattr(module, "revision", revision.id)
    if declared != revision.id:
        raise BadMigrationFile(path, f"declares revision {declared!r}, expected {revision.id!r}")
    if not hasattr(module, "upgrade"):
        raise BadMigrationFile(path, "no 'upgrade = [...]' list of operations")
    upgrade = _op_list(path, "upgrade", module.upgrade)
    downgrade = getattr(module, "downgrade", None)
    ignore = getattr(module, "lint_ignore", ())
    if isinstance(ignore, str):
        ignore = (ignore,)
    if isinstance(ignore, Mapping):
        if not all(isinstance(c, str) and isinstance(why, str) for c, why in ignore.items()):
            raise BadMigrationFile(path, 'lint_ignore must map codes to reasons, such as {"DS101": "archived first"}')
        reasons = {c: why.strip() for c, why in ignore.items()}
    elif isinstance(ignore, (tuple, list)) and all(isinstance(c, str) for c in ignore):
        reasons = dict.fromkeys(ignore, "")
    else:
        raise BadMigrationFile(path, "lint_ignore must be a tuple of codes such as (\"DS106\",), "
                                     "or codes with reasons such as {\"DS101\": \"archived first\"}")
    lock = _lock(path, getattr(module, "lock_timeout", None), getattr(module, "lock_retries", None))
    return upgrade, None if downgrade is None else _op_list(path, "downgrade", downgrade), reasons, lock


def _failing_line(exc: BaseException, path: Path) -> int | None:
    """The line of the migration file ``path`` where running it raised ``exc`` (its innermost frame there)."""
    import traceback

    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
    return lines[-1] if lines else None


def _op_list(path: Path, name: str, value: object) -> tuple[Op, ...]:
    from ..core.ops import Op

    if not isinstance(value, (list, tuple)):
        raise BadMigrationFile(path, f"{name} must be a list of operations, not {type(value).__name__}")
    for i, op in enumerate(value):
        if not isinstance(op, Op):
            raise BadMigrationFile(path, f"{name}[{i}] is not an operation (got {type(op).__name__})")
    return tuple(value)


def _sql_ops(text: str) -> tuple[tuple[Op, ...], tuple[Op, ...] | None]:
    """The SQL after the header comments, split at a ``-- down`` line."""
    lines = text.splitlines()
    start = 0
    while start < len(lines):
        stripped = lines[start].strip()
        if stripped and (not stripped.startswith("--") or _SQL_DOWN.match(stripped)):
            break
        start += 1
    up: list[str] = []
    down: list[str] | None = None
    target = up
    for line in lines[start:]:
        if down is None and _SQL_DOWN.match(line.strip()):
            down = []
            target = down
            continue
        target.append(line)
    upgrade = _run_sql(up)
    return upgrade, None if down is None else _run_sql(down)


def _run_sql(lines: Sequence[str]) -> tuple[Op, ...]:
    sql = "\n".join(lines).strip()
    from ..core.ops import RunSQL

    return (RunSQL(sql),) if sql else ()


_SQL_LINT_IGNORE = re.compile(r"--\s*lint_ignore\s*:(.*)$", re.IGNORECASE)
_LEADING_CODES = re.compile(r"^((?:DS\d{3}\b[\s,]*)+)[:\-\u2014]?\s*(.*)$", re.IGNORECASE)


# --- lock_timeout, lock_retries -------------------------------------------------

_SQL_LOCK = re.compile(r"--\s*(lock_timeout|lock_retries)\s*:(.*)$", re.IGNORECASE)
DEFAULT_LOCK_RETRIES = 3
"""Retries of a migration that declares ``lock_timeout`` but not ``lock_retries``."""


def _sql_lock(path: Path, text: str) -> tuple[float | None, int]:
    """The ``-- lock_timeout: 2s`` and ``-- lock_retries: 5`` header lines of a SQL migration."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and (not stripped.startswith("--") or _SQL_DOWN.match(stripped)):
            break  # the header ends with the first statement
        match = _SQL_LOCK.match(stripped)
        if match:
            found.setdefault(match.group(1).lower(), match.group(2).strip())
    retries: object = found.get("lock_retries")
    if isinstance(retries, str) and re.fullmatch(r"\d+", retries):
        retries = int(retries)
    return _lock(path, found.get("lock_timeout"), retries)


def _lock(path: Path, timeout: object, retries: object) -> tuple[float | None, int]:
    """``(seconds, retries)`` from a migration's ``lock_timeout`` (a duration such as ``"2s"``, or a number of
    seconds) and ``lock_retries`` (a whole number, 0 or more); ``BadMigrationFile`` for anything else."""
    from ..core.durations import BadDuration, seconds

    if timeout is None:
        if retries not in (None, 0):
            raise BadMigrationFile(path, "lock_retries needs a lock_timeout, such as lock_timeout = \"2s\"")
        return None, 0
    try:
        if isinstance(timeout, bool) or not isinstance(timeout, (str, int, float)):
            raise BadDuration(str(timeout))
        value = seconds(timeout)
        if value is None or value <= 0:
            raise BadDuration(str(timeout))
    except BadDuration:
        raise BadMigrationFile(path, f"lock_timeout must be a duration such as \"2s\" or \"500ms\", not {timeout!r}") from None
    if retries is None:
        return value, DEFAULT_LOCK_RETRIES
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise BadMigrationFile(path, f"lock_retries must be a whole number, 0 or more, not {retries!r}")
    return value, retries


# --- checksums --------------------------------------------------------------


def checksum(text: str) -> str:
    """SHA-256 of ``text`` ignoring line endings, trailing whitespace and trailing blank lines."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return hashlib.sha256("\n".join(lines).encode("utf-8", "surrogateescape")).hexdigest()


def file_checksum(path: Path) -> str:
    return checksum(Path(path).read_bytes().decode("utf-8", "surrogateescape"))


# --- writing ----------------------------------------------------------------


def write_migration(
    directory: Path,
    revision_id: str,
    parents: Sequence[str],
    message: str,
    upgrade_ops: Sequence[Op],
    *,
    downgrade_ops: Sequence[Op] | None = None,
    now: datetime,
    lock_timeout: str | None = None,
    lock_retries: int = 0,
) -> Path:
    """Write a new migration file atomically; ``MigrationFileExists`` rather than overwrite.  ``lock_timeout``
    and ``lock_retries``: the lines that bound its lock waits (:func:`codegen.render_migration`)."""
    directory = Path(directory)
    from . import codegen

    source = codegen.render_migration(
        revision_id, tuple(parents), message, list(upgrade_ops), downgrade_ops=downgrade_ops, created=now,
        lock_timeout=lock_timeout, lock_retries=lock_retries,
    )
    compile(source, "<generated migration>", "exec", dont_inherit=True)  # never write a broken file
    path = directory / file_name(revision_id, message)
    _write_new(path, source)
    return path


def _write_new(path: Path, text: str) -> None:
    """Create ``path`` holding ``text``, in one step; ``MigrationFileExists`` if it is there already."""
    if path.exists():
        raise MigrationFileExists(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".dbshift-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        _publish(Path(temp), path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


SQL_UPGRADE_HINT = "-- Write the upgrade's SQL below; end each statement with ';'."
SQL_DOWN_HINT = (
    "-- To make it reversible, end the file with a line '-- down' followed by the SQL that undoes it\n"
    "-- (without one, 'downgrade' refuses to go back past this migration)."
)


def render_sql_migration(
    revision_id: str, parents: Sequence[str], message: str, upgrade_sql: str = "", downgrade_sql: str | None = None,
    *, created: datetime, lock_timeout: str | None = None, lock_retries: int = 0,
) -> str:
    """The text of a SQL migration: its header comments (with ``lock_timeout``, the ``-- lock_timeout:`` and
    ``-- lock_retries:`` lines), the upgrade, and a ``-- down`` section when ``downgrade_sql`` is given
    (empty: a downgrade that runs nothing).  Without SQL, hints where it goes."""
    stamp = _utc(created).strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = [
        f"-- revision: {revision_id}",
        f"-- parents: {', '.join(parents)}".rstrip(),
        f"-- message: {' '.join(message.split())}".rstrip(),
        f"-- created: {stamp}",
    ]
    if lock_timeout is not None:
        lines += [f"-- lock_timeout: {lock_timeout}", f"-- lock_retries: {int(lock_retries)}"]
    lines.append("")
    if upgrade_sql.strip():
        lines.append(upgrade_sql.strip())
    else:
        lines.append(SQL_UPGRADE_HINT)
        if downgrade_sql is None:
            lines.append(SQL_DOWN_HINT)
    if downgrade_sql is not None:
        lines += ["", "-- down"] + ([downgrade_sql.strip()] if downgrade_sql.strip() else [])
    return "\n".join(lines) + "\n"


def write_sql_migration(
    directory: Path, revision_id: str, parents: Sequence[str], message: str, upgrade_sql: str = "",
    downgrade_sql: str | None = None, *, now: datetime, lock_timeout: str | None = None, lock_retries: int = 0,
) -> Path:
    """Write a new ``.sql`` migration atomically (see :func:`render_sql_migration`); ``MigrationFileExists``
    rather than overwrite.  The file is read back as the history will read it: its header must name it."""
    text = render_sql_migration(revision_id, parents, message, upgrade_sql, downgrade_sql, created=now,
                                lock_timeout=lock_timeout, lock_retries=lock_retries)
    path = Path(directory) / file_name(revision_id, message, ".sql")
    _write_new(path, text)
    declared = read_header(path)
    if (declared.id, declared.parents) != (revision_id, tuple(parents)):  # never leave a file that misreads
        path.unlink()
        raise BadMigrationFile(path, "its header could not be written so that it reads back; this is a bug")
    return path


def created_at(revision: Revision) -> datetime | None:
    """When a migration was written: the time its id starts with (``20261121142301_9f3a``), else the
    ``Created:``/``Create Date:`` line near the top of its file (Alembic's scripts have one); None if neither."""
    stamp = revision.id[:14]
    if len(revision.id) > 14 and revision.id[14] == "_" and stamp.isascii() and stamp.isdigit():
        try:  # the fields by hand: strptime is several times slower, and a history lists thousands
            return datetime(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]), int(stamp[8:10]), int(stamp[10:12]),
                            int(stamp[12:14]), tzinfo=timezone.utc)
        except ValueError:
            pass
    if not revision.path:
        return None
    try:
        with open(revision.path, encoding="utf-8-sig", errors="replace") as f:
            head = [next(f, "") for _ in range(30)]
    except OSError:
        return None
    for line in head:
        found = _CREATED.search(line)
        if found:
            try:
                return datetime.fromisoformat(found.group(1).strip().removesuffix(" UTC").replace(" ", "T"))
            except ValueError:
                return None
    return None


_CREATED = re.compile(r"^\W*(?:created|create date)\s*:\s*([0-9][0-9:. T+-]*(?:UTC)?)", re.IGNORECASE)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


_BOM = b"\xef\xbb\xbf"
_DOC_PARENTS = re.compile(rb"^(\s*Parents:)[ \t]*[^\r\n]*")
_SQL_PARENTS = re.compile(rb"^([ \t]*--[ \t]*parents[ \t]*:)[^\r\n]*", re.IGNORECASE)


def set_parents(path: Path, parents: Sequence[str]) -> None:
    """Rewrite the parents a migration file declares; every other byte stays as it was.

    Python: the value of the top-level ``parents = ...`` and the docstring's
    ``Parents:`` line (if any); SQL: the ``-- parents:`` header.  The file is
    replaced atomically.  ``BadMigrationFile`` if there is no such declaration.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadMigrationFile(path, exc.strerror or str(exc)) from None
    bom = _BOM if data.startswith(_BOM) else b""
    lines = data[len(bom):].splitlines(keepends=True)
    if path.suffix == ".sql":
        _sql_set_parents(path, lines, parents)
    else:
        _py_set_parents(path, lines, parents)
    _replace(path, bom + b"".join(lines))
    try:
        rewritten = read_header(path).parents == tuple(parents)
    except BadMigrationFile:
        rewritten = False
    if not rewritten:  # the header reader sees another declaration: put the file back
        _replace(path, data)
        raise BadMigrationFile(path, "its parents could not be rewritten; edit them by hand")


def _sql_set_parents(path: Path, lines: list[bytes], parents: Sequence[str]) -> None:
    for i, line in enumerate(lines):
        text = line.decode("utf-8", "surrogateescape")
        stripped = text.strip()
        if not stripped:
            continue
        if not stripped.startswith("--") or _SQL_DOWN.match(stripped):
            break
        match = _SQL_PARENTS.match(line)
        if match:
            lines[i] = (match.group(1) + b" " + ", ".join(parents).encode()).rstrip() + line[match.end():]
            return
    raise BadMigrationFile(path, "no '-- parents:' header comment")


def _py_set_parents(path: Path, lines: list[bytes], parents: Sequence[str]) -> None:
    try:
        tree = ast.parse(b"".join(lines), str(path))
    except (SyntaxError, ValueError) as exc:
        raise BadMigrationFile(path, f"line {getattr(exc, 'lineno', '?')}: {exc}") from None
    value = next((node.value for node in tree.body if _assigns_parents(node)), None)
    if value is None or value.end_lineno is None or value.end_col_offset is None:
        raise BadMigrationFile(path, "no 'parents = (...)' line")
    first, last = value.lineno - 1, value.end_lineno - 1
    from . import codegen

    new = codegen.render_value(tuple(parents)).encode("utf-8")
    lines[first : last + 1] = [lines[first][: value.col_offset] + new + lines[last][value.end_col_offset :]]
    doc = tree.body[0] if tree.body and isinstance(tree.body[0], ast.Expr) else None
    if doc is not None and isinstance(doc.value, ast.Constant) and isinstance(doc.value.value, str):
        for i in range(doc.lineno - 1, (doc.end_lineno or doc.lineno)):
            match = _DOC_PARENTS.match(lines[i])
            if match:
                shown = (", ".join(parents) or "base").encode("utf-8")
                lines[i] = match.group(1) + b" " + shown + lines[i][match.end():]
                break


def _assigns_parents(node: ast.stmt) -> TypeGuard[ast.Assign | ast.AnnAssign]:
    """``parents = ...`` or ``parents: ... = ...`` at the top level."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
    return any(isinstance(t, ast.Name) and t.id == "parents" for t in targets)


def _replace(path: Path, data: bytes) -> None:
    """Overwrite ``path`` with ``data`` in one step, keeping its permissions."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".dbshift-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, path.stat().st_mode & 0o7777)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def _publish(temp: Path, path: Path) -> None:
    """Give ``temp`` the name ``path`` in one step, failing if ``path`` exists."""
    try:
        os.link(temp, path)  # atomic and never overwrites
    except FileExistsError:
        raise MigrationFileExists(path) from None
    except OSError:  # no hard links here: rename, having checked first
        if path.exists():
            raise MigrationFileExists(path) from None
        os.replace(temp, path)
