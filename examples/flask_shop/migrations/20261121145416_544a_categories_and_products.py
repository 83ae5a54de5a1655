"""categories and products

Revision: 20261121145416_544a
Parents: base
Created: 2026-11-21 14:54:16 UTC
"""

from dbshift.migration import *  # noqa: F401,F403

revision = "20261121145416_544a"
parents = ()
message = "categories and products"

upgrade = [
    CreateTable(Table(
        "category",
        (
            Column("id", "integer", nullable=False, autoincrement=True),
            Column("name", "varchar(80)", nullable=False),
        ),
        primary_key=PrimaryKey(("id",), name="pk_category"),
        uniques=(Unique(("name",), name="uq_category_name"),),
    )),
    CreateTable(Table(
        "product",
        (
            Column("id", "integer", nullable=False, autoincrement=True),
            Column("name", "varchar(120)", nullable=False),
            Column("price", "numeric(10,2)", nullable=False),
            Column("category_id", "integer", nullable=False),
        ),
        primary_key=PrimaryKey(("id",), name="pk_product"),
        foreign_keys=(
            ForeignKey(
                ("category_id",),
                "category",
                ("id",),
                name="fk_product_category_id_category",
            ),
        ),
        indexes=(Index("ix_product_category_id", ("category_id",)),),
    )),
]

# The downgrade is the reverse of `upgrade`, computed when it runs.
# To write it by hand, define: downgrade = [...]
