"""Re-parenting an unapplied branch onto the other head: ``dbshift rebase`` through ``main(argv)``.

Two "branches" are simulated in one checkout: branch A's migration is moved
aside while branch B writes its own, then brought back, as a pull would.
"""

from __future__ import annotations

import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from dbshift.project.files import file_name, new_revision_id, read_header
from tests.cli.test_workflow import MODELS_V1, Run, make_project

PRICE = '    price: Mapped[int] = mapped_column(server_default="0")\n'
TAG = '''

class Tag(Base):
    __tablename__ = "tag"
    id: Mapped[int] = mapped_column(primary_key=True)
'''


@pytest.fixture
def project(tmp_path: Path, db_url: str):
    root = tmp_path / "proj"
    make_project(root)
    yield Run(root, db_url)
    sys.path[:] = [p for p in sys.path if p != str(root)]


@pytest.fixture
def on_sqlite(tmp_path: Path, sqlite_url: str):
    root = tmp_path / "proj"
    make_project(root)
    yield Run(root, sqlite_url)
    sys.path[:] = [p for p in sys.path if p != str(root)]


def models(run: Run, text: str) -> None:
    (run.root / "shop" / "models.py").write_text(text)


def new_migration(run: Run, *argv: str) -> Path:
    """Run ``revision ARGV`` and return the one file it added."""
    before = set((run.root / "migrations").iterdir())
    run("revision", *argv)
    (path,) = set((run.root / "migrations").iterdir()) - before
    return path


def fork(run: Run, *, apply_b: bool = False, sql_b: bool = False) -> tuple[Path, Path]:
    """A base migration (applied); branch A adds product.price, branch B adds table tag.

    Returns the files of A and B, both present (two heads), neither applied unless ``apply_b``.
    """
    run("init")
    run("revision", "--autogenerate", "-m", "initial")
    run("upgrade")
    models(run, MODELS_V1 + PRICE)
    a = new_migration(run, "--autogenerate", "-m", "price")
    aside = run.root / a.name
    shutil.move(a, aside)  # on branch B, A's migration does not exist yet
    models(run, MODELS_V1 + TAG)
    if sql_b:
        base = next(p for p in (run.root / "migrations").iterdir() if p.suffix == ".py")
        b_id = new_revision_id(datetime.now(timezone.utc), {rid(aside), rid(base)})
        b = run.root / "migrations" / file_name(b_id, "tag").replace(".py", ".sql")
        b.write_text(f"-- revision: {b_id}\n-- parents: {rid(base)}\n-- message: tag\n\n"
                     "CREATE TABLE tag (id INTEGER NOT NULL PRIMARY KEY);\n-- down\nDROP TABLE tag;\n")
    else:
        b = new_migration(run, "--autogenerate", "-m", "tag")
    if apply_b:
        run("upgrade")
    shutil.move(aside, a)  # the pull: A's migration arrives
    models(run, MODELS_V1 + PRICE + TAG)
    return a, b


def rid(path: Path) -> str:
    return read_header(path).id


def test_rebase_makes_the_history_linear_and_upgrade_applies_both(project: Run):
    a, b = fork(project)
    a_before, b_before = a.read_bytes(), b.read_bytes()
    stopped = project("upgrade", expect=1)
    assert "'dbshift merge'" in stopped and "'dbshift rebase " in stopped
    assert len(project("heads").splitlines()) == 2
    assert "'dbshift rebase " in project("check", expect=2), "check offers it too"

    out = project("rebase", rid(b))
    assert f"Put {rid(b)} on top of {rid(a)}" in out
    assert project("heads").split()[0] == rid(b) and len(project("heads").splitlines()) == 1
    assert read_header(b).parents == (rid(a),)
    assert f"Parents: {rid(a)}\n" in b.read_text(), "the docstring says it too"
    assert a.read_bytes() == a_before, "the other head is untouched"
    old_parent = read_header(a).parents[0]
    assert b.read_bytes() == b_before.replace(
        f'parents = ("{old_parent}",)'.encode(), f'parents = ("{rid(a)}",)'.encode()
    ).replace(f"Parents: {old_parent}\n".encode(), f"Parents: {rid(a)}\n".encode()), "nothing else changed"

    out = project("upgrade")
    assert out.index(rid(a)) < out.index(rid(b)), "A first, then B on top of it"
    assert project("current").split()[0] == rid(b)
    listed = project("history")
    assert listed.index(rid(b)) < listed.index(rid(a)), "newest first by the chain, whatever the ids"
    assert "matches" in project("check")


def test_rebase_refuses_an_applied_revision_and_says_how_to_go_on(on_sqlite: Run):
    a, b = fork(on_sqlite, apply_b=True)
    before = b.read_bytes()
    out = on_sqlite("rebase", rid(b), expect=1)
    fork_point = read_header(b).parents[0]
    assert f"cannot rebase {rid(b)}: {rid(b)} is recorded in the database" in out
    assert f"'dbshift downgrade {fork_point}'" in out
    assert b.read_bytes() == before
    on_sqlite("downgrade", fork_point)
    on_sqlite("rebase", rid(b))
    on_sqlite("upgrade")
    assert "matches" in on_sqlite("check")


def test_rebase_refuses_cycles_a_single_head_and_an_unreachable_database(on_sqlite: Run, tmp_path: Path):
    a, b = fork(on_sqlite)
    first = read_header(a).parents[0]
    assert "on top of itself" in on_sqlite("rebase", rid(b), "--onto", rid(b), expect=1)
    out = on_sqlite("rebase", rid(b), "--onto", first, expect=1)
    assert f"{first} is an ancestor of {rid(b)}" in out

    unreachable = Run(on_sqlite.root, "postgresql://nobody@127.0.0.1:1/none")
    out = unreachable("rebase", rid(b), expect=1)
    assert "could not check that it is not applied" in out and "--no-db-check" in out
    out = unreachable("rebase", rid(b), "--no-db-check")
    assert "not checked" in out

    out = on_sqlite("rebase", rid(b), expect=1)
    assert "nothing to rebase: the history has 1 head" in out


def test_a_sql_migration_is_rebased_by_its_header(on_sqlite: Run):
    a, b = fork(on_sqlite, sql_b=True)
    text = b.read_text()
    on_sqlite("rebase", rid(b))
    assert read_header(b).parents == (rid(a),)
    old_parent = read_header(a).parents[0]
    assert b.read_text() == text.replace(f"-- parents: {old_parent}", f"-- parents: {rid(a)}")
    on_sqlite("upgrade")
    assert "matches" in on_sqlite("check")
