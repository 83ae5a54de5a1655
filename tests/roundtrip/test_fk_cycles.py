"""Foreign-key cycles on every database: only the keys that close a cycle are added after their tables."""

from __future__ import annotations

import sqlalchemy as sa

from dbshift import api
from dbshift.config import Config
from dbshift.core import ops as o
from dbshift.database.connect import create_engine


def base(md: sa.MetaData) -> None:
    sa.Table("settings", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("value", sa.String(40)))


def _fk(name: str, target: str, **kw) -> sa.Column:  # noqa: ANN003
    return sa.Column(name, sa.Integer, sa.ForeignKey(f"{target}.id", **kw))


def three_cycle_and_tree(md: sa.MetaData) -> None:
    base(md)
    three_cycle(md)


def three_cycle(md: sa.MetaData) -> None:
    sa.Table("a", md, sa.Column("id", sa.Integer, primary_key=True), _fk("b_id", "b"))
    sa.Table("b", md, sa.Column("id", sa.Integer, primary_key=True), _fk("c_id", "c"))
    sa.Table("c", md, sa.Column("id", sa.Integer, primary_key=True), _fk("a_id", "a"))
    sa.Table("category", md, sa.Column("id", sa.Integer, primary_key=True), _fk("parent_id", "category"),
             sa.Column("name", sa.String(40)))


def ctfd_like(md: sa.MetaData) -> None:
    """Users and teams reference each other; many tables reference both (CTFd's shape)."""
    base(md)
    sa.Table("brackets", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(80)))
    sa.Table("users", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(80)),
             _fk("bracket_id", "brackets", ondelete="SET NULL"), _fk("team_id", "teams"))
    sa.Table("teams", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(80)),
             _fk("bracket_id", "brackets", ondelete="SET NULL"), _fk("captain_id", "users", ondelete="SET NULL"))
    sa.Table("challenges", md, sa.Column("id", sa.Integer, primary_key=True),
             _fk("next_id", "challenges", ondelete="SET NULL"))
    for name in ("awards", "notifications", "unlocks", "tracking", "ratings", "field_entries"):
        sa.Table(name, md, sa.Column("id", sa.Integer, primary_key=True),
                 _fk("user_id", "users", ondelete="CASCADE"), _fk("team_id", "teams", ondelete="CASCADE"))
    sa.Table("submissions", md, sa.Column("id", sa.Integer, primary_key=True),
             _fk("challenge_id", "challenges", ondelete="CASCADE"),
             _fk("user_id", "users", ondelete="CASCADE"), _fk("team_id", "teams", ondelete="CASCADE"))
    sa.Table("solves", md, sa.Column("id", sa.Integer, sa.ForeignKey("submissions.id", ondelete="CASCADE"),
                                     primary_key=True),
             _fk("user_id", "users", ondelete="CASCADE"), _fk("team_id", "teams", ondelete="CASCADE"))


def _split(result: api.RevisionResult) -> list[str]:
    return [f"{op.table}.{op.constraint.columns[0]}" for op in result.ops if isinstance(op, o.AddConstraint)]


def test_a_three_table_cycle_adds_one_key_later_and_a_self_reference_none(db_url, roundtrip):
    result = roundtrip(db_url, base, three_cycle_and_tree, ["INSERT INTO settings (id, value) VALUES (1, 'x')"],
                       {"settings": "id, value"})
    assert len(_split(result)) == 1
    assert _split(result)[0] in ("a.b_id", "b.c_id", "c.a_id")
    assert sum(isinstance(op, o.CreateTable) for op in result.ops) == 4


def test_ctfd_like_models_add_only_the_users_teams_key_later(db_url, roundtrip):
    result = roundtrip(db_url, base, ctfd_like, ["INSERT INTO settings (id, value) VALUES (1, 'x')"],
                       {"settings": "id, value"})
    assert _split(result) in (["users.team_id"], ["teams.captain_id"])
    assert sum(isinstance(op, o.CreateTable) for op in result.ops) == 12


def _refused(url: str, sql: str) -> bool:
    """Whether the database refuses ``sql`` (SQLite with foreign-key enforcement on, set before any BEGIN)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys = ON")
            conn.exec_driver_sql(sql)
    except sa.exc.IntegrityError:
        return True
    finally:
        engine.dispose()
    return False


def test_the_keys_added_later_are_enforced(db_url, roundtrip, execute, rows):
    roundtrip(db_url, base, ctfd_like)
    execute(db_url, "INSERT INTO users (id, name) VALUES (1, 'ann')")
    execute(db_url, "INSERT INTO teams (id, name, captain_id) VALUES (1, 'red', 1)")
    execute(db_url, "UPDATE users SET team_id = 1 WHERE id = 1")
    assert rows(db_url, "users", "id, team_id") == [(1, 1)]
    assert _refused(db_url, "UPDATE users SET team_id = 99 WHERE id = 1")
    assert _refused(db_url, "UPDATE teams SET captain_id = 99 WHERE id = 1")
    assert _refused(db_url, "INSERT INTO awards (id, user_id) VALUES (1, 99)")


def test_models_made_by_create_all_are_clean(db_url, tmp_path):
    # named keys: create_all() adds every key of the tables in a cycle with ALTER TABLE, in an order that
    # changes from run to run, so MySQL's own names (t_ibfk_N) for unnamed ones cannot be foreseen
    md = sa.MetaData(naming_convention={"fk": "fk_%(table_name)s_%(column_0_name)s"})
    ctfd_like(md)
    three_cycle(md)
    engine = create_engine(db_url)
    md.create_all(engine)
    engine.dispose()
    root = tmp_path / "project"
    (root / "migrations").mkdir(parents=True)
    config = Config(root=root, migrations=root / "migrations", url=db_url, url_source="test", metadata_object=md)
    assert api.check(config).ops == ()


def authors(md: sa.MetaData) -> None:
    base(md)
    sa.Table("author", md, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("book", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("author_id", sa.Integer))


def books_by_author(md: sa.MetaData) -> None:
    base(md)
    sa.Table("author", md, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("book", md, sa.Column("id", sa.Integer, primary_key=True), _fk("author_id", "author"))


def test_an_unnamed_foreign_key_dbshift_wrote_can_be_dropped_again(db_url, roundtrip):
    # MySQL names the key book_ibfk_1; the index InnoDB needs for it is named as create_all() leaves it
    added = roundtrip(db_url, authors, books_by_author)  # added, dropped on downgrade, added again
    assert [type(op) for op in added.ops] == [o.AddConstraint]


def test_a_foreign_key_in_a_new_table_can_be_dropped_again(db_url, roundtrip):
    dropped = roundtrip(db_url, books_by_author, authors)  # created inline, dropped, re-added on downgrade
    assert [type(op) for op in dropped.ops] == [o.DropConstraint]
