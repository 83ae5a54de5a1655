"""Durations as people write them: ``500ms``, ``5s``, ``10min``, ``2h``; a bare number is seconds."""

from __future__ import annotations

import re

from .errors import DbshiftError


class BadDuration(DbshiftError):
    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__(f"invalid duration {text!r}: use a number with a unit, e.g. 500ms, 5s, 10min, 2h")


_UNITS_MS = {"ms": 1, "s": 1000, "sec": 1000, "m": 60_000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}


def parse_duration(text: str) -> int:
    """Milliseconds in ``500ms``, ``5s``, ``1.5s``, ``10min``, ``2h``, ``1d``; a bare number is seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", str(text).lower())
    if not match or match.group(2) not in {**_UNITS_MS, "": 1000}:
        raise BadDuration(text)
    return int(float(match.group(1)) * _UNITS_MS.get(match.group(2), 1000))


def seconds(text: str | float | None) -> float | None:
    """``text`` (a duration, or a number of seconds) in seconds; None stays None."""
    if text is None or isinstance(text, (int, float)):
        return text
    return parse_duration(text) / 1000
