"""An upgrade reads the database's schema only when an operation's SQL needs it: a plain ``CREATE TABLE`` or
``CREATE INDEX`` reads no catalog (on a 1,000-table PostgreSQL database a read costs about 0.2 s), while an
operation that does need it reads the database as the earlier operations of the run left it."""

from __future__ import annotations

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
