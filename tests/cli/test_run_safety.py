"""The operator's side of a run: --dry-run, the confirmation for other hosts, progress and --json.

A terminal is a ``stdin`` whose ``isatty()`` is true, passed to
``dbshift.cli.main`` as the command line would get it.  "Another host" is the
local test server under a name dbshift does not take for this machine.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runner"))
from runner_helpers import Project, rev_id  # noqa: E402

from dbshift.cli import main  # noqa: E402
from dbshift.database.connect import create_engine, is_local  # noqa: E402


class Terminal(io.StringIO):
    """Answers typed at a terminal."""

    def isatty(self) -> bool:
        return True


def run(project: Project, *argv: str, stdin: io.StringIO | None = None, url: str | None = None) -> tuple[int, str, str]:
    """``dbshift --url URL ARGV`` in the project: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(project.root)
    try:
        code = main(["--url", url or project.url, *argv], out, err, stdin or io.StringIO())
    finally:
        os.chdir(previous)
    assert "Traceback" not in out.getvalue() + err.getvalue()
    return code, out.getvalue(), err.getvalue()


def all_tables(url: str) -> set[str]:
    """Every table, the history table included."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


# --- --dry-run -----------------------------------------------------------------------


def test_dry_run_shows_the_plan_and_changes_nothing(db_url, tmp_path):
    project = Project.make(tmp_path / "p", db_url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)", down=("DROP TABLE a",))
    project.add_sql("CREATE TABLE b (id integer PRIMARY KEY)", "INSERT INTO b VALUES (1)", down=("DROP TABLE b",))

    out = project.cli("upgrade", "--dry-run")
    assert f"[1/2] Would apply {rev_id(1)}" in out and f"[2/2] Would apply {rev_id(2)}" in out
    assert "CREATE TABLE a (id integer PRIMARY KEY)" in out and "INSERT INTO b VALUES (1)" in out
    assert "Dry run: nothing was changed; the database is still at base." in out
    assert all_tables(db_url) == set(), "not even the history table"

    project.cli("upgrade", "+1")
    before = project.history()
    out = project.cli("upgrade", "--dry-run")
    assert f"[1/1] Would apply {rev_id(2)}" in out and f"still at {rev_id(1)}" in out
    out = project.cli("downgrade", "base", "--dry-run")
    assert f"[1/1] Would revert {rev_id(1)}" in out and "DROP TABLE a" in out
    assert project.history() == before and project.tables() == {"a"}

    code, out, _ = run(project, "upgrade", "--dry-run", "--json")
    (result,) = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and result["dry_run"] and result["revisions"] == [rev_id(2)]
    assert result["plan"][0]["statements"] == ["CREATE TABLE b (id integer PRIMARY KEY)", "INSERT INTO b VALUES (1)"]
    assert project.history() == before and project.tables() == {"a"}


# --- the confirmation ---------------------------------------------------------------------

OLD_TABLE = 'Table("old", (Column("id", "integer", nullable=False),))'


def _elsewhere(url: str) -> str:
    """The same server, named by 127.0.0.1 written as one number: not a name dbshift takes for this machine."""
    remote = sa.engine.make_url(url).set(host="2130706433").render_as_string(hide_password=False)
    assert not is_local(remote)
    return remote


def test_a_database_on_another_host_shows_the_plan_and_asks_first(pg_url, tmp_path):
    project = Project.make(tmp_path / "p", pg_url)
    project.add_python(f"upgrade = [CreateTable({OLD_TABLE})]\n")
    project.add_python(f"upgrade = [DropTable({OLD_TABLE})]\n")
    project.add_sql("CREATE TABLE new (id integer PRIMARY KEY)", "INSERT INTO new VALUES (1)")
    remote = _elsewhere(pg_url)

    code, out, err = run(project, "upgrade", stdin=Terminal("n\n"), url=remote)
    assert code == 1 and err == "error: cancelled: nothing was changed\n"
    assert f"Plan for {remote}:" in out
    assert f"[1/3] {rev_id(1)}" in out and f"[3/3] {rev_id(3)}" in out
    assert "(1 statement(s))" in out and "(2 statement(s))" in out
    assert "!! drops table old and all its rows" in out
    assert out.rstrip().endswith(f"Apply 3 migration(s) on {remote}? [y/N]")
    assert all_tables(pg_url) == set(), "nothing was changed, not even the history table"

    code, out, err = run(project, "upgrade", "+1", stdin=Terminal("y\n"), url=remote)
    assert code == 0 and "Apply 1 migration(s)" in out and f"Now at {rev_id(1)}" in out, out + err

    code, out, err = run(project, "downgrade", "-1", stdin=Terminal("\n"), url=remote)  # the default is no
    assert code == 1 and f"Revert 1 migration(s) on {remote}? [y/N]" in out and "cancelled" in err
    assert project.tables() == {"old"}

    # --yes, a local URL, or no terminal (scripts, CI): no question
    code, out, err = run(project, "upgrade", "+1", "--yes", stdin=Terminal(""), url=remote)
    assert code == 0 and "[y/N]" not in out, out + err
    code, out, err = run(project, "upgrade", stdin=Terminal(""))
    assert code == 0 and "[y/N]" not in out, out + err
    project.add_sql("CREATE TABLE newer (id integer PRIMARY KEY)")
    code, out, err = run(project, "upgrade", stdin=io.StringIO(""), url=remote)
    assert code == 0 and "[y/N]" not in out, out + err
    assert project.tables() == {"new", "newer"}


# --- progress ---------------------------------------------------------------------------


def test_progress_lines_and_json_events(sqlite_url, tmp_path):
    project = Project.make(tmp_path / "p", sqlite_url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)")
    project.add_sql("CREATE TABLE b (id integer PRIMARY KEY)")
    code, out, _ = run(project, "upgrade")
    lines = out.splitlines()
    assert code == 0 and lines[0] == f"[1/2] Applying {rev_id(1)}  step 1" and lines[2].startswith("[2/2] Applying")
    assert lines[1].startswith("      done in ") and "(elapsed " in lines[1]
    assert lines[-2].startswith("2 migration(s) in ") and lines[-1] == f"Now at {rev_id(2)}."

    project.add_sql("CREATE TABLE c (id integer PRIMARY KEY)")
    code, out, _ = run(project, "upgrade", "--json")
    events = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [e["event"] for e in events] == [
        "step_started", "statement_executed", "step_finished", "run_finished", "result",
    ]
    assert events[0]["revision"] == rev_id(3) and (events[0]["index"], events[0]["total"]) == (1, 1)
    assert events[1]["sql"] == "CREATE TABLE c (id integer PRIMARY KEY)"
    assert events[-1]["revisions"] == [rev_id(3)] and events[-1]["current"] == [rev_id(3)]

    project.add_sql("CREATE TABLE d (id integer PRIMARY KEY)", "INSERT INTO nowhere VALUES (1)")
    code, out, err = run(project, "upgrade", "--json")
    events = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and len(err.splitlines()) == 1
    failed = next(e for e in events if e["event"] == "step_failed")
    assert failed["revision"] == rev_id(4) and failed["statement"] == 2 and failed["outcome"] == "rolled_back"
    assert events[-1]["event"] == "error" and events[-1]["message"] == err.removeprefix("error: ").strip()


def test_a_long_migration_shows_how_long_it_has_been_running_on_a_terminal(sqlite_url, tmp_path):
    project = Project.make(tmp_path / "p", sqlite_url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)")
    project.add_python("import time\n\nupgrade = [RunPython(lambda conn: time.sleep(3.2))]\n")
    screen, err = Terminal(), io.StringIO()
    previous = Path.cwd()
    os.chdir(project.root)
    try:
        code = main(["--url", sqlite_url, "upgrade"], screen, err, io.StringIO())
    finally:
        os.chdir(previous)
    text = screen.getvalue()
    assert code == 0, text + err.getvalue()
    assert re.search(r"\r      \[2/2\] running for [23] s \(elapsed \d+ s\)", text), repr(text)
    assert "\r\033[K      done in " in text, "the ticking line is cleared before the next line"
    assert text.rstrip().endswith(f"Now at {rev_id(2)}.")
