"""audit log

Revision: 20261121145418_cc5c
Parents: base
Created: 2026-11-21 14:54:18 UTC
"""

from dbshift.migration import *  # noqa: F401,F403

revision = "20261121145418_cc5c"
parents = ()
message = "audit log"

upgrade = [
    CreateTable(Table(
        "audit_entry",
        (
            Column("id", "integer", nullable=False, autoincrement=True),
            Column("at", "timestamp", nullable=False, default="CURRENT_TIMESTAMP"),
            Column("action", "varchar(40)", nullable=False),
            Column("detail", "text"),
        ),
        primary_key=PrimaryKey(("id",), name="pk_audit_entry"),
    )),
]

# The downgrade is the reverse of `upgrade`, computed when it runs.
# To write it by hand, define: downgrade = [...]
