"""PostgreSQL features autogenerate must detect and migrate, each applied for real both ways."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from dbshift import api


def base(md: sa.MetaData) -> sa.Table:
    return sa.Table(
        "item", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("tags", postgresql.ARRAY(sa.Text)),
        sa.Column("price", sa.Numeric(10, 2), nullable=False, server_default="0"),
    )


def rich(md: sa.MetaData) -> None:
    t = sa.Table(
        "item", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, comment="what it is called"),
        sa.Column("tags", postgresql.ARRAY(sa.Text)),
        sa.Column("price", sa.Numeric(10, 2), nullable=False, server_default="0"),
        sa.Column("price_with_tax", sa.Numeric(12, 2), sa.Computed("price * 1.2")),
        sa.Column("serial_no", sa.BigInteger, sa.Identity(always=True, start=100)),
        sa.CheckConstraint("price >= 0", name="ck_item_price_positive"),
        comment="things we sell",
    )
    sa.Index("ix_item_lower_name", sa.func.lower(t.c.name))
    sa.Index("ix_item_tags", t.c.tags, postgresql_using="gin")
    sa.Index("ix_item_cheap", t.c.name, postgresql_where=t.c.price < 10)
    sa.Index("ix_item_name_incl", t.c.name, postgresql_include=["price"])
    sa.Table(
        "review", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name="fk_review_item", ondelete="SET NULL",
                                deferrable=True, initially="DEFERRED"),
    )
    sa.Sequence("invoice_numbers", start=1000, increment=5, metadata=md)


def test_identity_computed_comments_checks_indexes_sequences(pg_url, roundtrip):
    roundtrip(pg_url, base, rich, ["INSERT INTO item (id, name, price) VALUES (1, 'pen', 2)"], {"item": "id, name, price"})


def in_other_schema(md: sa.MetaData) -> None:
    base(md)
    sa.Table(
        "event", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.ForeignKey("item.id")),
        sa.Column("kind", sa.Enum("created", "deleted", name="event_kind", schema="audit")),
        schema="audit",
    )


def test_tables_and_enums_in_another_schema(pg_url, roundtrip, execute):
    execute(pg_url, "CREATE SCHEMA audit")
    roundtrip(pg_url, base, in_other_schema)


def moods(*values: str):
    def build(md: sa.MetaData) -> None:
        sa.Table(
            "person", md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("mood", sa.Enum(*values, name="mood"), server_default=values[0]),
        )
    return build


def test_enum_value_added_in_the_middle_and_at_the_end(pg_url, roundtrip):
    result = roundtrip(pg_url, moods("happy", "sad"), moods("happy", "meh", "sad", "angry"),
                       ["INSERT INTO person (id, mood) VALUES (1, 'sad')"], {"person": "id, mood::text"})
    assert [type(op).__name__ for op in result.ops] == ["AlterEnum"]


def test_enum_value_renamed_keeps_rows(pg_url, roundtrip, rows):
    roundtrip(pg_url, moods("happy", "sad"), moods("happy", "blue"),
              ["INSERT INTO person (id, mood) VALUES (1, 'happy')"], {"person": "id, mood::text"},
              renames=["mood.sad:blue"])


def test_enum_value_removed_when_no_row_holds_it(pg_url, roundtrip):
    roundtrip(pg_url, moods("happy", "sad", "meh"), moods("happy", "sad"),
              ["INSERT INTO person (id, mood) VALUES (1, 'sad')"], {"person": "id, mood::text"})


def test_enum_value_removal_refused_while_rows_hold_it(pg_url, tmp_path, execute):
    from dbshift.config import Config
    from dbshift.core.errors import DbshiftError

    root = tmp_path / "p"
    (root / "migrations").mkdir(parents=True)

    def config(build):
        md = sa.MetaData()
        build(md)
        return Config(root=root, migrations=root / "migrations", url=pg_url, url_source="t", metadata_object=md)

    api.revision(config(moods("happy", "sad")), "a", autogenerate=True)
    api.upgrade(config(moods("happy", "sad")))
    execute(pg_url, "INSERT INTO person (id, mood) VALUES (1, 'sad')")
    api.revision(config(moods("happy")), "b", autogenerate=True)
    with pytest.raises(DbshiftError, match="rows in person.mood still hold them"):
        api.upgrade(config(moods("happy")))
    assert len(api.current(config(moods("happy", "sad")))) == 1
    assert api.check(config(moods("happy", "sad"))).ops == (), "the failed migration changed nothing"


def enum_gone(md: sa.MetaData) -> None:
    sa.Table("person", md, sa.Column("id", sa.Integer, primary_key=True))


def test_enum_type_dropped_with_its_last_column_and_recreated_on_downgrade(pg_url, roundtrip):
    result = roundtrip(pg_url, moods("happy", "sad"), enum_gone)
    assert [type(op).__name__ for op in result.ops] == ["DropColumn", "DropEnum"]


def int_price(md):
    sa.Table("p", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("price", sa.String(10)))


def numeric_price(md):
    sa.Table("p", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("price", sa.Numeric(10, 2)))


def test_type_change_needing_a_cast(pg_url, roundtrip):
    roundtrip(pg_url, int_price, numeric_price, ["INSERT INTO p (id, price) VALUES (1, '12.50')"], {"p": "id"})
