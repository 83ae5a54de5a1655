"""The error story: every error a user can meet is a dbshift error that keeps its inputs, and the
commands its message names are data that each front end fills in."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap

import pytest

import dbshift
from dbshift.core import ops as o
from dbshift.core.errors import DbshiftError, MultipleHeads, command, for_program


def _all_errors() -> list[type[DbshiftError]]:
    for info in pkgutil.walk_packages(dbshift.__path__, "dbshift."):
        if info.name not in ("dbshift.testing", "dbshift.__main__"):
            importlib.import_module(info.name)
    found, todo = [], [DbshiftError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(set(found), key=lambda c: (c.__module__, c.__name__))


def _stored(cls: type[DbshiftError]) -> set[str]:
    """The attribute names ``cls.__init__`` assigns on ``self``."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls.__init__)))
    names = set()
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else []
        for target in targets:
            for item in target.elts if isinstance(target, ast.Tuple) else [target]:
                if isinstance(item, ast.Attribute) and isinstance(item.value, ast.Name) and item.value.id == "self":
                    names.add(item.attr)
    return names


ERRORS = [cls for cls in _all_errors() if "__init__" in vars(cls)]


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_an_error_keeps_its_inputs(cls):
    """So that a program catching it can act on what went wrong, not parse the message."""
    params = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "message")]
    missing = [p for p in params if p not in _stored(cls)]
    assert not missing, f"{cls.__name__}.__init__ does not keep {missing} on self"


def test_a_command_in_a_message_is_named_by_the_front_end_showing_it():
    exc = MultipleHeads(["a", "b"])
    assert "'dbshift merge'" in str(exc) and "'dbshift rebase b'" in str(exc)
    assert "'flask db merge'" in exc.line("flask db") and "dbshift merge" not in exc.line("flask db")
    assert for_program(f"run {command('upgrade')}", "flask database") == "run 'flask database upgrade'"


def test_a_step_without_a_reverse_is_a_dbshift_error():
    with pytest.raises(DbshiftError, match="has no reverse; write the downgrade by hand"):
        o.RunSQL("UPDATE t SET a = 1").reverse()
