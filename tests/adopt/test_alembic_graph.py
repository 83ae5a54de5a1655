"""An Alembic script folder is read as part of dbshift's history: ids, parents, merges, bases, depends_on, labels."""

from __future__ import annotations

import sys

from dbshift import api
from dbshift.config import load_config
from dbshift.project.alembic import BadAlembicReference
from tests.adopt.alembic_history import BASES, HEAD, ORDER
from tests.adopt.checks import run


def test_the_alembic_ids_are_the_ids_with_merges_bases_and_depends_on(project):
    project("sqlite:///unused.db")
    graph = api.load_graph(load_config())
    assert set(graph.revisions) == set(ORDER)
    assert graph.bases() == BASES
    assert graph.heads() == (HEAD,)
    assert graph.get("5e0000000005").parents == ("3c0000000003", "4d0000000004")  # a merge
    assert graph.get("8b0000000008").parents == ("7a0000000007", "3c0000000003")  # depends_on the "feature" label
    assert graph.get("2b0000000002").message == "constraints and indexes"


def test_env_py_and_helper_modules_beside_it_are_not_migrations(project):
    root = project("sqlite:///unused.db")
    (root / "migrations" / "upgrade_helpers.py").write_text("def fix():\n    pass\n")
    code, out, err = run("history")
    assert code == 0, err
    assert "env" not in out and "upgrade_helpers" not in out
    assert len([line for line in out.splitlines() if " <- " in line]) == len(ORDER)  # one line per revision


def test_reading_the_history_imports_no_script(project):
    root = project("sqlite:///unused.db")
    script = root / "migrations" / "versions" / "1a0000000001_create_user_and_post.py"
    script.write_text(script.read_text().replace("import sqlalchemy as sa", "import sqlalchemy as sa\nraise SystemExit(3)"))
    code, out, err = run("heads")
    assert code == 0, err
    assert out.split()[0] == HEAD


def test_a_new_dbshift_migration_follows_the_alembic_head_and_runs_after_it(project, tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    project(url)
    code, out, err = run("revision", "-m", "add a note")
    assert code == 0, err
    graph = api.load_graph(load_config())
    (new,) = graph.heads()
    assert graph.get(new).parents == (HEAD,)
    assert run("upgrade")[0] == 0
    assert run("current")[1].split()[0] == new


def test_a_depends_on_naming_nothing_is_one_line(project):
    root = project("sqlite:///unused.db")
    script = root / "migrations" / "versions" / "8b0000000008_audit_account.py"
    script.write_text(script.read_text().replace('depends_on = "feature"', 'depends_on = "nosuch"'))
    code, out, err = run("history")
    assert code == 1
    assert err.count("\n") == 1 and "depends_on 'nosuch' names no revision" in err
    assert "Traceback" not in err
    assert issubclass(BadAlembicReference, Exception)


def test_without_alembic_installed_running_says_so_in_one_line(project, tmp_path, monkeypatch):
    project(f"sqlite:///{tmp_path / 'app.db'}")
    monkeypatch.setitem(sys.modules, "alembic", None)  # import alembic now fails, as when it is not installed
    code, out, err = run("upgrade")
    assert code == 1
    assert err.count("\n") == 1
    assert "needs Alembic: pip install 'dbshift[alembic]'" in err
    assert run("history")[0] == 0  # reading the history does not need it
