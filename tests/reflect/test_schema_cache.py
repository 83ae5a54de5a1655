"""SQLite tables remembered between commands are never stale: any change to the schema is read afresh, and what
comes back from the cache is what reading the database gives."""

from __future__ import annotations

import contextlib
import io
import os
import sqlite3
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift.cli import main
from dbshift.project import schema_cache
from dbshift.sqla.reflect import reflect
from dbshift.sqla.reflect import sqlite as sqlite_reflect
from tests.cli.test_one_line_failures import tmpfs

SCHEMA = """
CREATE TABLE author (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name VARCHAR(80) NOT NULL COLLATE NOCASE,
    email TEXT CONSTRAINT uq_author_email UNIQUE,
    CONSTRAINT ck_author_name CHECK (length(name) > 0)
);
CREATE TABLE book (
    id INTEGER NOT NULL,
    author_id INTEGER,
    title TEXT DEFAULT 'untitled',
    price NUMERIC(10, 2),
    pages INTEGER GENERATED ALWAYS AS (price * 2) VIRTUAL,
    CONSTRAINT pk_book PRIMARY KEY (id),
    CONSTRAINT fk_book_author FOREIGN KEY (author_id) REFERENCES author (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX ix_book_title ON book (title DESC) WHERE price > 0;
CREATE INDEX ix_book_lower ON book (lower(title));
CREATE TABLE tag (name TEXT PRIMARY KEY, hits INTEGER) WITHOUT ROWID;
CREATE TABLE strict_one (id INTEGER PRIMARY KEY, n INT) STRICT;
"""

MODELS = '''
import sqlalchemy as sa

metadata = sa.MetaData()
item = sa.Table("item", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50)))
'''


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("DBSHIFT_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each time the tables are read through the pragmas (not from the cache)."""
    seen: list[str] = []
    original = sqlite_reflect._read_tables

    def counting(rows, master, schema, exclude):  # noqa: ANN001, ANN202 - the wrapped function's own
        seen.append(schema or "main")
        return original(rows, master, schema, exclude)

    monkeypatch.setattr(sqlite_reflect, "_read_tables", counting)
    return seen


def _database(path: Path, script: str = SCHEMA) -> str:
    with sqlite3.connect(path) as conn:
        conn.executescript(script)
    conn.close()
    return f"sqlite:///{path}"


def _read(url: str, *, remember: bool = True, exclude: tuple[str, ...] = ()):  # noqa: ANN202
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return reflect(conn, exclude=exclude, remember=schema_cache.remembered if remember else None)
    finally:
        engine.dispose()


def _execute(url: str, *statements: str) -> None:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()


def test_a_remembered_schema_is_what_reading_the_database_gives(tmp_path: Path, cache: Path, reads: list[str]):
    url = _database(tmp_path / "app.db")
    fresh = _read(url, remember=False)
    assert reads == ["main"]

    first, second = _read(url), _read(url)
    assert reads == ["main", "main"], "read once through the pragmas, then remembered"
    assert len(list(cache.glob("schemas/*.pickle"))) == 1
    assert first == fresh and second == fresh
    book = second.table("book")
    assert book.primary_key.name == "pk_book" and book.foreign_keys[0].deferrable
    assert [c.computed for c in book.columns if c.name == "pages"] == ["price * 2"]
    assert {i.name: i.where for i in book.indexes} == {"ix_book_lower": None, "ix_book_title": "price > 0"}
    assert second.table("tag").options.without_rowid and second.table("strict_one").options.strict
    assert second.table("author").options.autoincrement


@pytest.mark.parametrize("change", [
    "ALTER TABLE book ADD COLUMN isbn VARCHAR(13)",
    "CREATE INDEX ix_book_price ON book (price)",
    "DROP INDEX ix_book_title",
    "ALTER TABLE book RENAME COLUMN title TO name",
    "ALTER TABLE tag RENAME TO label",
    "DROP TABLE strict_one",
    "CREATE TABLE extra (id INTEGER PRIMARY KEY)",
])
def test_every_change_is_read_afresh(tmp_path: Path, cache: Path, reads: list[str], change: str):
    url = _database(tmp_path / "app.db")
    before = _read(url)
    _execute(url, change)
    changed = _read(url)
    assert reads == ["main", "main"], "a changed schema is read through the pragmas again"
    assert changed != before
    assert changed == _read(url, remember=False)


def test_a_change_within_a_definition_is_read_afresh(tmp_path: Path, cache: Path, reads: list[str]):
    """The same tables and columns, a CHECK's text alone different: not the same schema."""
    before = "CREATE TABLE t (id INTEGER PRIMARY KEY, n INT CONSTRAINT ck_n CHECK (n > 0));"
    url = _database(tmp_path / "app.db", before)
    assert _read(url).table("t").checks[0].sqltext == "n > 0"
    _execute(url, "DROP TABLE t", before.replace("n > 0", "n >= 0").rstrip(";"))
    assert _read(url).table("t").checks[0].sqltext == "n >= 0"
    assert len(reads) == 2


def test_the_same_schema_in_another_file_comes_back_as_it_was_read(tmp_path: Path, cache: Path, reads: list[str]):
    one, two = _database(tmp_path / "one.db"), _database(tmp_path / "two.db")
    assert _read(one) == _read(two) == _read(two, remember=False)
    assert reads == ["main", "main"], "one read through the pragmas for each file, remembered once"


def test_attached_databases_and_exclusions_are_remembered_apart(tmp_path: Path, cache: Path, reads: list[str]):
    url = _database(tmp_path / "app.db")
    _database(tmp_path / "other.db")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"ATTACH DATABASE '{tmp_path / 'other.db'}' AS other")
            both = reflect(conn, schemas=(None, "other"), remember=schema_cache.remembered)
            again = reflect(conn, schemas=(None, "other"), remember=schema_cache.remembered)
            without = reflect(conn, schemas=(None, "other"), exclude=("book",), remember=schema_cache.remembered)
    finally:
        engine.dispose()
    assert both == again
    assert {t.key for t in both.tables if t.name == "book"} == {"book", "other.book"}
    assert "book" not in {t.name for t in without.tables}
    assert reads == ["main", "other", "main", "other"], "each database and each exclusion is a schema of its own"


