"""Foreign-key cycles among new (or dropped) tables: only the keys that close a cycle are split out."""

from __future__ import annotations

import itertools
import random

from dbshift.core import ops as o
from dbshift.core.diff import diff
from dbshift.core.model import Column, ForeignKey, PrimaryKey, Schema, Table
from dbshift.core.order import EXACT_LIMIT, feedback_edges, order, strongly_connected

ID = Column("id", "integer", nullable=False, autoincrement=True)


def table(name: str, *refs: str, use_alter: tuple[str, ...] = ()) -> Table:
    """Table ``name`` with a column ``<ref>_id`` and a foreign key to each table in ``refs``."""
    columns = tuple(Column(f"{r}_id", "integer") for r in refs)
    fks = tuple(
        ForeignKey((f"{r}_id",), r, ("id",), name=f"{name}_{r}_id_fkey", use_alter=r in use_alter) for r in refs
    )
    return Table(name, (ID,) + columns, PrimaryKey(("id",), f"{name}_pkey"), foreign_keys=fks)


def created(*tables: Table) -> list[o.Op]:
    return order(diff(Schema(), Schema.of(tables)))


def split(ops: list[o.Op]) -> list[str]:
    """The foreign keys added after their tables, as ``table->referenced``."""
    return [f"{op.table}->{op.constraint.ref_table}" for op in ops if isinstance(op, o.AddConstraint)]


def creation_order(ops: list[o.Op]) -> list[str]:
    return [op.table.name for op in ops if isinstance(op, o.CreateTable)]


def assert_runnable(ops: list[o.Op]) -> None:
    """Every foreign key a CREATE TABLE holds points at a table created before it (or at itself)."""
    made: set[str] = set()
    for op in ops:
        if isinstance(op, o.CreateTable):
            assert {fk.ref_table for fk in op.table.foreign_keys} - {op.table.name} <= made, op.describe()
            made.add(op.table.name)


def test_a_three_table_cycle_splits_out_one_key():
    ops = created(table("a", "b"), table("b", "c"), table("c", "a"))
    assert len(split(ops)) == 1
    assert split(ops) == split(created(table("c", "a"), table("b", "c"), table("a", "b")))  # whatever the input order
    assert_runnable(ops)
    assert o.apply_all(Schema(), ops) == Schema.of([table("a", "b"), table("b", "c"), table("c", "a")])


def test_a_self_reference_stays_inside_its_create_table():
    ops = created(table("node", "node"), table("leaf", "node"))
    assert split(ops) == []
    assert creation_order(ops) == ["node", "leaf"]


def ctfd_like() -> list[Table]:
    """Users and teams reference each other (the only cycle); everything else references them."""
    users = table("users", "teams", "brackets")
    teams = table("teams", "users", "brackets")
    others = [table(name, "users", "teams") for name in ("awards", "notifications", "submissions", "unlocks",
                                                          "tracking", "comments", "field_entries", "ratings")]
    solves = table("solves", "submissions", "users", "teams")
    return [users, teams, table("brackets"), solves, *others]


def test_only_the_key_closing_the_users_teams_cycle_is_split_out():
    ops = created(*ctfd_like())
    assert len(split(ops)) == 1
    assert split(ops)[0] in ("users->teams", "teams->users")
    assert_runnable(ops)
    order_made = creation_order(ops)
    assert order_made.index("brackets") < min(order_made.index("users"), order_made.index("teams"))
    assert order_made.index("submissions") < order_made.index("solves")
    assert diff(o.apply_all(Schema(), ops), Schema.of(ctfd_like())) == []  # equal up to the order of keys


def test_a_key_the_models_mark_use_alter_is_the_one_split_out():
    for marked, other in (("users", "teams"), ("teams", "users")):
        tables = [table(marked, other, use_alter=(other,)), table(other, marked), table("awards", "users", "teams")]
        assert split(created(*tables)) == [f"{marked}->{other}"]


def test_use_alter_outside_a_cycle_stays_inside_its_create_table():
    ops = created(table("author"), table("book", "author", use_alter=("author",)))
    assert split(ops) == []
    assert creation_order(ops) == ["author", "book"]


