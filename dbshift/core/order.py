"""Order operations so that each runs after what it depends on.

Drops of foreign keys come first, then other drops, then new schemas,
types and sequences, renames, table creation (referenced tables before
referencing ones), column changes, and finally new constraints and indexes,
foreign keys last; schemas are dropped at the very end, once empty.
Views, triggers, policies… are dropped first and created last; functions,
domains, extensions… are created before the tables (unless they use a new
table) and dropped after the columns that used them; among themselves each
comes after what it requires (:func:`~dbshift.core.objects.needed_first`).

A foreign key stays inside its table's ``CREATE TABLE`` unless it closes a
cycle among the tables created together (a self-reference closes none): only
the foreign keys of a small set of edges whose removal leaves the tables
acyclic are split out into separate ``AddConstraint`` operations, preferring
those the models mark ``use_alter``, then the fewest (see
:func:`feedback_edges`).  Dropped tables are handled the same way, with
``DropConstraint`` first.  Columns added to one table keep the order they are
given in (the models' declaration order); otherwise the result is
deterministic for a given set of operations.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Mapping

from . import ops as o
from .model import ForeignKey, PrimaryKey, Table, Unique, qualified
from .objects import EVERY_COLUMN, DbObject, needed_first


def _phase(op: o.Op, late: frozenset[str] = frozenset(), first: frozenset[str] = frozenset()) -> float:
    if isinstance(op, o.AlterTableInherit):
        return 9.5 if op.inherit else 1.5  # leave a parent before it is dropped; join one once it has the columns
    if isinstance(op, o.DropObject):
        early_drop = op.object.early and op.object.id not in first
        return 9.5 if early_drop else -1  # what uses it is gone by then; views, triggers… go first
    if isinstance(op, (o.CreateObject, o.ReplaceObject)):
        obj = op.object if isinstance(op, o.CreateObject) else op.new
        return 3.5 if obj.early and obj.id not in late else 12.9
    if isinstance(op, o.DropConstraint):
        return 0 if isinstance(op.constraint, ForeignKey) else 1
    if isinstance(op, o.AddConstraint):
        return 12 if isinstance(op.constraint, ForeignKey) else 11
    if isinstance(op, o.CreateSequence) and op.sequence.owned_by:
        return 8.5  # a serial column's own: once SERIAL has created it
    return _PHASES.get(type(op), 13)


_PHASES: dict[type, float] = {
    o.DropIndex: 1, o.DropStatistics: 1,
    o.DetachPartition: 1.5,  # before its parent, or itself, is dropped
    o.DropTable: 2,
    o.CreateSchema: 2.5,  # before anything is created in it
    o.CreateEnum: 3, o.AlterEnum: 3, o.CreateSequence: 3, o.AlterSequence: 3, o.DetachSequence: 3,
    o.RenameTable: 4,
    o.RenameColumn: 5,
    o.CreateTable: 6,
    o.AddColumn: 7,
    o.AlterColumn: 8, o.AlterColumnStatistics: 8, o.AlterTableComment: 8, o.AlterTableLogging: 8, o.AlterTableOptions: 8,
    o.AttachSequence: 8.5,  # after the column's default is set to it
    o.DropColumn: 9,
    o.AttachPartition: 9.5,  # once the parent and the table have their columns
    o.DropEnum: 10, o.DropSequence: 10,
    o.CreateIndex: 11, o.CreateStatistics: 11,
    o.AlterTableCluster: 12.5,  # once its index exists
    o.DropSchema: 14,  # after everything in it is gone
}


def order(ops: list[o.Op]) -> list[o.Op]:
    """Return ``ops`` in an order that a database accepts."""
    late, first, positions = _object_places(ops)

    def phase(op: o.Op) -> float:
        return _phase(op, late, first)

    def sort_key(op: o.Op) -> str:
        return f"{positions[id(op)]:08d}" if id(op) in positions else _sort_key(op)

    creates = [op for op in ops if isinstance(op, o.CreateTable)]
    drops = [op for op in ops if isinstance(op, o.DropTable)]
    rest = [op for op in ops if not isinstance(op, (o.CreateTable, o.DropTable))]
    keys_added = _keys_changed(rest, o.AddConstraint)
    keys_dropped = _keys_changed(rest, o.DropConstraint)
    created, deferred_adds = _sort_tables([c.table for c in creates], reverse=False)
    dropped, early_drops = _sort_tables([d.table for d in drops], reverse=True)
    created, waiting = _split_references(created, keys_added)
    dropped, going = _split_references(dropped, keys_dropped)
    rest += [o.AddConstraint(t.name, fk, t.schema) for t, fk in deferred_adds + waiting]
    rest += [o.DropConstraint(t.name, fk, t.schema) for t, fk in early_drops + going]
    readded = {(op.table, op.schema, op.column.name) for op in rest if isinstance(op, o.DropColumn)}
    rest.sort(key=lambda op: (_readd_phase(op, readded, phase), sort_key(op)))  # stable: added columns keep their order
    head = [op for op in rest if phase(op) < 2]
    middle = [op for op in rest if 2 < phase(op) < 6]
    tail = [op for op in rest if phase(op) > 6]
    return head + [o.DropTable(t) for t in dropped] + middle + [o.CreateTable(t) for t in created] + tail


def _keys_changed(ops: list[o.Op], kind: type[o.AddConstraint] | type[o.DropConstraint]) -> set[str]:
    """The tables whose primary key or unique constraints ``ops`` of ``kind`` add (or drop)."""
    return {
        qualified(op.table, op.schema) for op in ops
        if isinstance(op, kind) and isinstance(op.constraint, (PrimaryKey, Unique))
    }


def _split_references(
    tables: list[Table], keys: set[str]
) -> tuple[list[Table], list[tuple[Table, ForeignKey]]]:
    """Take out of ``tables`` the foreign keys referencing a table in ``keys``, whose key the plan adds (or
    drops) apart: a new table's reference to it waits for that key; a dropped table's goes before it."""
    kept, split = [], []
    for table in tables:
        out = [fk for fk in table.foreign_keys if qualified(fk.ref_table, fk.ref_schema) in keys]
        if out:
            split += [(replace(table, foreign_keys=()), fk) for fk in out]
            table = replace(table, foreign_keys=tuple(fk for fk in table.foreign_keys if fk not in out))
        kept.append(table)
    return kept, split


def _readd_phase(op: o.Op, dropped: set[tuple[str, str | None, str]], phase: Callable[[o.Op], float]) -> float:
    """An added column its table drops in the same plan (one it had from a parent, now its own) comes back
    once the drops have run; every other operation keeps its ``phase``."""
    if isinstance(op, o.AddColumn) and (op.table, op.schema, op.column.name) in dropped:
        return 9.2
    return phase(op)


def _object_places(ops: list[o.Op]) -> tuple[frozenset[str], frozenset[str], dict[int, int]]:
    """Where views, functions, triggers… go: the ids of early kinds that must wait for the tables (they use
    a table this plan creates or a column it adds, renames or alters, or need an object that waits), the ids
    of early kinds dropped first (see below), and each object operation's position among its kind of
    operation (what it requires first; drops the other way)."""
    made: list[o.CreateObject | o.ReplaceObject] = [
        op for op in ops if isinstance(op, (o.CreateObject, o.ReplaceObject))
    ]
    dropped = [op for op in ops if isinstance(op, o.DropObject)]
    new_tables = {op.table.key for op in ops if isinstance(op, o.CreateTable)}
    new_columns = _columns_made(ops)
    objects = {_made(op).id: op for op in made}
    late = {k for k, op in objects.items() if not _made(op).early}
    grew = True
    while grew:
        waiting = {
            k for k, op in objects.items() if k not in late
            and (any(t in new_tables or (t, c) in new_columns for t, c in _made(op).depends_on)
                 or any(r in late for r in _made(op).requires))
        }
        late |= waiting
        grew = bool(waiting)
    names = {_made(op).name for op in made}
    undone = _columns_undone(ops)
    # dropped first, before the tables change and anything is created: to be created again, to free its name
    # for an object of another kind (a function becoming a procedure), or using what the plan drops or retypes
    first = frozenset(
        op.object.id for op in dropped
        if op.object.id in objects or op.object.name in names
        or any((t, c) in undone or (t, None) in undone for t, c in op.object.depends_on)
    )
    positions: dict[int, int] = {}
    by_object = {obj.id: i for i, obj in enumerate(needed_first(_made(op) for op in made))}
    for op in made:
        positions[id(op)] = by_object[_made(op).id]
    gone = {obj.id: i for i, obj in enumerate(reversed(needed_first(op.object for op in dropped)))}
    for drop in dropped:
        positions[id(drop)] = gone[drop.object.id]
    return frozenset(late), first, positions


def _columns_made(ops: list[o.Op]) -> set[tuple[str, str]]:
    """``(table key, column)`` of the columns ``ops`` add, rename or alter: an object using one is made after."""
    found: set[tuple[str, str]] = set()
    for op in ops:
        if isinstance(op, o.AddColumn):
            found.add((qualified(op.table, op.schema), op.column.name))
        elif isinstance(op, o.AlterColumn):
            found.add((qualified(op.table, op.schema), op.new.name))
        elif isinstance(op, o.RenameColumn):
            found.add((qualified(op.table, op.schema), op.new))
    return found


def _columns_undone(ops: list[o.Op]) -> set[tuple[str, str | None]]:
    """``(table key, column)`` of the columns ``ops`` drop or retype, ``(table key, None)`` for the tables they
    drop: an object still using one must be gone before."""
    found: set[tuple[str, str | None]] = set()
    for op in ops:
        if isinstance(op, o.DropTable):
            found.add((op.table.key, None))
        elif isinstance(op, o.DropColumn):
            found |= {(qualified(op.table, op.schema), op.column.name), (qualified(op.table, op.schema), EVERY_COLUMN)}
        elif isinstance(op, o.AlterColumn) and op.old.type != op.new.type:
            found |= {(qualified(op.table, op.schema), op.old.name), (qualified(op.table, op.schema), EVERY_COLUMN)}
    return found


def _made(op: o.CreateObject | o.ReplaceObject) -> DbObject:
    return op.object if isinstance(op, o.CreateObject) else op.new


def _sort_key(op: o.Op) -> str:
    if isinstance(op, o.AddColumn):
        return f"add column {qualified(op.table, op.schema)}"  # the columns of one table: in the order given
    return op.describe()


#: what splitting out one foreign key costs: one the models mark ``use_alter`` is nearly free
_USE_ALTER_COST, _COST = 1, 1_000_000
_PARENT_COST = 10**15  # a table cannot be created before the table it inherits from: never the edge cut

#: the largest cycle (in tables) whose cheapest cut is searched exhaustively; larger ones are cut greedily
EXACT_LIMIT = 10


def _sort_tables(tables: list[Table], reverse: bool) -> tuple[list[Table], list[tuple[Table, ForeignKey]]]:
    """Topologically sort tables by their foreign keys among themselves.

    Returns the sorted tables (referenced first, or last when ``reverse``) and
    the foreign keys taken out of them to break cycles (see :func:`feedback_edges`).
    """
    by_key = {t.key: t for t in tables}
    edges: dict[str, dict[str, list[ForeignKey]]] = {k: {} for k in by_key}
    parents: dict[str, set[str]] = {k: set() for k in by_key}  # inherited from, partition of: never cut
    for key, table in by_key.items():
        for fk in table.foreign_keys:
            ref = qualified(fk.ref_table, fk.ref_schema)
            if ref in by_key and ref != key:
                edges[key].setdefault(ref, []).append(fk)
        for parent in table.parents:
            if parent.key in by_key and parent.key != key:
                edges[key].setdefault(parent.key, [])
                parents[key].add(parent.key)
    costs = {
        key: {
            ref: _PARENT_COST if ref in parents[key] else sum(_USE_ALTER_COST if fk.use_alter else _COST for fk in fks)
            for ref, fks in refs.items()
        }
        for key, refs in edges.items()
    }
    split: list[tuple[Table, ForeignKey]] = []
    for key, ref in sorted(feedback_edges(costs)):
        table = by_key[key]
        cut = edges[key].pop(ref)
        split += [(replace(table, foreign_keys=()), fk) for fk in cut]
        by_key[key] = replace(table, foreign_keys=tuple(fk for fk in table.foreign_keys if fk not in cut))

    # in rounds: the tables whose references are all placed, by key; each round only looks at the tables
    # the previous one freed (a long chain of references takes as many rounds as it has tables)
    result: list[Table] = []
    users: dict[str, list[str]] = {k: [] for k in by_key}
    waiting = {k: len(refs) for k, refs in edges.items()}
    for key, refs in edges.items():
        for ref in refs:
            users[ref].append(key)
    ready = sorted(k for k, n in waiting.items() if n == 0)
    while ready:
        result += [by_key[k] for k in ready]
        freed = []
        for k in ready:
            for user in users[k]:
                waiting[user] -= 1
                if waiting[user] == 0:
                    freed.append(user)
        ready = sorted(freed)
    if len(result) < len(by_key):  # cannot happen: the feedback edges leave no cycle
        placed = {t.key for t in result}
        raise ValueError(f"foreign keys still form a cycle among {', '.join(sorted(set(by_key) - placed))}")
    if reverse:
        result.reverse()
    return result, split


def feedback_edges(costs: Mapping[str, Mapping[str, int]]) -> set[tuple[str, str]]:
    """Edges ``(node, target)`` whose removal leaves the graph without a cycle, of small total cost.

    ``costs[a][b]`` is the cost of removing edge ``a → b`` (``a`` references
    ``b``); edges from a node to itself are ignored.  Only edges inside a
    cycle (a strongly connected component) are ever chosen; in a component of
    up to :data:`EXACT_LIMIT` nodes the cheapest set is found, in a larger one
    a greedy order is taken and every removed edge that can be kept again is.
    Deterministic: the same graph always gives the same edges.
    """
    chosen: set[tuple[str, str]] = set()
    for component in strongly_connected(costs):
        if len(component) > 1:
            search = _cheapest_cut if len(component) <= EXACT_LIMIT else _greedy_cut
            chosen |= search(component, costs)
    return chosen


def strongly_connected(graph: Mapping[str, Mapping[str, object]]) -> list[list[str]]:
    """The strongly connected components of ``graph`` (node → its targets), each sorted (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in graph:
                    continue
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
    return components


def _cheapest_cut(component: list[str], costs: Mapping[str, Mapping[str, int]]) -> set[tuple[str, str]]:
    """The cheapest edges to remove from ``component``: an order of its nodes (referenced first) found by
    dynamic programming over the subsets already placed, removing the edges that point forward."""
    n = len(component)
    bit = {node: 1 << i for i, node in enumerate(component)}
    out = [[(bit[t], c) for t, c in sorted(costs[node].items()) if t in bit and t != node] for node in component]
    best: list[int | None] = [None] * (1 << n)
    came_from = [0] * (1 << n)
    best[0] = 0
    for placed in range(1 << n):
        so_far = best[placed]
        if so_far is None:
            continue
        for i in range(n):
            if placed & (1 << i):
                continue
            cost = so_far + sum(c for b, c in out[i] if not placed & b)  # edges to nodes placed later
            after = placed | (1 << i)
            current = best[after]
            if current is None or cost < current:
                best[after], came_from[after] = cost, i
    sequence: list[str] = []
    placed = (1 << n) - 1
    while placed:
        i = came_from[placed]
        sequence.append(component[i])
        placed &= ~(1 << i)
    sequence.reverse()
    return _forward_edges(sequence, costs)


def _greedy_cut(component: list[str], costs: Mapping[str, Mapping[str, int]]) -> set[tuple[str, str]]:
    """Edges to remove from a large ``component``: place next the node whose edges to the unplaced ones cost
    least, then keep every removed edge that closes no cycle with those kept."""
    unplaced = list(component)
    sequence: list[str] = []
    while unplaced:
        left = set(unplaced)
        node = min(unplaced, key=lambda v: sum(c for t, c in costs[v].items() if t in left and t != v))
        sequence.append(node)
        unplaced.remove(node)
    cut = _forward_edges(sequence, costs)
    members = set(component)
    kept = {(a, b) for a in component for b in costs[a] if b in members and b != a} - cut
    for edge in sorted(cut, key=lambda e: (-costs[e[0]][e[1]], e)):
        if not _reaches(kept, edge[1], edge[0]):
            kept.add(edge)
            cut.discard(edge)
    return cut


def _forward_edges(sequence: list[str], costs: Mapping[str, Mapping[str, int]]) -> set[tuple[str, str]]:
    """The edges from a node to one placed after it in ``sequence``."""
    position = {node: i for i, node in enumerate(sequence)}
    return {
        (node, target)
        for node in sequence
        for target in costs[node]
        if target in position and position[target] > position[node]
    }


def _reaches(edges: set[tuple[str, str]], start: str, goal: str) -> bool:
    """Whether ``goal`` can be reached from ``start`` along ``edges``."""
    seen, frontier = {start}, [start]
    while frontier:
        node = frontier.pop()
        if node == goal:
            return True
        for a, b in edges:
            if a == node and b not in seen:
                seen.add(b)
                frontier.append(b)
    return False
