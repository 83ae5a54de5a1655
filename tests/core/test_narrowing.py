"""Which type changes can change values: the rule a guard checks before the change runs."""

from __future__ import annotations

import pytest

from dbshift.core.narrowing import Loss, loss


@pytest.mark.parametrize("old, new, expected", [
    ("varchar(20)", "varchar(5)", Loss("at most 5 characters", length=5)),
    ("text", "varchar(50)", Loss("at most 50 characters", length=50)),
    ("integer", "varchar(5)", Loss("at most 5 characters", length=5)),
    ("date", "char(4)", Loss("at most 4 characters", length=4)),
    ("numeric(12,2)", "numeric(10,2)", Loss("at most 8 digit(s) before the point and 2 after it", digits=8, scale=2)),
    ("numeric(10,3)", "numeric(10,2)", Loss("at most 8 digit(s) before the point and 2 after it", digits=8, scale=2)),
    ("double", "numeric(10,2)", Loss("at most 8 digit(s) before the point and 2 after it", digits=8, scale=2)),
    ("bigint", "numeric(12,2)", Loss("at most 10 digit(s) before the point and 2 after it", digits=10, scale=2)),
    ("bigint", "integer", Loss("whole numbers that fit in 32 bits", bits=32)),
    ("numeric(10,2)", "integer", Loss("whole numbers that fit in 32 bits", bits=32)),
    ("double", "bigint", Loss("whole numbers that fit in 64 bits", bits=64)),
    ("enum('a','b','c')", "enum('a','b')", Loss("one of 'a', 'b'", values=("a", "b"))),
    ("timestamp(6)", "timestamp(3)", Loss("the fractions of a second its type keeps", cast=True)),
    ("timestamp(3)", "timestamp", Loss("the fractions of a second its type keeps", cast=True)),
    ("double", "real", Loss("the values a single-precision float holds exactly", cast=True)),
    ("set('a','b','c')", "set('a','b')", Loss("the members 'a', 'b'", dropped=("c",))),
    ("set('a','it''s','c')", "set('c','a')", Loss("the members 'c', 'a'", dropped=("it's",))),
])
def test_a_narrowing_change_names_what_the_values_must_meet(old, new, expected):
    assert loss(old, new) == expected


@pytest.mark.parametrize("old, new", [
    ("varchar(5)", "varchar(20)"), ("varchar(50)", "text"), ("char(5)", "varchar(5)"),
    ("numeric(10,2)", "numeric(12,2)"), ("integer", "numeric(12,2)"), ("integer", "bigint"),
    ("smallint", "integer"), ("real", "double"), ("numeric(5,0)", "integer"), ("boolean", "integer"), ("integer", "double"),
    ("timestamp(3)", "timestamp(6)"), ("timestamp", "timestamp"), ("enum('a','b')", "enum('a','b','c')"),
    ("set('a','b')", "set('a','b','c')"), ("set('a','b')", "set('b','a')"),
])
def test_a_widening_change_has_nothing_to_check(old, new):
    assert loss(old, new) is None
