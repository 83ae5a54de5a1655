"""What lint says about an operation: a :class:`Finding` with a stable code, and each code's one severity.  Pure."""

from __future__ import annotations

from .values import frozen

CODES: dict[str, str] = {
    "DS101": "drop table",
    "DS102": "drop column",
    "DS103": "column type change rewrites the table or may lose data",
    "DS104": "SET NOT NULL on an existing column",
    "DS105": "NOT NULL column without a default added to an existing table",
    "DS106": "index built without CONCURRENTLY",
    "DS107": "constraint added without NOT VALID",
    "DS108": "rename breaks running application code",
    "DS109": "enum values removed",
    "DS110": "destructive hand-written SQL",
    "DS111": "rows hold NULL in a column becoming NOT NULL",
    "DS112": "duplicate values under a new unique key",
    "DS113": "rows violate a new foreign key",
    "DS114": "rows violate a new CHECK constraint",
    "DS115": "values the new column type cannot hold",
    "DS116": "MariaDB/MySQL copies the whole table",
}

SEVERITY: dict[str, str] = {
    code: "warning" if code in ("DS103", "DS104", "DS106", "DS107", "DS108", "DS116") else "error" for code in CODES
}
"""Each code's one severity: "error" loses data or fails on the rows, "warning" locks or breaks running code."""


@frozen
class Finding:
    """One unsafe operation: a stable ``code`` and its ``severity``, the operation, what happens, what to do.

    ``rows``: how many rows of the database the finding is about, when it was
    read there (None: read from the statement alone).
    """

    code: str
    severity: str
    op: str
    message: str
    suggestion: str
    heuristic: bool = False
    rows: int | None = None

    @property
    def confirmed(self) -> bool:
        """The database's rows confirm it: an error the migration would really run into."""
        return self.severity == "error" and self.rows is not None and self.rows > 0


def finding(code: str, op: str, message: str, suggestion: str, *, heuristic: bool = False,
            rows: int | None = None) -> Finding:
    """A :class:`Finding` of ``code``, with the code's severity."""
    return Finding(code, SEVERITY[code], op, message, suggestion, heuristic, rows)
