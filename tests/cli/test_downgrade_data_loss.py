"""Downgrades that lose data say so before they run, and ask in a terminal (``--yes`` skips it).

Judged by the order of what is shown (the warning comes before the first
step), by the answer deciding, and by the rows still in the database.
"""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runner"))
from runner_helpers import Project, rev_id  # noqa: E402

from dbshift.cli import main  # noqa: E402


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(project: Project, *argv: str, stdin: io.StringIO | None = None) -> tuple[int, str]:
    """``dbshift ARGV`` with stdout and stderr in one stream, in the order written: (exit code, text)."""
    both = io.StringIO()
    previous = Path.cwd()
    os.chdir(project.root)
    try:
        code = main(["--url", project.url, *argv], both, both, stdin or io.StringIO())
    finally:
        os.chdir(previous)
    return code, both.getvalue()


@pytest.fixture
def shop(db_url: str, tmp_path: Path) -> Project:
    """At revision 2: table ``product`` with rows (revision 1), an index on it (revision 2)."""
    project = Project.make(tmp_path / "p", db_url)
    project.add_python(
        'upgrade = [CreateTable(Table("product", (Column("id", "integer", nullable=False), Column("name", "varchar(50)")),'
        ' primary_key=PrimaryKey(("id",)))), BulkInsert("product", [{"id": 1, "name": "tea"}, {"id": 2, "name": "jam"}])]\n'
    )
    project.add_python('upgrade = [CreateIndex("product", Index("ix_product_name", ("name",)))]\n')
    project.cli("upgrade")
    return project


def rows(project: Project) -> list[tuple]:
    return project.query("SELECT id, name FROM product ORDER BY id")


def test_without_a_terminal_the_loss_is_said_before_the_downgrade_runs(shop: Project):
    code, text = run(shop, "downgrade", "base")
    assert code == 0, text
    warning = text.index("Warning: this downgrade of")
    assert warning < text.index(f"[1/2] Reverting {rev_id(2)}")
    assert text.index("!! drops table product and all its rows") < text.index("[1/2] Reverting")
    assert "!! deletes 2 row(s) from product" in text
    assert shop.tables() == set() and shop.history() == []


def test_in_a_terminal_the_downgrade_asks_first_and_no_keeps_every_row(shop: Project):
    code, text = run(shop, "downgrade", "base", stdin=Terminal("n\n"))
    assert code == 1 and text.rstrip().endswith("error: cancelled: nothing was changed"), text
    assert "This downgrade loses the data marked !! above." in text
    assert text.index("!! drops table product") < text.index("Revert 2 migration(s) on")
    assert rows(shop) == [(1, "tea"), (2, "jam")] and [r[0] for r in shop.history()] == [rev_id(1), rev_id(2)]

    code, text = run(shop, "downgrade", "-1", stdin=Terminal("\n"))  # only the index: nothing lost, not asked
    assert code == 0 and "[y/N]" not in text and "Warning" not in text, text
    assert [r[0] for r in shop.history()] == [rev_id(1)]

    code, text = run(shop, "downgrade", "base", stdin=Terminal("y\n"))
    assert code == 0 and "Revert 1 migration(s) on" in text and "Now at base." in text, text
    assert shop.tables() == set()


def test_yes_skips_the_question_but_not_the_warning(shop: Project):
    code, text = run(shop, "downgrade", "base", "--yes", stdin=Terminal(""))
    assert code == 0 and "[y/N]" not in text, text
    assert text.index("!! drops table product and all its rows") < text.index("[1/2] Reverting")
    assert shop.tables() == set()


def test_json_runs_say_it_as_an_event_before_the_steps(shop: Project):
    code, text = run(shop, "downgrade", "base", "--json")
    events = [json.loads(line) for line in text.splitlines()]
    assert code == 0 and [e["event"] for e in events][:2] == ["data_loss", "step_started"], events
    assert events[0] == {"event": "data_loss", "revision": rev_id(1), "direction": "down",
                         "risks": ["deletes 2 row(s) from product", "drops table product and all its rows"]}


def test_upgrades_and_dry_runs_are_unchanged(shop: Project):
    code, text = run(shop, "downgrade", "base", "--dry-run", stdin=Terminal(""))
    assert code == 0 and "[y/N]" not in text and "Warning" not in text and "!! drops table product" in text, text
    assert rows(shop) == [(1, "tea"), (2, "jam")]