def test_one_key_shared_by_two_cycles_is_the_only_one_split_out():
    # a -> b -> c -> a and b -> c -> b: cutting b -> c breaks both
    tables = [table("a", "b"), table("b", "c"), table("c", "a", "b")]
    assert split(created(*tables)) == ["b->c"]


def test_a_use_alter_pair_beats_a_single_unmarked_key():
    # the unmarked b -> c breaks both cycles, but a -> b and c -> b are marked use_alter
    tables = [table("a", "b", use_alter=("b",)), table("b", "c"), table("c", "a", "b", use_alter=("b",))]
    assert sorted(split(created(*tables))) == ["a->b", "c->b"]


def test_dropped_tables_in_a_cycle_lose_one_key_first_then_go_referencing_first():
    tables = ctfd_like()
    ops = order(diff(Schema.of(tables), Schema()))
    drops = [op for op in ops if isinstance(op, o.DropConstraint)]
    assert len(drops) == 1
    assert ops.index(drops[0]) == 0
    gone = [op.table.name for op in ops if isinstance(op, o.DropTable)]
    assert gone.index("solves") < gone.index("submissions") < gone.index("users")
    assert o.apply_all(Schema.of(tables), ops) == Schema()


def test_a_ring_longer_than_the_exhaustive_search_still_splits_one_key():
    n = EXACT_LIMIT + 5
    names = [f"t{i:02d}" for i in range(n)]
    tables = [table(name, names[(i + 1) % n]) for i, name in enumerate(names)]
    ops = created(*tables)
    assert len(split(ops)) == 1
    assert_runnable(ops)


def test_added_columns_keep_the_order_the_models_declare():
    before = Table("t", (ID,), PrimaryKey(("id",)))
    after = Table("t", (ID, Column("zeta", "integer"), Column("alpha", "integer"), Column("mid", "text")),
                  PrimaryKey(("id",)))
    ops = order(diff(Schema.of([before]), Schema.of([after])))
    assert [op.column.name for op in ops if isinstance(op, o.AddColumn)] == ["zeta", "alpha", "mid"]


def _acyclic(costs: dict[str, dict[str, int]], removed: set[tuple[str, str]]) -> bool:
    kept = {a: {b: c for b, c in refs.items() if (a, b) not in removed and a != b} for a, refs in costs.items()}
    return all(len(component) == 1 for component in strongly_connected(kept))


def _cheapest(costs: dict[str, dict[str, int]]) -> int:
    """The least total cost of edges whose removal leaves no cycle, by trying every order of the nodes."""
    best = None
    for sequence in itertools.permutations(sorted(costs)):
        position = {n: i for i, n in enumerate(sequence)}
        cost = sum(c for a, refs in costs.items() for b, c in refs.items() if a != b and position[b] > position[a])
        best = cost if best is None else min(best, cost)
    return best or 0


def test_the_chosen_edges_break_every_cycle_at_the_least_cost_on_random_graphs():
    rng = random.Random(7)
    for _ in range(150):
        nodes = [f"n{i}" for i in range(rng.randint(2, 6))]
        costs = {a: {b: rng.choice((1, 1, 3)) for b in nodes if rng.random() < 0.4} for a in nodes}
        chosen = feedback_edges(costs)
        assert _acyclic(costs, chosen), costs
        assert sum(costs[a][b] for a, b in chosen) == _cheapest(costs), costs
        assert feedback_edges(costs) == chosen  # deterministic


def test_the_greedy_search_on_large_components_breaks_every_cycle_and_keeps_what_it_can():
    rng = random.Random(11)
    for _ in range(20):
        nodes = [f"n{i:02d}" for i in range(EXACT_LIMIT + 4)]
        costs = {a: {b: 1 for b in nodes if rng.random() < 0.2} for a in nodes}
        chosen = feedback_edges(costs)
        assert _acyclic(costs, chosen)
        for edge in chosen:  # minimal: putting back any one removed edge makes a cycle again
            assert not _acyclic(costs, chosen - {edge}) or edge[0] == edge[1]
