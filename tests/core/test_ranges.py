"""Revision ranges (``history -r START:END``) on graphs built in memory."""

from __future__ import annotations

import pytest

from dbshift.core.errors import UnknownRevision
from dbshift.core.graph import Revision, RevisionGraph
from dbshift.core.ranges import BadRange, in_range

# a <- b <- c <- d <- e, and a side branch x <- b merged back by y <- e, x
LINEAR = RevisionGraph.build(Revision(r, (p,) if p.strip() else ()) for r, p in zip("abcde", " abcd"))
FORKED = RevisionGraph.build([*LINEAR.revisions.values(), Revision("x", ("b",)), Revision("y", ("e", "x"))])


@pytest.mark.parametrize(
    "text, current, expected",
    [
        (":", (), "abcde"),
        ("base:head", (), "abcde"),
        ("b:d", (), "bcd"),
        ("c:", (), "cde"),
        (":b", (), "ab"),
        ("-2:current", ("d",), "bcd"),
        ("current:", ("c",), "cde"),
        ("current:head", (), "abcde"),  # at base, "current" as a start means from the beginning
        (":current", (), ""),
        ("current+1:", ("c",), "de"),
        ("+1:+2", ("b",), "cd"),
        ("+1:+1", (), "a"),
        ("head-1:", (), "de"),
        ("d-3:d-1", (), "abc"),
        ("base:base", (), ""),
        ("e:a", (), ""),
    ],
)
def test_linear_ranges(text: str, current: tuple[str, ...], expected: str):
    assert "".join(in_range(LINEAR, text, current)) == expected


def test_ranges_across_a_fork_and_a_merge():
    assert set(in_range(FORKED, "b:y")) == set("bcdexy")
    assert set(in_range(FORKED, ":x")) == set("abx")
    assert set(in_range(FORKED, "y-1:")) == set("exy"), "one step back from a merge reaches both parents"


@pytest.mark.parametrize(
    "text, message",
    [
        ("b", "expected START:END"),
        ("a:b:c", "expected START:END"),
        ("-9:", "before base"),
        ("+9:", "after the head"),
        ("-1:", "before base"),  # the database is at base: nothing to step back from
    ],
)
def test_bad_ranges_say_what_is_expected(text: str, message: str):
    with pytest.raises(BadRange, match=message) as caught:
        in_range(LINEAR, text, () if text == "-1:" else ("b",))
    assert "\n" not in str(caught.value)


def test_unknown_revision_in_a_range():
    with pytest.raises(UnknownRevision, match="'zz'"):
        in_range(LINEAR, "zz:", ())
