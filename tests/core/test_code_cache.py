"""Python migrations compiled once: the code run is always that of the file's text as it is now."""

from __future__ import annotations

import marshal
import os
import sqlite3
from pathlib import Path

import pytest

from dbshift.config import Config
from dbshift.project import code_cache, files
from dbshift import api

MIGRATION = '''\
"""{message}"""

from dbshift.migration import *  # noqa: F401,F403

revision = "r1"
parents = ()
message = "{message}"

upgrade = [RunSQL("CREATE TABLE {table} (id integer PRIMARY KEY)  ")]
'''


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("DBSHIFT_CACHE_DIR", str(folder))
    return folder


def _sql(migrations: Path) -> str:
    (revision,) = files.scan(migrations)
    (op,) = files.load(revision).upgrade
    return op.sql


def _project(tmp_path: Path) -> tuple[Path, Path]:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    path = migrations / "r1_first.py"
    path.write_text(MIGRATION.format(message="first", table="t1"))
    return migrations, path


def test_the_code_is_remembered_and_an_edit_runs_at_once_whatever_its_times(tmp_path: Path, cache: Path):
    migrations, path = _project(tmp_path)
    assert _sql(migrations) == "CREATE TABLE t1 (id integer PRIMARY KEY)  "
    assert len(list((cache / "code").glob("*.bin"))) == 1, "the compiled file is remembered"
    assert _sql(migrations) == "CREATE TABLE t1 (id integer PRIMARY KEY)  "

    before = path.stat()
    path.write_text(path.read_text().replace("t1", "t2"))  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same modification time
    assert _sql(migrations) == "CREATE TABLE t2 (id integer PRIMARY KEY)  "
    # whitespace the checksum does not count is still part of the code
    path.write_text(path.read_text().replace("PRIMARY KEY)  ", "PRIMARY KEY) \t"))
    assert _sql(migrations) == "CREATE TABLE t2 (id integer PRIMARY KEY) \t"


def test_an_unreadable_entry_is_compiled_again(tmp_path: Path, cache: Path):
    migrations, _ = _project(tmp_path)
    _sql(migrations)
    (entry,) = (cache / "code").glob("*.bin")
    for garbage in (b"", entry.read_bytes()[:20], b"\xff\x00junk", b"N"):  # empty, cut short, not marshal, not code
        entry.write_bytes(garbage)
        assert _sql(migrations) == "CREATE TABLE t1 (id integer PRIMARY KEY)  "


def test_a_migration_applied_through_the_cache_builds_the_same_database(tmp_path: Path, cache: Path):
    migrations, _ = _project(tmp_path)
    for name in ("a", "b"):
        config = Config(root=tmp_path, migrations=migrations, url=f"sqlite:///{tmp_path / name}.db", url_source="test")
        api.upgrade(config)
        with sqlite3.connect(tmp_path / f"{name}.db") as db:
            assert db.execute("SELECT name FROM sqlite_master WHERE name = 't1'").fetchall() == [("t1",)]
            assert db.execute("SELECT revision, status FROM dbshift_history").fetchall() == [("r1", "applied")]
    assert len(list((cache / "code").glob("*.bin"))) == 1


def test_the_cache_can_be_turned_off_and_an_unwritable_one_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    migrations, _ = _project(tmp_path)
    monkeypatch.setenv("DBSHIFT_CACHE_DIR", "")
    assert _sql(migrations) == "CREATE TABLE t1 (id integer PRIMARY KEY)  "
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    monkeypatch.setenv("DBSHIFT_CACHE_DIR", str(blocked))
    assert _sql(migrations) == "CREATE TABLE t1 (id integer PRIMARY KEY)  "
    assert not (tmp_path / "cache").exists()


def test_the_oldest_entries_go_once_there_are_too_many(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(code_cache, "KEEP", 10)
    folder = cache / "code"
    folder.mkdir(parents=True)
    for n in range(12):
        old = folder / f"{n:040x}.bin"
        old.write_bytes(b"")
        os.utime(old, ns=(n * 10**9, n * 10**9))
    migrations, path = _project(tmp_path)
    _sql(migrations)
    left = sorted(p.name for p in folder.glob("*.bin"))
    assert len(left) == 9 and f"{0:040x}.bin" not in left and f"{11:040x}.bin" in left

    # the folder is counted at most once a day, not on every write
    for n in range(12, 20):
        (folder / f"{n:040x}.bin").write_bytes(b"")
    path.write_text(path.read_text().replace("t1", "t3"))
    _sql(migrations)
    assert len(list(folder.glob("*.bin"))) == 18, "counted again too soon"
    day_ago = (folder / ".pruned").stat().st_mtime - code_cache.PRUNE_EVERY_S - 1
    os.utime(folder / ".pruned", (day_ago, day_ago))
    path.write_text(path.read_text().replace("t3", "t4"))
    _sql(migrations)
    assert len(list(folder.glob("*.bin"))) == 9


def test_code_someone_else_put_in_a_shared_cache_is_not_run(tmp_path: Path, cache: Path):
    if not hasattr(os, "chown") or os.getuid() != 0:
        pytest.skip("needs to give a file to another user (root)")
    migrations, path = _project(tmp_path)
    _sql(migrations)
    (entry,) = (cache / "code").glob("*.bin")
    planted = marshal.dumps(compile(path.read_text().replace("CREATE TABLE t1", "DROP TABLE t1"), str(path), "exec"))
    entry.write_bytes(planted)  # this user's own entry is trusted (what makes the check below mean something)
    assert _sql(migrations) == "DROP TABLE t1 (id integer PRIMARY KEY)  "
    entry.write_bytes(planted)
    os.chown(entry, 4242, -1)  # the same file under the expected name, written by another user
    assert _sql(migrations) == "CREATE TABLE t1 (id integer PRIMARY KEY)  "
    assert entry.stat().st_uid == os.getuid(), "compiled again and put back, this user's"
