"""``dbshift lint`` reads each migration's downgrade too: what rolling it back would lose or fail on.

Those findings are said, marked ``downgrade:``, and leave the exit code (about
upgrades) alone; dropping what the same migration created does not count.
"""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runner"))
from runner_helpers import Project, rev_id  # noqa: E402

from dbshift.cli import main  # noqa: E402


def run(project: Project, *argv: str) -> tuple[int, str]:
    """``dbshift ARGV`` in-process: (exit code, stdout and stderr)."""
    both = io.StringIO()
    previous = Path.cwd()
    os.chdir(project.root)
    try:
        code = main(["--url", project.url, *argv], both, both, io.StringIO())
    finally:
        os.chdir(previous)
    return code, both.getvalue()


def test_lint_names_what_a_downgrade_would_lose_without_failing_on_it(tmp_path: Path):
    project = Project.make(tmp_path / "p", f"sqlite:///{tmp_path / 'p' / 'shop.db'}")
    project.add_python(  # its own table: undone by the downgrade, nothing to say
        'upgrade = [CreateTable(Table("product", (Column("id", "integer", nullable=False),'
        ' Column("name", "varchar(50)", nullable=False)), primary_key=PrimaryKey(("id",))))]\n'
    )
    project.add_python(  # relaxes a column: safe; the downgrade makes it NOT NULL again
        'upgrade = [AlterColumn("product", Column("name", "varchar(50)", nullable=False), Column("name", "varchar(50)"))]\n'
    )
    project.add_python(  # a hand-written downgrade that drops what the upgrade did not create
        'upgrade = [AddColumn("product", Column("price", "integer"))]\n'
        'downgrade = [DropColumn("product", Column("price", "integer")), DropColumn("product", Column("name", "varchar(50)"))]\n'
    )
    project.add_sql("CREATE TABLE note (id integer PRIMARY KEY)", down=("DROP TABLE note", "DELETE FROM product"))

    code, text = run(project, "lint", "--all")
    assert code == 0, "the exit code is about upgrades"
    lines = text.splitlines()
    assert lines[:-1] == [
        f"{rev_id(2)}  DS104  downgrade: makes product.name NOT NULL: fails if any row holds NULL "
        "(fill the NULLs in an earlier step (a Backfill or RunSQL UPDATE))",
        f"{rev_id(3)}  DS102  downgrade: drops column product.name and its data (first deploy code that no longer "
        "reads or writes the column, then drop it in a later migration)",
        f"{rev_id(4)}  DS110  downgrade: 'DELETE FROM product' removes data (read from hand-written SQL; heuristic) "
        "(make sure the data is backed up or no longer needed; DELETE with a WHERE for a subset)",
    ], text
    assert lines[-1].startswith("No unsafe operations in 4 migration(s) (sqlite). Downgrades: 3 would lose data")

    code, text = run(project, "lint", "--all", "--json")
    data = json.loads(text)
    assert code == 0 and data["findings"] == []
    assert [(f["revision"], f["code"]) for f in data["downgrade_findings"]] == [
        (rev_id(2), "DS104"), (rev_id(3), "DS102"), (rev_id(4), "DS110")]

    code, text = run(project, "lint", "--all", "--ignore", "DS102,DS104,DS110")
    assert code == 0 and text == "No unsafe operations in 4 migration(s) (sqlite).\n"
