"""A forked history drawn as ``git log --graph`` draws one: one lane per line of descent, newest first.

::

    *   merge            a merge: its second parent opens a lane to its right
    |\\
    | o  right           not applied (o) on the branch being merged
    * |  left            applied (*)
    |/                   two lanes waiting for the same revision join
    *    initial

Pure text from ``(id, parents, applied)`` triples; parents that are not among the nodes (a range of the
history) end their lane.
"""

from __future__ import annotations

from typing import Sequence

Node = tuple[str, Sequence[str], bool]  # id, parents, applied
Row = tuple[list[str], str, str]  # lines drawn before the node, the node's prefix, the prefix of lines under it


def graph_rows(nodes: Sequence[Node]) -> list[Row]:
    """For each node (newest first, each after all its children): the joining lines drawn before it, the
    prefix of its own line (``* `` applied, ``o `` not), and the prefix of lines printed under it."""
    known = {node[0] for node in nodes}
    lanes: list[str | None] = []  # the revision each lane waits for (None: the lane ends here)
    drawn: list[tuple[list[str], int, str, int, bool]] = []
    for rev_id, parents, applied in nodes:
        before: list[str] = []
        if rev_id not in lanes:
            lanes.append(rev_id)
        column = lanes.index(rev_id)
        while rev_id in lanes[column + 1 :]:  # several lanes were waiting for it: join them, rightmost first
            other = len(lanes) - 1 - lanes[::-1].index(rev_id)
            before.append(_join(len(lanes), column, other))
            del lanes[other]
        node_lanes = len(lanes)
        mine = [p for p in parents if p in known]
        lanes[column] = mine[0] if mine else None
        after: list[str] = []
        for extra, parent in enumerate(mine[1:], 1):  # a merge: each further parent opens a lane to its right
            lanes.insert(column + extra, parent)
            after.append(_fork(len(lanes), column + extra))
        if lanes[column] is None:  # a first revision: its lane ends, the lanes right of it move left
            if column < len(lanes) - 1:
                after.append(_shift(len(lanes), column))
            del lanes[column]
        drawn.append((before, column, "*" if applied else "o", node_lanes, bool(mine)))
        if after:
            drawn.append((after, -1, "", 0, False))
    width = max((n for *_, n, _ in drawn), default=1)
    rows: list[Row] = []
    pending: list[str] = []
    for before, column, mark, count, continues in drawn:
        if column < 0:  # the fork lines under a merge: drawn before the next node
            pending += before
            continue
        cells = ["|"] * count
        cells[column] = mark
        node = _pad(" ".join(cells), width)
        cells[column] = "|" if continues else " "
        under = _pad(" ".join(cells), width)
        rows.append((pending + before, node, under))
        pending = []
    return rows


def _pad(text: str, lanes: int) -> str:
    return text.ljust(2 * lanes) + " "


def _join(count: int, into: int, lane: int) -> str:
    """``|/`` (or ``|_|/`` across lanes between): lane ``lane`` joins lane ``into``; lanes right of it move left."""
    chars = [" "] * (2 * count)
    for i in range(lane):
        chars[2 * i] = "|"
    for i in range(into + 1, lane):
        chars[2 * i - 1] = "_"
    chars[2 * lane - 1] = "/"
    for i in range(lane + 1, count):
        chars[2 * i - 1] = "/"
    return "".join(chars).rstrip()


def _fork(count: int, lane: int) -> str:
    """``|\\``: a lane opens at ``lane`` (right of its merge); lanes right of it move right."""
    chars = [" "] * (2 * count)
    for i in range(lane):
        chars[2 * i] = "|"
    chars[2 * lane - 1] = "\\"
    for i in range(lane + 1, count):
        chars[2 * i - 1] = "\\"
    return "".join(chars).rstrip()


def _shift(count: int, lane: int) -> str:
    """``|  /``: lane ``lane`` ended; the lanes right of it move left."""
    chars = [" "] * (2 * count)
    for i in range(lane):
        chars[2 * i] = "|"
    for i in range(lane + 1, count):
        chars[2 * i - 1] = "/"
    return "".join(chars).rstrip()
