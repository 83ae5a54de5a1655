"""One history, several databases: a migration generated on one kind of database runs on the others.

For each model pair (A → B) of the round-trip suite (``test_model_pairs.py``,
the changes of ``test_detect_changes.py`` that both databases can express, and
the changes of a named enum type's values below) and each ordered pair of
different database kinds (X, Y):
migrations A and A → B are generated against a database of kind X; then, on a fresh database of kind Y, upgrading to A
leaves nothing to change, rows seeded there survive the upgrade to B (which
leaves nothing to change), the downgrade back to A (the database matches A
again) and the upgrade to B once more.  Generating and applying on the same
kind is what those suites do.

One test generates on X and applies the same files on each other kind Y, each on a database of its own (a
failure names the Y): generating is the same work whichever Y the files go to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.config import Config
from dbshift.core.errors import DbshiftError
from tests.roundtrip.cases import ALL, Build, Case
from tests.roundtrip.test_detect_changes import CASES
from tests.roundtrip.test_model_pairs import PAIRS

ORDERED_KINDS = [(x, y) for x in ALL for y in ALL if x != y]


def others(kind: str, allowed: tuple[str, ...] = ALL) -> list[str]:
    """The kinds of database, other than ``kind``, that the files generated on ``kind`` are applied on."""
    return [y for y in ALL if y != kind and y in allowed]


def _config(root: Path, url: str, build: Build) -> Config:
    metadata = sa.MetaData()
    build(metadata)
    return Config(root=root, migrations=root / "migrations", url=url, url_source="test", metadata_object=metadata)


def _assert_clean(config: Config, step: str, *, at_head: bool) -> None:
    """Nothing is left to change between the models and the database; at head, the history has no problem."""
    result = api.check(config)
    left = [op.describe() for op in result.ops]
    assert left == [], f"{step}: {len(left)} difference(s) left: {left}"
    if at_head:
        assert result.issues == (), f"{step}: {result.issues}"


def _generate(root: Path, url: str, a: Build, b: Build, renames: tuple[str, ...] = ()) -> str:
    """Write migrations A and A → B against the database at ``url``; return the revision of A."""
    return _generated(root, url, a, b, renames)[0]


def _generated(root: Path, url: str, a: Build, b: Build, renames: tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """Write migrations A and A → B against the database at ``url``; the revision of A and the kinds of
    operations A → B holds."""
    first = api.revision(_config(root, url, a), "a", autogenerate=True)
    assert first.revision is not None, "A has tables, so its migration must not be empty"
    api.upgrade(_config(root, url, a))
    second = api.revision(_config(root, url, b), "b", autogenerate=True, renames=renames)
    assert second.ops, "A and B differ, so the migration must not be empty"
    return first.revision.id, [type(op).__name__ for op in second.ops]


def _run_elsewhere(case: Case, generated_on: str, applied_on: list[str], database_of, rows, execute, root: Path) -> None:
    """Generate A and A → B on ``generated_on``; run them up, down and up again on a fresh database of each
    kind in ``applied_on``."""
    assert case.b is not None and applied_on
    (root / "migrations").mkdir(parents=True)
    first = _generate(root, database_of(generated_on), case.a, case.b)
    for kind in applied_on:
        _apply_elsewhere(case, first, kind, database_of(kind), rows, execute, root)


def _apply_elsewhere(case: Case, first: str, applied_on: str, url: str, rows, execute, root: Path) -> None:
    """Run the migrations in ``root`` up to ``first`` (A), to B, down to A and up again on the empty ``url``."""
    at_a, at_b = _config(root, url, case.a), _config(root, url, case.b)
    api.upgrade(at_a, first)
    _assert_clean(at_a, f"upgrade to A on {applied_on}", at_head=False)
    for sql in case.seed:
        execute(url, sql)
    before = {table: rows(url, table, columns) for table, columns in case.keep.items()}

    api.upgrade(at_b)
    _assert_clean(at_b, f"upgrade to B on {applied_on}", at_head=True)
    assert {table: rows(url, table, columns) for table, columns in case.keep.items()} == before, f"rows on {applied_on}"

    api.downgrade(at_a, "-1")
    _assert_clean(at_a, f"downgrade to A on {applied_on}", at_head=False)
    assert {table: rows(url, table, columns) for table, columns in case.keep.items()} == before, f"rows on {applied_on}"

    api.upgrade(at_b)
    _assert_clean(at_b, f"upgrade to B again on {applied_on}", at_head=True)
    assert {table: rows(url, table, columns) for table, columns in case.keep.items()} == before, f"rows on {applied_on}"


@pytest.mark.parametrize("pair", sorted(PAIRS))
@pytest.mark.parametrize("generated_on", ALL, ids=[f"{x}-to-others" for x in ALL])
def test_model_pair_generated_on_one_database_runs_on_another(
    pair: str, generated_on: str, database_of, rows, execute, tmp_path: Path
) -> None:
    _run_elsewhere(PAIRS[pair], generated_on, others(generated_on), database_of, rows, execute, tmp_path / "project")


PORTABLE_CHANGES = [
    (name, x)
    for name, case in sorted(CASES.items())
    if case.b is not None  # a case whose B differs by dialect is not one history
    for x in ALL
    if x in case.dialects and others(x, case.dialects)
]


@pytest.mark.parametrize("change, generated_on", PORTABLE_CHANGES, ids=[f"{x}-to-others-{name}" for name, x in PORTABLE_CHANGES])
def test_detected_change_generated_on_one_database_runs_on_another(
    change: str, generated_on: str, database_of, rows, execute, tmp_path: Path
) -> None:
    case = CASES[change]
    _run_elsewhere(case, generated_on, others(generated_on, case.dialects), database_of, rows, execute, tmp_path / "project")


# --- a named enum type's values change ---------------------------------------------------------------
#
# PostgreSQL changes the type (ALTER TYPE, or a new type the columns are converted to); MySQL and MariaDB each
# column of it (MODIFY); SQLite, where the values are text, the text's length or a CHECK listing them (a
# rebuild) and the rows of a renamed value.  The same file does each, wherever it was generated.


def moods(*values: str, default: str = "happy") -> Build:
    """Two tables with a column of enum type ``mood``: a NOT NULL one with a default, and a nullable one.

    (With ``create_constraint=True`` SQLite alone holds a CHECK listing the values, so A itself is not one
    history: ``test_enum_values_in_columns.py`` changes such a CHECK on SQLite.)
    """

    def build(md: sa.MetaData) -> None:
        mood = sa.Enum(*values, name="mood")
        sa.Table("person", md, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("mood", mood, nullable=False, server_default=default))
        sa.Table("pet", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("mood", mood))

    return build


SEED_MOODS = ["INSERT INTO person (id, mood) VALUES (1, 'happy'), (2, 'sad')",
              "INSERT INTO pet (id, mood) VALUES (1, 'sad'), (2, NULL)"]
AT_A = {"person": [(1, "happy"), (2, "sad")], "pet": [(1, "sad"), (2, None)]}
AT_B_RENAMED = {"person": [(1, "happy"), (2, "blue")], "pet": [(1, "blue"), (2, None)]}


@dataclass(frozen=True)
class EnumChange:
    a: Build
    b: Build
    renames: tuple[str, ...] = ()
    at_b: dict[str, list[tuple]] = field(default_factory=lambda: AT_A)
    """The rows at B (at A they are :data:`AT_A`)."""
    refused: str | None = None
    """Seed held at A that B removes: the upgrade to B stops, with this in its one line, and changes nothing."""


ENUM_CHANGES: dict[str, EnumChange] = {
    "value_added": EnumChange(moods("happy", "sad"), moods("happy", "sad", "angry")),
    "value_added_in_the_middle": EnumChange(moods("happy", "sad"), moods("happy", "meh", "sad")),
    "longer_value_added": EnumChange(moods("happy", "sad"), moods("happy", "sad", "disgusted")),
    "value_renamed": EnumChange(moods("happy", "sad", default="sad"), moods("happy", "blue", default="blue"),
                                renames=("mood.sad:blue",), at_b=AT_B_RENAMED),
    "value_renamed_and_unused_one_removed": EnumChange(
        moods("happy", "sad", "meh", default="sad"), moods("happy", "blue", default="blue"),
        renames=("mood.sad:blue",), at_b=AT_B_RENAMED),
    "unused_value_removed": EnumChange(moods("happy", "sad", "meh"), moods("happy", "sad")),
    "used_value_removed": EnumChange(moods("happy", "sad"), moods("happy"),
                                     refused="cannot remove value(s) sad from enum type mood"),
}

ENUM_RUNS = [(name, x) for name in sorted(ENUM_CHANGES) for x in ALL]


def _moods(url: str, rows) -> dict[str, list[tuple]]:  # noqa: ANN001
    return {table: [(i, mood) for i, mood in rows(url, table, "id, mood")] for table in ("person", "pet")}


@pytest.mark.parametrize("change, generated_on", ENUM_RUNS, ids=[f"{x}-to-others-enum_{name}" for name, x in ENUM_RUNS])
def test_enum_values_changed_on_one_database_change_them_on_another(
    change: str, generated_on: str, database_of, rows, execute, tmp_path: Path
) -> None:
    case = ENUM_CHANGES[change]
    root = tmp_path / "project"
    (root / "migrations").mkdir(parents=True)
    first, kinds = _generated(root, database_of(generated_on), case.a, case.b, case.renames)
    assert kinds == ["AlterEnum"], "the type's change, which also changes the columns holding its values"
    for applied_on in others(generated_on):
        _change_enum_elsewhere(case, first, applied_on, database_of(applied_on), rows, execute, root)


def _change_enum_elsewhere(case: EnumChange, first: str, applied_on: str, url: str, rows, execute, root: Path) -> None:
    """Run the enum change's migrations in ``root`` on the empty ``url``: up to A, seed, to B, down, up."""
    at_a, at_b = _config(root, url, case.a), _config(root, url, case.b)
    api.upgrade(at_a, first)
    _assert_clean(at_a, f"upgrade to A on {applied_on}", at_head=False)
    for sql in SEED_MOODS:
        execute(url, sql)
    assert _moods(url, rows) == AT_A, applied_on

    if case.refused is not None:
        with pytest.raises(DbshiftError, match=re.escape(case.refused)):
            api.upgrade(at_b)
        assert api.current(at_a) == (first,), f"the refused migration is not recorded on {applied_on}"
        _assert_clean(at_a, f"refused upgrade to B on {applied_on}", at_head=False)
        assert _moods(url, rows) == AT_A, applied_on
        return

    api.upgrade(at_b)
    _assert_clean(at_b, f"upgrade to B on {applied_on}", at_head=True)
    assert _moods(url, rows) == case.at_b, applied_on

    api.downgrade(at_a, "-1")
    _assert_clean(at_a, f"downgrade to A on {applied_on}", at_head=False)
    assert _moods(url, rows) == AT_A, applied_on

    api.upgrade(at_b)
    _assert_clean(at_b, f"upgrade to B again on {applied_on}", at_head=True)
    assert _moods(url, rows) == case.at_b, applied_on
