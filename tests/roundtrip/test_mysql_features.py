"""MySQL/MariaDB features autogenerate must detect and migrate, each applied for real both ways."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from dbshift import api
from dbshift.sqla.from_metadata import UnsupportedModel, from_metadata

SEED = ["INSERT INTO item (id, name, mood) VALUES (1, 'pen', 'happy')"]
KEEP = {"item": "id, name, mood"}


def item(md: sa.MetaData, *, moods=("happy", "sad"), **extra) -> sa.Table:  # noqa: ANN001
    return sa.Table(
        "item", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("mood", sa.Enum(*moods, name="mood"), nullable=False, server_default="happy"),
        *extra.pop("columns", ()),
        **extra,
    )


def test_inline_enum_values_added_and_removed(mysql_url, roundtrip):
    roundtrip(mysql_url, item, lambda md: item(md, moods=("happy", "meh", "sad", "angry")), SEED, KEEP)


def rich(md: sa.MetaData) -> None:
    t = item(
        md,
        columns=(
            sa.Column("doc", sa.JSON),
            sa.Column("settings", sa.JSON, nullable=False, server_default="{}"),
            sa.Column("note", sa.Text, server_default="it's a \\ note", comment="what's ' said"),
            sa.Column("price", sa.Numeric(10, 2), nullable=False, server_default="0"),
            sa.Column("active", sa.Boolean, nullable=False, server_default=sa.false()),
            sa.Column("created", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
            sa.Column("touched", sa.TIMESTAMP, server_default=sa.text("CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP")),
            sa.Column("precise", mysql.DATETIME(fsp=6)),
            sa.Column("big_text", mysql.LONGTEXT),
            sa.Column("small", mysql.TINYINT),
            sa.Column("count", mysql.INTEGER(unsigned=True), server_default="7"),
            sa.Column("flags", mysql.SET("a", "b")),
            sa.Column("born", mysql.YEAR),
            sa.Column("digest", mysql.VARBINARY(16)),
            sa.Column("ratio", sa.Float),
            sa.Column("exact", sa.Double),
            sa.Column("total", sa.Numeric(12, 2), sa.Computed("price * 2")),
            sa.Column("code", sa.String(20)),
        ),
        comment="things we sell",
    )
    t.append_constraint(sa.UniqueConstraint("code", name="uq_item_code"))
    t.append_constraint(sa.CheckConstraint("price >= 0 AND length(name) > 0", name="ck_item_sane"))
    sa.Index("ix_item_name_code", t.c.name, t.c.code, unique=True)  # a unique index: the same thing on MySQL
    sa.Index("ix_item_name_prefix", t.c.name, mysql_length=10)
    sa.Index("ix_item_note", t.c.note, mysql_prefix="FULLTEXT")
    sa.Index("ix_item_price_desc", t.c.price.desc())


def test_types_defaults_comments_keys_and_generated_columns(mysql_url, roundtrip):
    roundtrip(mysql_url, item, rich, SEED, KEEP)


def authors_and_books(md: sa.MetaData, *, book_index: bool = True, ondelete: str | None = "CASCADE") -> None:
    sa.Table("author", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50)))
    book = sa.Table(
        "book", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author_id", sa.Integer, nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["author.id"], name="fk_book_author", ondelete=ondelete),
    )
    if book_index:
        sa.Index("ix_book_author_title", book.c.author_id, book.c.title)


BOOK_SEED = ["INSERT INTO author (id, name) VALUES (1, 'Ann')", "INSERT INTO book (id, author_id, title) VALUES (1, 1, 'A')"]


def test_dropping_the_index_a_foreign_key_uses(mysql_url, roundtrip):
    roundtrip(mysql_url, authors_and_books, lambda md: authors_and_books(md, book_index=False), BOOK_SEED,
              {"book": "id, author_id, title"})


def test_changing_a_foreign_key_action(mysql_url, roundtrip):
    roundtrip(mysql_url, lambda md: authors_and_books(md, book_index=False),
              lambda md: authors_and_books(md, book_index=False, ondelete=None),
              BOOK_SEED, {"book": "id, author_id, title"})


def without_books(md: sa.MetaData) -> None:
    sa.Table("author", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50)))
    sa.Table(
        "book", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author_id", sa.Integer, nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
    )


def test_dropping_a_foreign_key_drops_its_implicit_index(mysql_url, roundtrip):
    roundtrip(mysql_url, lambda md: authors_and_books(md, book_index=False), without_books, BOOK_SEED,
              {"book": "id, author_id, title"})


def counter(md: sa.MetaData, *, auto: bool) -> None:
    sa.Table("counter", md, sa.Column("id", sa.Integer, primary_key=True, autoincrement=auto),
             sa.Column("n", sa.Integer))


def test_auto_increment_switched_on(mysql_url, roundtrip):
    roundtrip(mysql_url, lambda md: counter(md, auto=False), lambda md: counter(md, auto=True),
              ["INSERT INTO counter (id, n) VALUES (5, 1)"], {"counter": "id, n"})


def test_a_unique_index_and_a_unique_constraint_are_the_same_thing(mysql_url, tmp_path):
    def as_constraint(md: sa.MetaData) -> None:
        item(md).append_constraint(sa.UniqueConstraint("name", name="uq_item_name"))

    def as_index(md: sa.MetaData) -> None:
        sa.Index("uq_item_name", item(md).c.name, unique=True)

    from tests.roundtrip.conftest import _config, _models

    root = tmp_path / "p"
    (root / "migrations").mkdir(parents=True)
    api.revision(_config(root, mysql_url, _models(as_constraint)), "a", autogenerate=True)
    api.upgrade(_config(root, mysql_url, _models(as_constraint)))
    assert api.check(_config(root, mysql_url, _models(as_index))).ops == ()


def test_string_without_length_is_refused_with_the_column_named():
    md = sa.MetaData()
    sa.Table("t", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String))
    for dialect in ("mysql", "mariadb"):
        with pytest.raises(UnsupportedModel, match=r"^t\.name: String without a length .* VARCHAR\(n\)"):
            from_metadata(md, dialect)


def unnamed_keys(md: sa.MetaData) -> None:
    sa.Table("author", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50), unique=True))
    sa.Table(
        "book", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author_id", sa.ForeignKey("author.id", ondelete="CASCADE"), nullable=False),
        sa.Column("editor_id", sa.ForeignKey("author.id")),
        sa.Column("title", sa.String(100), nullable=False),
        sa.UniqueConstraint("author_id", "title"),
        sa.UniqueConstraint("title", "editor_id"),
        sa.UniqueConstraint("title", name="title_2"),
    )


@pytest.mark.parametrize("build", [rich, unnamed_keys, authors_and_books])
def test_a_database_made_by_create_all_matches_its_models(mysql_url, tmp_path, build):
    """``stamp head`` on a database SQLAlchemy created: MySQL's own names for unnamed keys are expected."""
    from dbshift.database.connect import create_engine
    from tests.roundtrip.conftest import _config, _models

    models = _models(build)
    engine = create_engine(mysql_url)
    models.create_all(engine)
    engine.dispose()
    root = tmp_path / "p"
    (root / "migrations").mkdir(parents=True)
    assert api.check(_config(root, mysql_url, models)).ops == ()
