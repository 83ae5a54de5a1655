"""stock per product

Revision: 20261121145422_2a2f
Parents: 20261121145416_544a
Created: 2026-11-21 14:54:22 UTC
"""

from dbshift.migration import *  # noqa: F401,F403

revision = "20261121145422_2a2f"
parents = ("20261121145416_544a",)
message = "stock per product"

upgrade = [
    AddColumn("product", Column("stock", "integer", nullable=False, default="'0'")),
]

# The downgrade is the reverse of `upgrade`, computed when it runs.
# To write it by hand, define: downgrade = [...]
