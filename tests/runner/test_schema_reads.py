"""An upgrade reads the database's schema only when an operation's SQL needs it: a plain ``CREATE TABLE`` or
``CREATE INDEX`` reads no catalog (on a 1,000-table PostgreSQL database a read costs about 0.2 s), while an
operation that does need it reads the database as the earlier operations of the run left it; on SQLite, from
the schema cache when the schema is one read before."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.config import Config
from dbshift.core import model as m
from dbshift.core import ops as o
from dbshift.project import files
from dbshift.sqla import reflect as reflect_package
from dbshift.sqla.reflect import sqlite as sqlite_reflect


@pytest.fixture
def reads(monkeypatch) -> list[int]:
    """One entry per read of the database's whole schema by the runner."""
    seen: list[int] = []
    original = reflect_package.reflect

    def reflect(*args, **kwargs):
        seen.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(reflect_package, "reflect", reflect)
    return seen


def _project(root: Path, url: str) -> Config:
    (root / "migrations").mkdir(parents=True)
    return Config(root=root, migrations=root / "migrations", url=url, url_source="test")


def _write(config: Config, ops: list[o.Op], n: int) -> None:
    rev = f"2026010100{n:04d}_{n:04x}"
    parents = (f"2026010100{n - 1:04d}_{n - 1:04x}",) if n > 1 else ()
    files.write_migration(config.migrations, rev, parents, f"step {n}", ops, now=datetime.now(timezone.utc))


def _shop(name: str = "shop", *, parent: str | None = None) -> m.Table:
    return m.Table(
        name,
        (m.Column("id", "integer", nullable=False), m.Column("name", "varchar(40)")),
        primary_key=m.PrimaryKey(("id",)) if parent is None else None,
        inherits=(m.TableRef(parent),) if parent else (),
        inherited_columns=("id", "name") if parent else (),
    )


def _columns(url: str, table: str) -> list[tuple[str, bool]]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return [(c["name"], c["nullable"]) for c in sa.inspect(engine).get_columns(table)]
    finally:
        engine.dispose()


def test_creating_tables_and_indexes_reads_no_catalog(pg_url, tmp_path, reads):
    config = _project(tmp_path, pg_url)
    _write(config, [o.CreateTable(_shop()), o.CreateIndex("shop", m.Index("ix_shop_name", ("name",)))], 1)
    api.upgrade(config)
    assert reads == []
    engine = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    try:
        assert [i["name"] for i in sa.inspect(engine).get_indexes("shop")] == ["ix_shop_name"]
    finally:
        engine.dispose()


def test_an_operation_that_needs_the_schema_reads_it_as_the_run_left_it(pg_url, tmp_path, reads):
    """Two tables made in the run, a child inheriting from its parent, then a column added to both: the child's
    ADD COLUMN must see that the parent gave it the column already (else PostgreSQL refuses it), which only a
    read made after the tables were created knows."""
    config = _project(tmp_path, pg_url)
    code = m.Column("code", "varchar(8)")
    _write(config, [o.CreateTable(_shop()), o.CreateTable(_shop("branch", parent="shop")),
                    o.AddColumn("shop", code), o.AddColumn("branch", code)], 1)
    api.upgrade(config)
    assert len(reads) == 1  # at the first ADD COLUMN, which asks whether the table has a parent with the column
    assert ("code", True) in _columns(pg_url, "branch")  # from its parent


def test_a_sqlite_upgrade_takes_a_schema_read_before_from_the_cache_and_rebuilds_as_from_the_file(
        tmp_path, monkeypatch):
    """The schema a rebuild consults comes from the cache when ``sqlite_master`` is as when it was read before
    (``autogenerate`` or ``check`` read it, then ``upgrade``): the same rows and schema result as a fresh read."""
    monkeypatch.setenv("DBSHIFT_CACHE_DIR", str(tmp_path / "cache"))
    start = tmp_path / "start.db"
    engine = sa.create_engine(f"sqlite:///{start}", poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE shop (id INTEGER NOT NULL PRIMARY KEY, code VARCHAR(8) NOT NULL)")
        conn.exec_driver_sql("INSERT INTO shop (id, code) VALUES (1, 'a'), (2, 'b')")
    engine.dispose()
    for n, name in enumerate(("first", "second"), 1):
        db = tmp_path / f"{name}.db"
        shutil.copyfile(start, db)
        config = _project(tmp_path / name, f"sqlite:///{db}")
        _write(config, [o.AlterColumn("shop", m.Column("code", "varchar(8)", nullable=False),
                                      m.Column("code", "varchar(8)"))], 1)
        if n == 2:  # the same starting schema: read from the cache, never parsed again
            monkeypatch.setattr(sqlite_reflect, "_read_tables", lambda *a, **k: pytest.fail("read afresh"))
        api.upgrade(config)
        assert _columns(f"sqlite:///{db}", "shop") == [("id", False), ("code", True)]
        rows = sa.create_engine(f"sqlite:///{db}", poolclass=sa.pool.NullPool)
        with rows.connect() as conn:
            assert conn.exec_driver_sql("SELECT id, code FROM shop ORDER BY id").fetchall() == [(1, "a"), (2, "b")]
        rows.dispose()
