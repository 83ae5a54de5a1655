"""Which type changes can change a column's values, and how.

A type change that cannot hold every value the column may have (a shorter
string, fewer digits or decimals, a smaller integer, an integer from a
fraction, a MySQL ``SET`` without a member a value holds) must not run over
values it would cut, round or overflow.
:func:`loss` says what to check; each dialect turns it into a guard query
run before the change, inside the migration's transaction.
"""

from __future__ import annotations

import re

from .types import parse_type
from .values import frozen

_INTEGER_BITS = {"tinyint": 8, "smallint": 16, "mediumint": 24, "integer": 32, "int": 32, "bigint": 64}
_BOUNDED_STRINGS = ("varchar", "char", "nvarchar", "nchar", "character varying", "character")
_UNBOUNDED_STRINGS = ("text", "tinytext", "mediumtext", "longtext", "clob", "string")
_FRACTIONAL = {"double": 64, "double precision": 64, "float8": 64, "real": 32, "float": 32, "float4": 32}  # bits
_NUMERIC = ("numeric", "decimal")
_TIMES = ("timestamp", "timestamptz", "datetime", "time", "timetz")
_TYPE = re.compile(r"^\s*([a-z][a-z ]*?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$")
_SET = re.compile(r"^\s*set\s*\((.*)\)\s*$", re.IGNORECASE | re.DOTALL)
_MEMBER = re.compile(r"'((?:[^']|'')*)'")


@frozen
class Loss:
    """What converting values to the new type can lose, as the rule the values must meet.

    Exactly one of: ``length`` (the new type holds at most that many
    characters), ``digits``/``scale`` (at most ``digits`` before the point
    and ``scale`` after it), ``bits`` (a signed integer of that width, and no
    fraction), ``values`` (an enumeration's values: a value it lacks is lost),
    ``dropped`` (the members of a MySQL ``SET`` the new type lacks: a value
    holding one of them loses it),
    ``cast`` (a time with fewer fractions of a second, a float with fewer
    bits: a value changes when converting it to the new type changes it).
    """

    rule: str
    length: int | None = None
    digits: int | None = None
    scale: int | None = None
    bits: int | None = None
    values: tuple[str, ...] | None = None
    dropped: tuple[str, ...] | None = None
    cast: bool = False


def loss(old: str, new: str) -> Loss | None:
    """What changing a column from type ``old`` to ``new`` can lose; None when every value fits."""
    members_before, members_after = set_members(old), set_members(new)
    if members_before is not None and members_after is not None:  # a SET that drops members
        dropped = tuple(v for v in members_before if v not in members_after)
        if not dropped:
            return None
        return Loss("the members " + ", ".join(repr(v) for v in members_after), dropped=dropped)
    was_enum, will_enum = parse_type(old), parse_type(new)
    if was_enum.values and will_enum.values:  # an enumeration that drops values
        if set(was_enum.values) <= set(will_enum.values):
            return None
        return Loss("one of " + ", ".join(repr(v) for v in will_enum.values), values=will_enum.values)
    before, after = _kind(old), _kind(new)
    if after is None:
        return None
    will, will_args = after
    if will == "string" and will_args:  # whatever it was, its text must fit
        limit = will_args[0]
        if before is not None and before[0] == "string" and before[1] and before[1][0] <= limit:
            return None
        return Loss(f"at most {limit} characters", length=limit)
    if before is None:
        return None
    was, was_args = before
    if will == "fraction" and was == "fraction":
        if will_args[0] >= was_args[0]:
            return None
        return Loss("the values a single-precision float holds exactly", cast=True)
    if will == "time" and was == "time":
        kept, had = (will_args or (None,))[0], (was_args or (None,))[0]
        if (kept is None and had is None) or (kept is not None and had is not None and kept >= had):
            return None
        return Loss("the fractions of a second its type keeps", cast=True)
    if will == "numeric" and will_args:
        digits, scale = (will_args[0] - (will_args[1] if len(will_args) > 1 else 0)), (will_args[1] if len(will_args) > 1 else 0)
        if was == "numeric" and was_args:
            old_scale = was_args[1] if len(was_args) > 1 else 0
            if old_scale <= scale and was_args[0] - old_scale <= digits:
                return None
        elif was == "integer" and len(str(2 ** (was_args[0] - 1))) <= digits:
            return None
        elif was not in ("numeric", "integer", "fraction"):
            return None
        return Loss(f"at most {digits} digit(s) before the point and {scale} after it", digits=digits, scale=scale)
    if will == "integer":
        bits = will_args[0]
        if was == "integer" and was_args[0] <= bits:
            return None
        if was == "numeric" and was_args and (was_args[1] if len(was_args) > 1 else 0) == 0 \
                and len(str(2 ** (bits - 1) - 1)) > was_args[0]:
            return None
        if was not in ("integer", "numeric", "fraction"):
            return None
        return Loss(f"whole numbers that fit in {bits} bits", bits=bits)
    return None


def set_members(type_string: str) -> tuple[str, ...] | None:
    """The members of a MySQL ``set('a','b')`` type, in order; None for any other type."""
    match = _SET.match(type_string)
    if match is None:
        return None
    return tuple(v.replace("''", "'") for v in _MEMBER.findall(match.group(1)))


def _kind(type_string: str) -> tuple[str, tuple[int, ...]] | None:
    """``("string", (20,))``, ``("numeric", (12, 2))``, ``("integer", (32,))``, ``("fraction", ())``, or None."""
    match = _TYPE.match(type_string.lower())
    if match is None:
        return None
    name, first, second = match.group(1), match.group(2), match.group(3)
    args = tuple(int(a) for a in (first, second) if a is not None)
    if name in _BOUNDED_STRINGS:
        return "string", args
    if name in _UNBOUNDED_STRINGS:
        return "string", ()
    if name in _NUMERIC:
        return "numeric", args
    if name in _INTEGER_BITS:
        return "integer", (_INTEGER_BITS[name],)
    if name in _FRACTIONAL:
        return "fraction", (_FRACTIONAL[name],)
    if name in _TIMES:
        return "time", args
    return None
