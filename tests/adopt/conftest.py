"""Two fresh databases on one server, and the synthetic Alembic project made the working directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adopt.alembic_history import write_project


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def two_urls(request, tmp_path: Path):
    """``(url_a, url_b)``: two fresh, empty databases of one dialect."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
        return
    server = request.getfixturevalue("mariadb_server" if request.param == "mariadb" else "postgres_server")
    urls = server.create(), server.create()
    yield urls
    for url in urls:
        server.drop(url)


@pytest.fixture
def project(tmp_path: Path, monkeypatch):
    """``make(url)``: the synthetic project pointed at ``url``, made the working directory."""

    def make(url: str, name: str = "shop") -> Path:
        root = write_project(tmp_path / name, url)
        monkeypatch.chdir(root)
        monkeypatch.syspath_prepend(str(root))
        return root

    return make