def test_an_unreadable_or_foreign_file_is_not_used(tmp_path: Path, cache: Path, reads: list[str]):
    url = _database(tmp_path / "app.db")
    expected = _read(url)
    (entry,) = cache.glob("schemas/*.pickle")
    entry.write_bytes(b"not a pickle")
    assert _read(url) == expected
    assert entry.read_bytes() != b"not a pickle", "written again"
    entry.write_bytes(schema_cache.pickle.dumps(["not a table"]))
    assert _read(url) == expected
    if os.geteuid() == 0:  # a file another user put under the expected name is not believed
        os.chown(entry, 12345, 12345)
        assert _read(url) == expected
        assert len(reads) == 4
    else:
        assert len(reads) == 3


def test_no_cache_when_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reads: list[str]):
    monkeypatch.setenv("DBSHIFT_CACHE_DIR", "")
    url = _database(tmp_path / "app.db")
    assert _read(url) == _read(url)
    assert reads == ["main", "main"]


def test_the_oldest_schemas_go(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(schema_cache, "KEEP", 4)
    url = _database(tmp_path / "app.db", "CREATE TABLE t0 (id INTEGER PRIMARY KEY);")
    for n in range(1, 7):
        _read(url)
        _execute(url, f"CREATE TABLE t{n} (id INTEGER PRIMARY KEY)")
    assert 3 <= len(list(cache.glob("schemas/*.pickle"))) <= 4


@pytest.mark.parametrize("source", ["core/model.py", "sqla/reflect/sqlite.py", "sqla/types.py"])
def test_an_edited_dbshift_reads_afresh(tmp_path: Path, cache: Path, reads: list[str], source: str):
    """A schema remembered by one dbshift is not believed by another: the tables' classes or the reading may
    have changed.  An edit is stood in for by a new modification time of the file, put back afterwards."""
    url = _database(tmp_path / "app.db")
    first = _read(url)
    path = Path(schema_cache.__file__).resolve().parents[1] / source
    before = path.stat()
    try:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
        schema_cache._code_version.cache_clear()
        assert _read(url) == first
    finally:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        schema_cache._code_version.cache_clear()
    assert reads == ["main", "main"], "read afresh after the edit"
    assert len(list(cache.glob("schemas/*.pickle"))) == 2


def test_check_sees_a_change_made_after_a_remembered_read(tmp_path: Path, cache: Path):
    """Through the command line: check agrees, the database changes behind it, check reports the change."""
    (tmp_path / "shop_models.py").write_text(MODELS)
    (tmp_path / "pyproject.toml").write_text('[tool.dbshift]\nmetadata = "shop_models:metadata"\nmigrations = "m"\n')
    (tmp_path / "m").mkdir()
    url = _database(tmp_path / "app.db", "CREATE TABLE item (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(50));")

    def dbshift(*argv: str) -> tuple[int, str]:
        out = io.StringIO()
        previous = Path.cwd()
        os.chdir(tmp_path)
        try:
            return main(["--url", url, *argv], out, out), out.getvalue()
        finally:
            os.chdir(previous)
            sys.modules.pop("shop_models", None)

    sys.path.insert(0, str(tmp_path))
    try:
        assert dbshift("stamp", "head")[0] == 0
        assert dbshift("check") == (0, "The database matches the models.\n")
        assert dbshift("check")[0] == 0
        _execute(url, "ALTER TABLE item ADD COLUMN price INTEGER")
        code, text = dbshift("check")
        assert code == 2 and "price" in text
    finally:
        sys.path.remove(str(tmp_path))
    assert len(list(cache.glob("schemas/*.pickle"))) == 2


def test_a_cache_that_cannot_be_written_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A cache folder that is a file, then one on a full disk (a small tmpfs, filled): the schema is read as
    usual, and nothing is left there, not even half a file."""
    url = _database(tmp_path / "app.db")
    expected = _read(url, remember=False)
    not_a_folder = tmp_path / "not-a-folder"
    not_a_folder.write_text("")
    monkeypatch.setenv("DBSHIFT_CACHE_DIR", str(not_a_folder))
    assert _read(url) == _read(url) == expected

    with tmpfs(tmp_path / "mnt", "64K") as mnt:
        if mnt is None:
            pytest.skip("mounting a tmpfs is not allowed here; a full disk cannot be made")
        (mnt / "cache" / "schemas").mkdir(parents=True)
        monkeypatch.setenv("DBSHIFT_CACHE_DIR", str(mnt / "cache"))
        with contextlib.suppress(OSError), open(mnt / "filler", "wb") as f:
            f.write(b"\0" * 128 * 1024)
        assert _read(url) == _read(url) == expected
        assert list((mnt / "cache" / "schemas").iterdir()) == []


def test_another_sqlite_library_reads_afresh(tmp_path: Path, cache: Path, reads: list[str]):
    """The pragmas' answers are the SQLite library's: the version the driver runs is part of the name."""
    url = _database(tmp_path / "app.db")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            first = reflect(conn, remember=schema_cache.remembered)
            conn.dialect.server_version_info = (*conn.dialect.server_version_info[:2], 999)
            assert reflect(conn, remember=schema_cache.remembered) == first
    finally:
        engine.dispose()
    assert reads == ["main", "main"]
