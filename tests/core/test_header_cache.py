"""Migration headers remembered between commands are never stale: an edit, a new or a removed file shows at once."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from dbshift import api
from dbshift.config import Config
from dbshift.core.graph import RevisionGraph
from dbshift.project import files


def _write(directory: Path, rev: str, parents: str, message: str) -> Path:
    path = directory / f"{rev}.sql"
    path.write_text(f"-- revision: {rev}\n-- parents: {parents}\n-- message: {message}\nSELECT 1;\n")
    return path


def _heads(directory: Path) -> tuple[str, ...]:
    return RevisionGraph.build(files.scan(directory)).heads()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("DBSHIFT_CACHE_DIR", str(folder))
    return folder


def test_edits_new_and_removed_files_show_at_once(tmp_path: Path, cache: Path):
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    _write(migrations, "r1", "", "one")
    second = _write(migrations, "r2", "r1", "two")
    time.sleep(2.1)  # older than the time resolution the cache allows for
    assert _heads(migrations) == ("r2",)
    assert len(list(cache.glob("headers/*.json"))) == 1, "the headers are remembered"
    remembered = files.scan(migrations)

    assert files.scan(migrations) == remembered
    second.write_text(second.read_text().replace("-- parents: r1", "-- parents: r0").replace("r0", "  "))  # same size
    assert [r.parents for r in files.scan(migrations)] == [(), ()], "an edit of the same size is seen"
    _write(migrations, "r2", "r1", "two")
    _write(migrations, "r3", "r2", "three")
    assert _heads(migrations) == ("r3",)
    (migrations / "r3.sql").unlink()
    assert _heads(migrations) == ("r2",)


def test_an_unreadable_cache_is_not_used(tmp_path: Path, cache: Path):
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    _write(migrations, "r1", "", "one")
    time.sleep(2.1)
    expected = files.scan(migrations)
    (path,) = cache.glob("headers/*.json")
    path.write_text("{not json")
    assert files.scan(migrations) == expected
    path.write_text('{"format": 2, "directory": "%s", "entries": {"r1.sql": [[1, 2, 3, 4], "x", [], "", "0"]}}' % migrations)
    assert files.scan(migrations) == expected, "an entry whose file differs is read again"


def test_a_cache_file_another_user_wrote_is_not_believed(tmp_path: Path, cache: Path):
    if not hasattr(os, "chown") or os.getuid() != 0:
        pytest.skip("needs to give a file to another user (root)")
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    path = _write(migrations, "r1", "", "one")
    time.sleep(2.1)
    expected = files.scan(migrations)
    (remembered,) = cache.glob("headers/*.json")
    stat = path.stat()
    key = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]
    planted = '{"format": 2, "directory": "%s", "entries": {"r1.sql": [%s, "r1", [], "planted", "0"]}}' % (migrations, key)
    remembered.write_text(planted)
    assert [r.message for r in files.scan(migrations)] == ["planted"], "this user's own entry is believed"
    remembered.write_text(planted)
    os.chown(remembered, 4242, -1)  # the same file, written by another user
    assert files.scan(migrations) == expected


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DBSHIFT_CACHE_DIR", "")
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    _write(migrations, "r1", "", "one")
    assert [r.id for r in files.scan(migrations)] == ["r1"]
    assert not (tmp_path / "cache").exists()


def test_the_checksums_remembered_are_those_of_the_text_and_an_edit_is_seen(tmp_path: Path, cache: Path):
    """``current``/``check`` compare each applied file's checksum with the one recorded when it ran; the
    remembered checksum is the text's, and any write to the file (same size, times set back) shows as an edit."""
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    first = _write(migrations, "r1", "", "one")
    _write(migrations, "r2", "r1", "two")
    config = Config(root=tmp_path, migrations=migrations, url=f"sqlite:///{tmp_path / 'app.db'}", url_source="test")
    api.upgrade(config)
    time.sleep(2.1)  # older than the time resolution the cache allows for
    scanned = files.scan(migrations)
    assert [r.checksum for r in scanned] == [files.file_checksum(Path(r.path)) for r in scanned]
    assert [r.checksum for r in files.scan(migrations)] == [r.checksum for r in scanned], "read from the cache"
    (path,) = cache.glob("headers/*.json")
    assert scanned[0].checksum in path.read_text(), "remembered with the header"
    assert api.status(config).edited == ()

    before = first.stat()
    first.write_text(first.read_text().replace("SELECT 1;", "SELECT 2;"))  # same size
    os.utime(first, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the modification time set back
    assert first.stat().st_size == before.st_size
    assert api.status(config).edited == ("r1",)
    assert any("r1 was edited" in problem for problem in api.check(config).issues)
    first.write_text(first.read_text().replace("SELECT 2;", "SELECT 1;"))
    assert api.status(config).edited == ()


def test_the_suite_keeps_its_caches_out_of_the_users():
    # thousands of test projects would otherwise fill ~/.cache/dbshift and push the user's own entries out
    from platformdirs import user_cache_dir

    folder = Path(os.environ["DBSHIFT_CACHE_DIR"]).resolve()
    assert not folder.is_relative_to(Path(user_cache_dir("dbshift", appauthor=False)).resolve())
