"""The round-trip harness: migrate A → B → A → B for real and assert nothing is left to change."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.config import Config
from dbshift.core.findings import SEVERITY
from dbshift.project import files
from dbshift.database.connect import create_engine

Build = Callable[[sa.MetaData], None]

ACKNOWLEDGED = "lint_ignore = {" + ", ".join(
    f'"{code}": "the round trip asks for it"' for code, severity in SEVERITY.items() if severity == "error") + "}"


@pytest.fixture(autouse=True)
def acknowledged_in_each_file(monkeypatch):
    """Every migration these tests write acknowledges lint's errors in its file, as its author does after
    reading them: the round trips check that schemas converge and rows survive (and that the runner's own
    guards refuse values a change would cut); ``upgrade`` refusing what a file does not acknowledge is
    tested in tests/lint."""
    write = files.write_migration

    def write_acknowledged(*args: Any, **kwargs: Any) -> Path:
        path = write(*args, **kwargs)
        text = path.read_text()
        path.write_text(text.replace("\nupgrade = [", f"\n{ACKNOWLEDGED}\nupgrade = [", 1))
        return path

    monkeypatch.setattr(files, "write_migration", write_acknowledged)


def _models(build: Build) -> sa.MetaData:
    metadata = sa.MetaData()
    build(metadata)
    return metadata


def _config(root: Path, url: str, metadata: sa.MetaData) -> Config:
    return Config(root=root, migrations=root / "migrations", url=url, url_source="test", metadata_object=metadata)


def _rows(url: str, table: str, columns: str) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as conn:
        quoted = conn.dialect.identifier_preparer.quote_identifier(table)  # "t" on PostgreSQL, `t` on MySQL
        rows = conn.exec_driver_sql(f"SELECT {columns} FROM {quoted} ORDER BY 1").fetchall()
    engine.dispose()
    return [tuple(r) for r in rows]


def _execute(url: str, sql: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(sql)
    engine.dispose()


def run_roundtrip(
    tmp_path: Path, url: str, a: Build, b: Build, seed: list[str] = (), keep: dict[str, str] = {}, **revision_kw
) -> api.RevisionResult:
    """Migrate A → B → A → B, asserting no differences remain and ``keep`` rows survive each step."""
    root = tmp_path / "project"
    (root / "migrations").mkdir(parents=True)
    models_a, models_b = _models(a), _models(b)
    first = api.revision(_config(root, url, models_a), "a", autogenerate=True)
    assert first.path is not None
    api.upgrade(_config(root, url, models_a))
    assert api.check(_config(root, url, models_a)).ops == ()
    for sql in seed:
        _execute(url, sql)
    before = {t: _rows(url, t, cols) for t, cols in keep.items()}

    second = api.revision(_config(root, url, models_b), "b", autogenerate=True, **revision_kw)
    assert second.ops, "A and B differ, so the migration must not be empty"
    api.upgrade(_config(root, url, models_b))
    assert api.check(_config(root, url, models_b)).ops == ()
    assert {t: _rows(url, t, cols) for t, cols in keep.items()} == before

    api.downgrade(_config(root, url, models_a), "-1")
    assert api.check(_config(root, url, models_a)).ops == ()
    assert {t: _rows(url, t, cols) for t, cols in keep.items()} == before

    api.upgrade(_config(root, url, models_b))
    assert api.check(_config(root, url, models_b)).ops == ()
    return second


@pytest.fixture
def roundtrip(tmp_path: Path):
    """``roundtrip(url, build_a, build_b, seed_sql, keep={table: columns}, **revision_kw)``."""

    def run(url: str, a: Build, b: Build, seed: list[str] = (), keep: dict[str, str] = {}, **kw):
        return run_roundtrip(tmp_path, url, a, b, seed, keep, **kw)

    return run


@pytest.fixture
def rows():
    return _rows


@pytest.fixture
def execute():
    return _execute


@pytest.fixture
def database_of(request, tmp_path: Path):
    """``database_of(kind)``: a fresh, empty database of ``kind`` ("sqlite", "postgresql" or "mariadb").

    One test can ask for several, of different kinds; each server database is
    dropped when the test ends.
    """
    made: list[tuple[Any, str]] = []  # (the server fixture that made it, its URL)

    def make(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / f'{uuid.uuid4().hex[:12]}.db'}"
        if kind not in ("postgresql", "mariadb"):
            raise ValueError(f"no test database of kind {kind!r}: expected sqlite, postgresql or mariadb")
        server = request.getfixturevalue("mariadb_server" if kind == "mariadb" else "postgres_server")
        url = server.create()
        made.append((server, url))
        return url

    yield make
    for server, url in made:
        server.drop(url)
