"""One history, several databases: a migration generated on one kind of database runs on the others.

For each model pair (A → B) of the round-trip suite (``test_model_pairs.py``,
and the changes of ``test_detect_changes.py`` that both databases can
express) and each ordered pair of different database kinds (X, Y):
migrations A and A → B are generated against a database of kind X; then, on a fresh database of kind Y, upgrading to A
leaves nothing to change, rows seeded there survive the upgrade to B (which
leaves nothing to change), the downgrade back to A (the database matches A
again) and the upgrade to B once more.  Generating and applying on the same
kind is what those suites do.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift import api
from dbshift.config import Config
from tests.roundtrip.cases import ALL, Build, Case
from tests.roundtrip.test_detect_changes import CASES
from tests.roundtrip.test_model_pairs import PAIRS

ORDERED_KINDS = [(x, y) for x in ALL for y in ALL if x != y]


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


def _generate(root: Path, url: str, a: Build, b: Build) -> str:
    """Write migrations A and A → B against the database at ``url``; return the revision of A."""
    first = api.revision(_config(root, url, a), "a", autogenerate=True)
    assert first.revision is not None, "A has tables, so its migration must not be empty"
    api.upgrade(_config(root, url, a))
    second = api.revision(_config(root, url, b), "b", autogenerate=True)
    assert second.ops, "A and B differ, so the migration must not be empty"
    return first.revision.id


def _run_elsewhere(case: Case, generated_on: str, applied_on: str, database_of, rows, execute, root: Path) -> None:
    """Generate A and A → B on ``generated_on``; run them up, down and up again on a fresh ``applied_on``."""
    assert case.b is not None
    (root / "migrations").mkdir(parents=True)
    first = _generate(root, database_of(generated_on), case.a, case.b)

    url = database_of(applied_on)
    at_a, at_b = _config(root, url, case.a), _config(root, url, case.b)
    api.upgrade(at_a, first)
    _assert_clean(at_a, f"upgrade to A on {applied_on}", at_head=False)
    for sql in case.seed:
        execute(url, sql)
    before = {table: rows(url, table, columns) for table, columns in case.keep.items()}

    api.upgrade(at_b)
    _assert_clean(at_b, f"upgrade to B on {applied_on}", at_head=True)
    assert {table: rows(url, table, columns) for table, columns in case.keep.items()} == before

    api.downgrade(at_a, "-1")
    _assert_clean(at_a, f"downgrade to A on {applied_on}", at_head=False)
    assert {table: rows(url, table, columns) for table, columns in case.keep.items()} == before

    api.upgrade(at_b)
    _assert_clean(at_b, f"upgrade to B again on {applied_on}", at_head=True)
    assert {table: rows(url, table, columns) for table, columns in case.keep.items()} == before


KINDS = pytest.mark.parametrize("generated_on, applied_on", ORDERED_KINDS, ids=[f"{x}-to-{y}" for x, y in ORDERED_KINDS])


@pytest.mark.parametrize("pair", sorted(PAIRS))
@KINDS
def test_model_pair_generated_on_one_database_runs_on_another(
    pair: str, generated_on: str, applied_on: str, database_of, rows, execute, tmp_path: Path
) -> None:
    _run_elsewhere(PAIRS[pair], generated_on, applied_on, database_of, rows, execute, tmp_path / "project")


PORTABLE_CHANGES = [
    (name, x, y)
    for name, case in sorted(CASES.items())
    if case.b is not None  # a case whose B differs by dialect is not one history
    for x, y in ORDERED_KINDS
    if x in case.dialects and y in case.dialects
]


@pytest.mark.parametrize(
    "change, generated_on, applied_on", PORTABLE_CHANGES, ids=[f"{x}-to-{y}-{name}" for name, x, y in PORTABLE_CHANGES]
)
def test_detected_change_generated_on_one_database_runs_on_another(
    change: str, generated_on: str, applied_on: str, database_of, rows, execute, tmp_path: Path
) -> None:
    _run_elsewhere(CASES[change], generated_on, applied_on, database_of, rows, execute, tmp_path / "project")
