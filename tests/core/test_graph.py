"""The revision graph, on whole graphs built in memory (no database, no files).

Graphs are written as ``g("a", "b<-a", "e<-c,d")``: ``b<-a`` is revision ``b``
with parent ``a``.  Single letters sort like creation-ordered ids.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable

import pytest

from dbshift.core.errors import (
    AmbiguousRevision,
    BadTarget,
    DbshiftError,
    DuplicateRevision,
    MissingParent,
    MultipleHeads,
    NothingToRebase,
    OntoNeeded,
    RebaseCycle,
    RevisionCycle,
    TargetReached,
    UnknownRevision,
)
from dbshift.core.graph import UNKNOWN_APPLIED_HINT, Revision, RevisionGraph, plan_rebase

# --- helpers ------------------------------------------------------------------------


def rev(spec: str) -> Revision:
    """``"e<-c,d"`` -> Revision("e", ("c", "d")), with a made-up file path."""
    rev_id, _, parents = spec.partition("<-")
    return Revision(rev_id, tuple(p for p in parents.split(",") if p), f"msg {rev_id}", f"versions/{rev_id}.py")


def g(*specs: str) -> RevisionGraph:
    return RevisionGraph.build(rev(s) for s in specs)


def fails(kind: type[DbshiftError], call: Callable[..., object], *args: object) -> DbshiftError:
    """Assert ``call(*args)`` raises ``kind`` with a non-empty one-line message; return the error."""
    with pytest.raises(kind) as info:
        call(*args)
    message = str(info.value)
    assert message and "\n" not in message, message
    return info.value


def upto(graph: RevisionGraph, *revs: str) -> set[str]:
    """The applied set of a database migrated exactly to ``revs`` (and their ancestors)."""
    return {a for r in revs for a in graph.ancestors(r)}


def assert_valid_upgrade(graph: RevisionGraph, applied: Iterable[str], plan: tuple[str, ...]) -> None:
    """Each planned revision appears once, not already applied, after all its parents."""
    have = set(applied)
    assert len(set(plan)) == len(plan)
    for rev_id in plan:
        assert rev_id not in have
        assert set(graph.get(rev_id).parents) <= have, rev_id
        have.add(rev_id)


def assert_valid_downgrade(graph: RevisionGraph, applied: Iterable[str], plan: tuple[str, ...]) -> None:
    """Each un-applied revision appears once, is applied, and has no applied child left."""
    have = set(applied)
    assert len(set(plan)) == len(plan)
    for rev_id in plan:
        assert rev_id in have
        assert not set(graph.children(rev_id)) & have, rev_id
        have.remove(rev_id)


LINEAR = g("a", "b<-a", "c<-b", "d<-c")
BRANCHED = g("a", "b<-a", "c<-b", "d<-b")  # heads c and d
DIAMOND = g("a", "b<-a", "c<-b", "d<-b", "e<-c,d")  # branch, then merge
TWO_ROOTS = g("a", "x", "b<-a", "m<-b,x")  # two bases merged
EMPTY = g()


# --- Revision -----------------------------------------------------------------------


def test_revision_is_frozen_and_defaults_to_a_base() -> None:
    r = Revision("a")
    assert (r.parents, r.message, r.path) == ((), "", None)
    with pytest.raises(AttributeError):
        r.id = "b"  # type: ignore[misc]


def test_revision_parents_become_a_tuple() -> None:
    assert Revision("b", ["a"]).parents == ("a",)  # type: ignore[arg-type]
    assert Revision("b", "a").parents == ("a",)  # type: ignore[arg-type]
    assert hash(Revision("b", ["a"])) == hash(Revision("b", ("a",)))  # type: ignore[arg-type]


# --- build and validation -----------------------------------------------------------


def test_empty_graph_is_valid() -> None:
    assert len(EMPTY) == 0
    assert EMPTY.heads() == EMPTY.bases() == EMPTY.topological() == ()


def test_lookup() -> None:
    assert "b" in LINEAR and "z" not in LINEAR
    assert len(LINEAR) == 4
    assert LINEAR.get("b") == Revision("b", ("a",), "msg b", "versions/b.py")
    assert fails(UnknownRevision, LINEAR.get, "zz").ref == "zz"


def test_revisions_mapping_is_read_only_and_in_topological_order() -> None:
    graph = g("b", "a<-b")
    assert list(graph.revisions) == ["b", "a"]
    with pytest.raises(TypeError):
        graph.revisions["z"] = Revision("z")  # type: ignore[index]


def test_duplicate_ids_name_every_file() -> None:
    revs = [Revision("a", (), "", "v/one.py"), Revision("b", ("a",)), Revision("a", (), "", "v/two.py")]
    err = fails(DuplicateRevision, RevisionGraph.build, revs)
    assert err.revision == "a" and err.paths == ["v/one.py", "v/two.py"]
    assert "'a'" in str(err) and "v/one.py" in str(err) and "v/two.py" in str(err)


def test_duplicate_ids_without_paths_still_report() -> None:
    err = fails(DuplicateRevision, RevisionGraph.build, [Revision("a"), Revision("a")])
    assert len(err.paths) == 2


def test_missing_parent() -> None:
    err = fails(MissingParent, g, "a", "b<-a,zz")
    assert (err.revision, err.parent) == ("b", "zz")
    assert "'b'" in str(err) and "'zz'" in str(err)


def test_self_parent_is_a_cycle() -> None:
    err = fails(RevisionCycle, g, "a<-a")
    assert err.cycle == ["a", "a"]
    assert "a -> a" in str(err)


def test_two_revision_cycle_beside_a_valid_root() -> None:
    err = fails(RevisionCycle, g, "r", "a<-r,b", "b<-a")
    assert err.cycle == ["a", "b", "a"]
    assert str(err).endswith("a -> b -> a")


def test_cycle_is_reported_parent_to_child_without_its_tail() -> None:
    # a -> b -> c -> a is the loop; d merely hangs off it
    err = fails(RevisionCycle, g, "a<-c", "b<-a", "c<-b", "d<-c")
    assert err.cycle == ["a", "b", "c", "a"]


def test_long_cycle_is_found_without_recursion() -> None:
    ids = [f"r{i:05d}" for i in range(3000)]
    revs = [Revision(ids[0], (ids[-1],))] + [Revision(ids[i], (ids[i - 1],)) for i in range(1, 3000)]
    err = fails(RevisionCycle, RevisionGraph.build, revs)
    assert err.cycle == ids + [ids[0]]


def test_repeated_parent_counts_once() -> None:
    graph = RevisionGraph.build([Revision("a"), Revision("b", ("a", "a"))])
    assert graph.children("a") == ("b",)
    assert graph.topological() == ("a", "b")
    assert graph.upgrade_plan(set(), "head") == ("a", "b")


# --- shape --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("graph", "heads", "bases"),
    [
        (LINEAR, ("d",), ("a",)),
        (BRANCHED, ("c", "d"), ("a",)),
        (DIAMOND, ("e",), ("a",)),
        (TWO_ROOTS, ("m",), ("a", "x")),
        (g("z", "y", "x"), ("x", "y", "z"), ("x", "y", "z")),
    ],
)
def test_heads_and_bases_are_sorted(graph: RevisionGraph, heads: tuple, bases: tuple) -> None:
    assert graph.heads() == heads
    assert graph.bases() == bases


def test_children() -> None:
    assert BRANCHED.children("b") == ("c", "d")
    assert DIAMOND.children("c") == ("e",)
    assert DIAMOND.children("e") == ()
    fails(UnknownRevision, DIAMOND.children, "zz")


def test_ancestors_are_inclusive() -> None:
    assert DIAMOND.ancestors("e") == {"a", "b", "c", "d", "e"}
    assert DIAMOND.ancestors("c") == {"a", "b", "c"}
    assert DIAMOND.ancestors("a") == {"a"}
    assert TWO_ROOTS.ancestors("m") == {"a", "b", "x", "m"}
    assert isinstance(DIAMOND.ancestors("e"), frozenset)
    fails(UnknownRevision, DIAMOND.ancestors, "zz")


def test_descendants_are_inclusive() -> None:
    assert DIAMOND.descendants("b") == {"b", "c", "d", "e"}
    assert DIAMOND.descendants("d") == {"d", "e"}
    assert DIAMOND.descendants("e") == {"e"}
    assert TWO_ROOTS.descendants("x") == {"x", "m"}
    fails(UnknownRevision, DIAMOND.descendants, "zz")


def test_topological_breaks_ties_by_id() -> None:
    assert DIAMOND.topological() == ("a", "b", "c", "d", "e")
    assert g("a", "z<-a", "m<-a").topological() == ("a", "m", "z")
    assert TWO_ROOTS.topological() == ("a", "b", "x", "m")


def test_topological_puts_parents_first_even_against_id_order() -> None:
    assert g("c", "b<-c", "a<-b").topological() == ("c", "b", "a")


def test_topological_ignores_input_order() -> None:
    specs = ["a", "b<-a", "c<-b", "d<-b", "e<-c,d", "f<-a", "g<-e,f"]
    expected = g(*specs).topological()
    for seed in range(20):
        shuffled = specs[:]
        random.Random(seed).shuffle(shuffled)
        assert g(*shuffled).topological() == expected


# --- resolve ------------------------------------------------------------------------

IDS = g("20261121142301_9f3a", "20261121150000_1b2c<-20261121142301_9f3a", "20261122090000_77aa<-20261121150000_1b2c")


def test_resolve_full_id() -> None:
    assert IDS.resolve("20261121150000_1b2c") == "20261121150000_1b2c"


def test_resolve_unique_prefix() -> None:
    assert IDS.resolve("20261122") == "20261122090000_77aa"
    assert IDS.resolve("2026112114") == "20261121142301_9f3a"


def test_resolve_the_random_part_as_shown_in_file_names() -> None:
    assert IDS.resolve("77aa") == "20261122090000_77aa"
    assert IDS.resolve("1b") == "20261121150000_1b2c"
    fails(UnknownRevision, IDS.resolve, "9f3b")


def test_resolve_ambiguous_prefix_lists_candidates() -> None:
    err = fails(AmbiguousRevision, IDS.resolve, "20261121")
    assert err.candidates == ["20261121142301_9f3a", "20261121150000_1b2c"]
    assert "'20261121'" in str(err) and "20261121142301_9f3a" in str(err)


def test_resolve_unknown() -> None:
    assert "'nope'" in str(fails(UnknownRevision, IDS.resolve, "nope"))
    fails(UnknownRevision, IDS.resolve, "")
    fails(UnknownRevision, IDS.resolve, "20261123")  # sorts after every id


def test_resolve_exact_id_beats_prefix_matches() -> None:
    graph = g("ab", "abc<-ab", "abd<-ab")
    assert graph.resolve("ab") == "ab"
    fails(AmbiguousRevision, graph.resolve, "a")


# --- current ------------------------------------------------------------------------


def test_current_at_base_is_empty() -> None:
    assert LINEAR.current(set()) == ()


def test_current_linear() -> None:
    assert LINEAR.current({"a", "b"}) == ("b",)
    assert LINEAR.current(["a", "b", "c", "d"]) == ("d",)


def test_current_with_branches() -> None:
    assert BRANCHED.current({"a", "b", "c", "d"}) == ("c", "d")
    assert BRANCHED.current({"a", "b", "d"}) == ("d",)
    assert DIAMOND.current(upto(DIAMOND, "e")) == ("e",)
    assert DIAMOND.current(upto(DIAMOND, "c", "d")) == ("c", "d")


def test_current_accepts_any_iterable() -> None:
    assert LINEAR.current(iter(["b", "a"])) == ("b",)


def test_current_with_unknown_applied_id() -> None:
    err = fails(UnknownRevision, LINEAR.current, {"a", "gone"})
    assert err.ref == "gone"
    assert "'gone'" in str(err) and UNKNOWN_APPLIED_HINT in str(err)
    assert UNKNOWN_APPLIED_HINT == "the database is at a revision the migrations directory does not know"


# --- upgrade: head / heads ----------------------------------------------------------


def test_upgrade_head_from_base() -> None:
    assert LINEAR.upgrade_plan(set(), "head") == ("a", "b", "c", "d")


def test_upgrade_head_from_the_middle() -> None:
    assert LINEAR.upgrade_plan({"a", "b"}, "head") == ("c", "d")


def test_upgrade_head_at_head_is_a_no_op_not_an_error() -> None:
    assert LINEAR.upgrade_plan(upto(LINEAR, "d"), "head") == ()
    assert EMPTY.upgrade_plan(set(), "head") == ()
    assert EMPTY.upgrade_plan(set(), "heads") == ()


def test_upgrade_head_with_several_heads() -> None:
    err = fails(MultipleHeads, BRANCHED.upgrade_plan, set(), "head")
    assert err.heads == ["c", "d"]
    assert "c, d" in str(err) and "'heads'" in str(err)
    fails(MultipleHeads, BRANCHED.upgrade_plan, upto(BRANCHED, "c", "d"), "head")


def test_upgrade_heads_applies_every_branch() -> None:
    assert BRANCHED.upgrade_plan(set(), "heads") == ("a", "b", "c", "d")
    assert BRANCHED.upgrade_plan({"a", "b", "c"}, "heads") == ("d",)
    assert BRANCHED.upgrade_plan(upto(BRANCHED, "c", "d"), "heads") == ()


def test_upgrade_through_a_diamond_applies_each_revision_once_after_its_parents() -> None:
    plan = DIAMOND.upgrade_plan(set(), "head")
    assert plan == ("a", "b", "c", "d", "e")
    assert_valid_upgrade(DIAMOND, set(), plan)
    assert DIAMOND.upgrade_plan({"a", "b", "c"}, "head") == ("d", "e")
    assert DIAMOND.upgrade_plan({"a", "b", "d"}, "head") == ("c", "e")


def test_upgrade_merge_of_two_bases() -> None:
    assert TWO_ROOTS.upgrade_plan(set(), "head") == ("a", "b", "x", "m")
    assert TWO_ROOTS.upgrade_plan({"a", "b"}, "head") == ("x", "m")


def test_upgrade_fills_gaps_in_the_applied_set() -> None:
    # not ancestor-closed (e.g. a hand-edited history table): the gap is planned first
    assert LINEAR.upgrade_plan({"a", "c"}, "head") == ("b", "d")


# --- upgrade: a revision ------------------------------------------------------------


def test_upgrade_to_a_revision_takes_its_ancestors() -> None:
    assert LINEAR.upgrade_plan(set(), "c") == ("a", "b", "c")
    assert LINEAR.upgrade_plan({"a"}, "c") == ("b", "c")


def test_upgrade_to_a_revision_by_prefix() -> None:
    assert IDS.upgrade_plan(set(), "20261121150") == ("20261121142301_9f3a", "20261121150000_1b2c")


def test_upgrade_to_one_branch_leaves_the_other() -> None:
    assert BRANCHED.upgrade_plan(set(), "d") == ("a", "b", "d")
    assert BRANCHED.upgrade_plan(upto(BRANCHED, "c"), "d") == ("d",)


def test_upgrade_to_a_merge_takes_both_sides() -> None:
    assert DIAMOND.upgrade_plan({"a", "b", "c"}, "e") == ("d", "e")


def test_upgrade_to_an_applied_revision() -> None:
    err = fails(TargetReached, LINEAR.upgrade_plan, upto(LINEAR, "c"), "b")
    assert err.target == "b"
    assert "'b'" in str(err) and "already applied" in str(err) and "downgrade" in str(err)


def test_upgrade_to_an_unknown_or_ambiguous_revision() -> None:
    fails(UnknownRevision, LINEAR.upgrade_plan, set(), "zz")
    fails(AmbiguousRevision, IDS.upgrade_plan, set(), "20261121")


# --- upgrade: +N and <ref>+N --------------------------------------------------------


def test_upgrade_plus_n() -> None:
    assert LINEAR.upgrade_plan(set(), "+1") == ("a",)
    assert LINEAR.upgrade_plan({"a"}, "+2") == ("b", "c")
    assert LINEAR.upgrade_plan({"a"}, "+3") == ("b", "c", "d")


def test_upgrade_plus_n_follows_topological_order_through_a_diamond() -> None:
    assert DIAMOND.upgrade_plan({"a", "b"}, "+1") == ("c",)
    assert DIAMOND.upgrade_plan({"a", "b"}, "+2") == ("c", "d")
    assert DIAMOND.upgrade_plan({"a", "b", "d"}, "+1") == ("c",)


def test_upgrade_plus_n_beyond_head() -> None:
    err = fails(BadTarget, LINEAR.upgrade_plan, {"a", "b"}, "+3")
    assert err.target == "+3"
    assert "'+3'" in str(err) and "only 2 revisions pending" in str(err)
    assert "only 0 revisions" in str(fails(BadTarget, LINEAR.upgrade_plan, upto(LINEAR, "d"), "+1"))


def test_upgrade_plus_n_needs_a_single_head() -> None:
    fails(MultipleHeads, BRANCHED.upgrade_plan, set(), "+1")


def test_upgrade_ref_plus_n() -> None:
    assert LINEAR.upgrade_plan({"a", "b"}, "b+1") == ("c",)
    assert LINEAR.upgrade_plan({"a", "b"}, "b+2") == ("c", "d")
    assert LINEAR.upgrade_plan(set(), "b+1") == ("a", "b", "c")  # ref itself comes along


def test_upgrade_ref_plus_n_on_a_branch() -> None:
    assert BRANCHED.upgrade_plan({"a", "b"}, "b+1") == ("c",)
    assert BRANCHED.upgrade_plan({"a", "b"}, "b+2") == ("c", "d")
    assert "only 0 revisions pending after c" in str(fails(BadTarget, BRANCHED.upgrade_plan, {"a", "b"}, "c+1"))


def test_upgrade_ref_plus_n_brings_the_other_parent_of_a_merge() -> None:
    # one step past c is e, which needs d as well
    assert DIAMOND.upgrade_plan({"a", "b", "c"}, "c+1") == ("d", "e")


def test_upgrade_ref_plus_n_beyond_the_end() -> None:
    err = fails(BadTarget, LINEAR.upgrade_plan, {"a"}, "b+9")
    assert "only 2 revisions pending after b" in str(err)
    fails(UnknownRevision, LINEAR.upgrade_plan, set(), "zz+1")


@pytest.mark.parametrize("target", ["+", "+x", "+1x", "+-1", "+0", "+ 1", "b+", "b+x", "b+0", "+1.5", "+²"])
def test_upgrade_junk_after_plus(target: str) -> None:
    err = fails(BadTarget, LINEAR.upgrade_plan, set(), target)
    assert repr(target) in str(err)


@pytest.mark.parametrize("target", ["base", "-1", "", "-x"])
def test_upgrade_to_backward_targets(target: str) -> None:
    err = fails(BadTarget, LINEAR.upgrade_plan, upto(LINEAR, "b"), target)
    assert repr(target) in str(err)


def test_upgrade_with_unknown_applied_id() -> None:
    err = fails(UnknownRevision, LINEAR.upgrade_plan, {"a", "gone"}, "head")
    assert "'gone'" in str(err) and UNKNOWN_APPLIED_HINT in str(err)


# --- downgrade: base ----------------------------------------------------------------


def test_downgrade_base_children_first() -> None:
    assert LINEAR.downgrade_plan(upto(LINEAR, "d"), "base") == ("d", "c", "b", "a")
    assert DIAMOND.downgrade_plan(upto(DIAMOND, "e"), "base") == ("e", "d", "c", "b", "a")
    assert BRANCHED.downgrade_plan({"a", "b", "d"}, "base") == ("d", "b", "a")


def test_downgrade_base_with_nothing_applied() -> None:
    err = fails(TargetReached, LINEAR.downgrade_plan, set(), "base")
    assert "'base'" in str(err) and "nothing is applied" in str(err)


# --- downgrade: -N and <ref>-N ------------------------------------------------------


def test_downgrade_minus_n() -> None:
    applied = upto(LINEAR, "d")
    assert LINEAR.downgrade_plan(applied, "-1") == ("d",)
    assert LINEAR.downgrade_plan(applied, "-2") == ("d", "c")
    assert LINEAR.downgrade_plan(applied, "-4") == ("d", "c", "b", "a")


def test_downgrade_minus_n_takes_the_latest_current_head_each_time() -> None:
    applied = upto(BRANCHED, "c", "d")
    assert BRANCHED.downgrade_plan(applied, "-1") == ("d",)
    assert BRANCHED.downgrade_plan(applied, "-2") == ("d", "c")
    assert BRANCHED.downgrade_plan(applied, "-3") == ("d", "c", "b")
    assert DIAMOND.downgrade_plan(upto(DIAMOND, "e"), "-2") == ("e", "d")


def test_downgrade_minus_n_beyond_base() -> None:
    err = fails(BadTarget, LINEAR.downgrade_plan, {"a", "b"}, "-3")
    assert err.target == "-3"
    assert "'-3'" in str(err) and "only 2 revisions applied" in str(err)


def test_downgrade_minus_n_with_nothing_applied() -> None:
    err = fails(BadTarget, LINEAR.downgrade_plan, set(), "-1")
    assert "'-1'" in str(err) and "nothing is applied" in str(err)


def test_downgrade_ref_minus_n() -> None:
    applied = upto(LINEAR, "d")
    assert LINEAR.downgrade_plan(applied, "c-1") == ("d", "c")
    assert LINEAR.downgrade_plan(applied, "c-3") == ("d", "c", "b", "a")
    assert "only 3 revisions applied up to c" in str(fails(BadTarget, LINEAR.downgrade_plan, applied, "c-4"))
    fails(UnknownRevision, LINEAR.downgrade_plan, applied, "zz-1")


@pytest.mark.parametrize("target", ["-", "-x", "-1x", "--1", "-0", "- 1", "-1.5", "c-0", "+1", "head", "heads", ""])
def test_downgrade_bad_targets(target: str) -> None:
    err = fails(BadTarget, LINEAR.downgrade_plan, upto(LINEAR, "d"), target)
    assert repr(target) in str(err)


# --- downgrade: a revision ----------------------------------------------------------


def test_downgrade_to_a_revision_keeps_it() -> None:
    assert LINEAR.downgrade_plan(upto(LINEAR, "d"), "b") == ("d", "c")
    assert LINEAR.downgrade_plan(upto(LINEAR, "d"), "a") == ("d", "c", "b")


def test_downgrade_to_a_revision_unapplies_other_branches() -> None:
    assert BRANCHED.downgrade_plan(upto(BRANCHED, "c", "d"), "c") == ("d",)
    assert BRANCHED.downgrade_plan(upto(BRANCHED, "c", "d"), "b") == ("d", "c")


def test_downgrade_into_a_diamond() -> None:
    applied = upto(DIAMOND, "e")
    assert DIAMOND.downgrade_plan(applied, "c") == ("e", "d")
    assert DIAMOND.downgrade_plan(applied, "b") == ("e", "d", "c")


def test_downgrade_to_a_revision_by_prefix() -> None:
    applied = upto(IDS, "20261122090000_77aa")
    assert IDS.downgrade_plan(applied, "2026112115") == ("20261122090000_77aa",)


def test_downgrade_to_a_revision_not_applied() -> None:
    err = fails(TargetReached, LINEAR.downgrade_plan, {"a"}, "c")
    assert err.target == "c"
    assert "'c'" in str(err) and "not applied" in str(err) and "upgrade" in str(err)


def test_downgrade_to_where_the_database_already_is() -> None:
    err = fails(TargetReached, LINEAR.downgrade_plan, {"a", "b"}, "b")
    assert "'b'" in str(err) and "already at b" in str(err)


def test_downgrade_with_unknown_applied_id() -> None:
    err = fails(UnknownRevision, LINEAR.downgrade_plan, {"a", "gone"}, "base")
    assert UNKNOWN_APPLIED_HINT in str(err)


def test_revision_ids_with_dashes_are_references_not_steps() -> None:
    graph = g("add-1", "add-users<-add-1", "add-x<-add-users")
    applied = upto(graph, "add-x")
    assert graph.downgrade_plan(applied, "add-1") == ("add-x", "add-users")  # exact id, not add minus 1
    assert graph.downgrade_plan(applied, "add-u") == ("add-x",)  # prefix with a dash
    assert graph.downgrade_plan(applied, "add-users-1") == ("add-x", "add-users")  # ref-N still works
    assert graph.upgrade_plan({"add-1"}, "add-x") == ("add-users", "add-x")


# --- round trips on random graphs ---------------------------------------------------


def random_graph(seed: int, size: int = 30) -> RevisionGraph:
    rnd = random.Random(seed)
    revs = []
    for i in range(size):
        earlier = [f"r{j:03d}" for j in range(i)]
        parents = tuple(rnd.sample(earlier, min(len(earlier), rnd.choice([0, 1, 1, 1, 2, 3])))) if i else ()
        revs.append(Revision(f"r{i:03d}", parents))
    rnd.shuffle(revs)
    return RevisionGraph.build(revs)


@pytest.mark.parametrize("seed", range(25))
def test_plans_are_valid_on_random_graphs(seed: int) -> None:
    graph = random_graph(seed)
    order = graph.topological()
    assert sorted(order) == sorted(graph.revisions)
    for rev_id in order:  # parents before children
        assert all(order.index(p) < order.index(rev_id) for p in graph.get(rev_id).parents)
    rnd = random.Random(seed)
    for _ in range(10):
        applied = upto(graph, *rnd.sample(order, rnd.randint(0, 3)))
        up = graph.upgrade_plan(applied, "heads")
        assert_valid_upgrade(graph, applied, up)
        assert applied | set(up) == set(order)
        if applied:
            down = graph.downgrade_plan(applied, "base")
            assert_valid_downgrade(graph, applied, down)
            assert set(down) == applied
            steps = rnd.randint(1, len(applied))
            down = graph.downgrade_plan(applied, f"-{steps}")
            assert len(down) == steps
            assert_valid_downgrade(graph, applied, down)
        for target in rnd.sample(order, 3):
            if target not in applied:
                plan = graph.upgrade_plan(applied, target)
                assert_valid_upgrade(graph, applied, plan)
                assert target in plan and applied | set(plan) >= graph.ancestors(target)
            else:
                try:
                    plan = graph.downgrade_plan(applied, target)
                except TargetReached:
                    continue
                assert_valid_downgrade(graph, applied, plan)
                assert target in graph.current(applied - set(plan))


# --- a long history -----------------------------------------------------------------


def test_two_thousand_revision_chain() -> None:
    ids = [f"2026{i:010d}_{i % 251:04x}" for i in range(2000)]
    revs = [Revision(ids[0])] + [Revision(ids[i], (ids[i - 1],)) for i in range(1, 2000)]
    graph = RevisionGraph.build(reversed(revs))
    assert graph.heads() == (ids[-1],) and graph.bases() == (ids[0],)
    assert graph.topological() == tuple(ids)
    assert len(graph.ancestors(ids[-1])) == 2000
    assert graph.upgrade_plan(set(), "head") == tuple(ids)
    assert graph.upgrade_plan(set(ids[:1000]), "+5") == tuple(ids[1000:1005])
    assert graph.current(ids[:1500]) == (ids[1499],)
    assert graph.downgrade_plan(ids, "base") == tuple(reversed(ids))
    assert graph.downgrade_plan(ids, ids[1990]) == tuple(reversed(ids[1991:]))
    assert graph.downgrade_plan(ids, "-3") == tuple(reversed(ids[-3:]))


# --- re-parenting (rebase) ----------------------------------------------------------


def test_rebase_a_head_onto_the_other_head_makes_the_history_linear() -> None:
    plan = plan_rebase(BRANCHED, "d")
    assert (plan.onto, plan.starts, plan.moved) == ("c", ("d",), ("d",))
    assert plan.graph.get("d").parents == ("c",) and plan.graph.heads() == ("d",)
    assert plan.graph.topological() == ("a", "b", "c", "d")
    assert BRANCHED.get("d").parents == ("b",), "the graph given is not changed"


def test_rebase_moves_the_whole_branch_from_the_fork_point_only_its_first_revision_changes() -> None:
    graph = g("a", "b<-a", "c<-b", "d<-b", "e<-d", "f<-e")
    plan = plan_rebase(graph, "f")
    assert (plan.onto, plan.starts, plan.moved) == ("c", ("d",), ("d", "e", "f"))
    assert [plan.graph.get(r).parents for r in "def"] == [("c",), ("d",), ("e",)]
    # naming a revision inside the branch moves the same branch, its descendants with it
    assert plan_rebase(graph, "e").moved == ("d", "e", "f")


def test_rebase_order_follows_the_chain_not_the_ids() -> None:
    """An older id put on top of a newer one: plans follow the new parents."""
    plan = plan_rebase(BRANCHED, "c", "d")
    assert plan.graph.topological() == ("a", "b", "d", "c")
    assert plan.graph.upgrade_plan({"a", "b"}, "head") == ("d", "c")


def test_rebase_of_a_branch_with_a_merge_inside_moves_each_start() -> None:
    graph = g("a", "b<-a", "c<-a", "d<-a", "e<-c,d")  # heads b and e; e's branch starts at c and d
    plan = plan_rebase(graph, "e")
    assert plan.starts == ("c", "d") and plan.moved == ("c", "d", "e")
    assert plan.graph.heads() == ("e",)


def test_rebase_with_three_heads_needs_onto() -> None:
    graph = g("a", "b<-a", "c<-a", "d<-a")
    err = fails(OntoNeeded, plan_rebase, graph, "d")
    assert "--onto" in str(err) and err.candidates == ["b", "c"]
    assert plan_rebase(graph, "d", "c").graph.heads() == ("b", "d")


def test_rebase_refuses_one_head_and_cycles() -> None:
    assert "1 head" in str(fails(NothingToRebase, plan_rebase, g("a", "b<-a"), "b"))
    assert "itself" in str(fails(RebaseCycle, plan_rebase, BRANCHED, "d", "d"))
    assert "b is an ancestor of d" in str(fails(RebaseCycle, plan_rebase, BRANCHED, "d", "b"))
    graph = g("a", "b<-a", "c<-a", "x<-c")  # putting c on top of its own child would loop
    assert "x is a descendant of c" in str(fails(RebaseCycle, plan_rebase, graph, "c", "x"))
    fails(UnknownRevision, plan_rebase, BRANCHED, "zz")


def test_multiple_heads_offers_merge_and_rebase_on_one_line() -> None:
    err = fails(MultipleHeads, BRANCHED.upgrade_plan, set(), "head")
    assert "'dbshift merge'" in str(err) and "put d on top of c with 'dbshift rebase d'" in str(err)
    three = fails(MultipleHeads, g("a", "b<-a", "c<-a", "d<-a").upgrade_plan, set(), "head")
    assert "'dbshift rebase d --onto b'" in str(three)
