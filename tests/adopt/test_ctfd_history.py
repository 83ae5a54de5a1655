"""CTFd's real Flask-Migrate history (33 Alembic scripts), run under dbshift and compared with Alembic's own run.

On SQLite Alembic itself cannot replay it (CTFd creates SQLite databases with
``create_all()``); dbshift can, rebuilding the tables where a script alters
constraints outside batch mode.  On MySQL/MariaDB one script passes a plain
string to ``Connection.execute()``, which SQLAlchemy 2 refuses under both tools:
point ``DBSHIFT_CTFD`` at a checkout with that call wrapped in ``sa.text()``.

Opt-in: ``DBSHIFT_CTFD=/path/to/CTFd`` names a CTFd checkout whose own
dependencies are importable (its scripts import ``CTFd.models``); skipped
otherwise.  Alembic's run uses a plain ``env.py`` over the same ``versions/``
(CTFd's own ``env.py`` needs the Flask app).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from dbshift import api
from dbshift.project.config import Config
from tests.adopt.alembic_history import ALEMBIC_INI, ENV_PY
from tests.adopt.checks import pg_dump_schema, rows_of, schema_of

CTFD = Path(os.environ.get("DBSHIFT_CTFD", "/nonexistent"))
OLDER = "b295b033364d"  # 3.x: ondelete cascades, the fourth revision in dbshift's order

pytestmark = pytest.mark.skipif(not (CTFD / "migrations" / "versions").is_dir(), reason="DBSHIFT_CTFD names no CTFd checkout")


@pytest.fixture
def ctfd(tmp_path: Path, monkeypatch):
    try:
        monkeypatch.syspath_prepend(str(CTFD))
        import CTFd.models  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"CTFd's dependencies are not installed: {exc}")
    alembic_folder = tmp_path / "alembic"
    alembic_folder.mkdir()
    (alembic_folder / "env.py").write_text(ENV_PY)
    (alembic_folder / "alembic.ini").write_text(ALEMBIC_INI)
    shutil.copytree(CTFD / "migrations" / "versions", alembic_folder / "versions")
    return alembic_folder


def _config(url: str) -> Config:
    return Config(root=CTFD, migrations=CTFD / "migrations", url=url, url_source="--url")


def _alembic(folder: Path, url: str, target: str = "heads") -> None:
    from alembic import command
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig(str(folder / "alembic.ini"))
    config.set_main_option("script_location", str(folder))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, target)


def test_ctfd_replays_under_dbshift_as_under_alembic(ctfd, two_urls, tmp_path, request):
    url, alembic_url = two_urls
    graph = api.load_graph(_config(url))
    started = time.perf_counter()
    result = api.upgrade(_config(url), "heads")
    dbshift_s = time.perf_counter() - started
    assert len(result.steps) == len(graph) == 33
    if url.startswith("sqlite"):  # Alembic cannot: CTFd adds constraints outside batch mode; dbshift rebuilds
        with pytest.raises(NotImplementedError, match="No support for ALTER of constraints in SQLite"):
            _alembic(ctfd, alembic_url)
        assert len(schema_of(url)) == 29
        sys.stderr.write(f"\nCTFd {len(graph)} revisions on sqlite: dbshift {dbshift_s:.2f} s, Alembic fails\n")
        return
    started = time.perf_counter()
    _alembic(ctfd, alembic_url)
    alembic_s = time.perf_counter() - started
    mine, theirs = schema_of(url), schema_of(alembic_url)
    differing = sorted(t for t in set(mine) | set(theirs) if mine.get(t) != theirs.get(t))
    sys.stderr.write(f"\nCTFd {len(graph)} revisions on {url.split(':')[0]}: dbshift {dbshift_s:.2f} s, "
                     f"Alembic {alembic_s:.2f} s, {len(mine)} tables, differing: {differing}\n")
    assert mine == theirs
    if url.startswith("postgresql"):
        assert pg_dump_schema(url) == pg_dump_schema(alembic_url)


def test_a_ctfd_database_at_an_older_revision_is_adopted_and_carried_to_head(ctfd, two_urls):
    url, alembic_url = two_urls
    _alembic(ctfd, url, OLDER)
    adopted = api.adopt(_config(url))
    assert OLDER in {r.id for r in adopted.revisions}
    result = api.upgrade(_config(url), "heads")
    assert result.steps and OLDER not in {s.revision.id for s in result.steps}
    if url.startswith("sqlite"):  # Alembic cannot replay it there: dbshift's replay from empty is the reference
        api.upgrade(_config(alembic_url), "heads")
    else:
        _alembic(ctfd, alembic_url)
    assert schema_of(url) == schema_of(alembic_url)
    applied = {r[0] for r in rows_of(url, "SELECT revision FROM dbshift_history WHERE status = 'applied'")}
    assert applied == set(api.load_graph(_config(url)).revisions)
