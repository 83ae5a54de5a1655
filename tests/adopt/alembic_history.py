"""A synthetic Flask-Migrate/Alembic project, written as files: the history every adoption test starts from.

The graph (ids are Alembic's)::

    1a..01 create user, post, legacy
      └ 2b..02 constraints and indexes (batch: unique, FK, check; indexes; add column; drop table)
          ├ 3c..03 [feature] rename user → account; post_tag with a primary key added in batch
          └ 4d..04 tags: create + bulk_insert; slugs filled through op.get_bind(); execute(text), execute(construct)
              5e..05 merge (3c, 4d)
                6f..06 tighten columns (batch alter with existing_*, drop column, drop/create check, drop index)
    7a..07 [audit] second base: audit_log
      └ 8b..08 depends_on "feature": FK to account, index
    9c..09 merge (6f, 8b)

``MODELS`` is the schema at ``9c..09``; ``ROWS_AT_2B`` seeds a database stopped at ``2b..02`` so that the data
migration has rows to fill.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import sqlalchemy as sa

HEAD = "9c0000000009"
BASES = ("1a0000000001", "7a0000000007")
ORDER = ("1a0000000001", "2b0000000002", "3c0000000003", "4d0000000004", "5e0000000005", "6f0000000006",
         "7a0000000007", "8b0000000008", "9c0000000009")

ENV_PY = '''\
from logging.config import fileConfig

from sqlalchemy import engine_from_config, pool

from alembic import context

config = context.config
target_metadata = None


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.",
                                     poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

ALEMBIC_INI = """\
[alembic]
script_location = %(here)s

[loggers]
keys = root

[handlers]
keys =

[formatters]
keys =

[logger_root]
level = WARN
handlers =
"""

SCRIPTS = {
    "1a0000000001_create_user_and_post.py": '''
        """create user and post

        Revision ID: 1a0000000001
        Revises:
        Create Date: 2021-03-01 10:00:00
        """
        from alembic import op
        import sqlalchemy as sa

        revision = "1a0000000001"
        down_revision = None
        branch_labels = None
        depends_on = None


        def upgrade():
            op.create_table(
                "user",
                sa.Column("id", sa.Integer(), nullable=False),
                sa.Column("email", sa.String(length=120), nullable=False),
                sa.Column("name", sa.String(length=50), nullable=True),
                sa.PrimaryKeyConstraint("id"),
            )
            op.create_table(
                "post",
                sa.Column("id", sa.Integer(), nullable=False),
                sa.Column("user_id", sa.Integer(), nullable=True),
                sa.Column("title", sa.String(length=200), nullable=True),
                sa.Column("score", sa.Integer(), nullable=True),
                sa.PrimaryKeyConstraint("id"),
            )
            op.create_table("legacy", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("note", sa.Text()))


        def downgrade():
            op.drop_table("legacy")
            op.drop_table("post")
            op.drop_table("user")
    ''',
    "2b0000000002_constraints_and_indexes.py": '''
        """constraints and indexes

        Revision ID: 2b0000000002
        Revises: 1a0000000001
        """
        from alembic import op
        import sqlalchemy as sa

        revision: str = "2b0000000002"
        down_revision: str | None = "1a0000000001"
        branch_labels = None
        depends_on = None


        def upgrade():
            with op.batch_alter_table("user") as batch:
                batch.create_unique_constraint("uq_user_email", ["email"])
            with op.batch_alter_table("post") as batch:
                batch.create_foreign_key("fk_post_user", "user", ["user_id"], ["id"])
                batch.create_check_constraint("ck_post_score", "score >= 0")
            op.create_index("ix_post_title", "post", ["title"])
            op.create_index("ix_post_score", "post", ["score"])
            op.add_column("post", sa.Column("draft", sa.Boolean(), nullable=True))
            op.drop_table("legacy")


        def downgrade():
            op.create_table("legacy", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("note", sa.Text()))
            with op.batch_alter_table("post") as batch:
                batch.drop_column("draft")
            op.drop_index("ix_post_score", table_name="post")
            op.drop_index("ix_post_title", table_name="post")
            with op.batch_alter_table("post") as batch:
                batch.drop_constraint("ck_post_score", type_="check")
                batch.drop_constraint("fk_post_user", type_="foreignkey")
            with op.batch_alter_table("user") as batch:
                batch.drop_constraint("uq_user_email", type_="unique")
    ''',
    "3c0000000003_rename_user_to_account.py": '''
        """rename user to account

        Revision ID: 3c0000000003
        Revises: 2b0000000002
        """
        from alembic import op
        import sqlalchemy as sa

        revision = "3c0000000003"
        down_revision = "2b0000000002"
        branch_labels = ("feature",)
        depends_on = None


        def upgrade():
            op.rename_table("user", "account")
            op.create_table(
                "post_tag",
                sa.Column("post_id", sa.Integer(), nullable=False),
                sa.Column("tag_id", sa.Integer(), nullable=False),
            )
            with op.batch_alter_table("post_tag") as batch:
                batch.create_primary_key("pk_post_tag", ["post_id", "tag_id"])


        def downgrade():
            with op.batch_alter_table("post_tag") as batch:
                batch.drop_constraint("pk_post_tag", type_="primary")
            op.drop_table("post_tag")
            op.rename_table("account", "user")
    ''',
    "4d0000000004_tags_and_slugs.py": '''
        """tags and slugs

        Revision ID: 4d0000000004
        Revises: 2b0000000002
        """
        import re

        from alembic import op
        import sqlalchemy as sa

        revision = "4d0000000004"
        down_revision = "2b0000000002"
        branch_labels = None
        depends_on = None

        tag = sa.table("tag", sa.column("id", sa.Integer), sa.column("name", sa.String))
        post = sa.table("post", sa.column("draft", sa.Boolean))


        def slugify(title):
            return re.sub(r"[^a-z0-9]+", "-", (title or "").lower()).strip("-")


        def upgrade():
            op.create_table(
                "tag",
                sa.Column("id", sa.Integer(), nullable=False),
                sa.Column("name", sa.String(length=50), nullable=False),
                sa.PrimaryKeyConstraint("id"),
                sa.UniqueConstraint("name", name="uq_tag_name"),
            )
            op.bulk_insert(tag, [{"id": 1, "name": "python"}, {"id": 2, "name": "sql"}])
            op.add_column("post", sa.Column("slug", sa.String(length=220), nullable=True))
            conn = op.get_bind()
            for post_id, title in conn.execute(sa.text("SELECT id, title FROM post")).fetchall():
                conn.execute(sa.text("UPDATE post SET slug = :slug WHERE id = :id"), {"slug": slugify(title), "id": post_id})
            op.execute("UPDATE post SET score = 0 WHERE score IS NULL")
            op.execute(post.update().where(post.c.draft.is_(None)).values(draft=False))


        def downgrade():
            with op.batch_alter_table("post") as batch:
                batch.drop_column("slug")
            op.drop_table("tag")
    ''',
    "5e0000000005_merge.py": '''
        """merge feature and tags

        Revision ID: 5e0000000005
        Revises: 3c0000000003, 4d0000000004
        """
        revision = "5e0000000005"
        down_revision = ("3c0000000003", "4d0000000004")
        branch_labels = None
        depends_on = None


        def upgrade():
            pass


        def downgrade():
            pass
    ''',
    "6f0000000006_tighten_columns.py": '''
        """tighten columns

        Revision ID: 6f0000000006
        Revises: 5e0000000005
        """
        from alembic import op
        import sqlalchemy as sa

        revision = "6f0000000006"
        down_revision = "5e0000000005"
        branch_labels = None
        depends_on = None


        def upgrade():
            op.execute(sa.text("UPDATE account SET name = :name WHERE name IS NULL").bindparams(name="anonymous"))
            with op.batch_alter_table("account") as batch:
                batch.alter_column("name", type_=sa.String(length=80), existing_type=sa.String(length=50),
                                   existing_nullable=True)
            op.drop_index("ix_post_score", table_name="post")
            with op.batch_alter_table("post") as batch:
                batch.alter_column("title", nullable=False, existing_type=sa.String(length=200))
                batch.alter_column("score", nullable=False, existing_type=sa.Integer(), existing_nullable=True)
                batch.drop_column("draft")
                batch.drop_constraint("ck_post_score", type_="check")
                batch.create_check_constraint("ck_post_score_range", "score >= 0 AND score <= 1000000")


        def downgrade():
            with op.batch_alter_table("post") as batch:
                batch.drop_constraint("ck_post_score_range", type_="check")
                batch.create_check_constraint("ck_post_score", "score >= 0")
                batch.add_column(sa.Column("draft", sa.Boolean(), nullable=True))
                batch.alter_column("score", nullable=True, existing_type=sa.Integer(), existing_nullable=False)
                batch.alter_column("title", nullable=True, existing_type=sa.String(length=200))
            op.create_index("ix_post_score", "post", ["score"])
            with op.batch_alter_table("account") as batch:
                batch.alter_column("name", type_=sa.String(length=50), existing_type=sa.String(length=80),
                                   existing_nullable=True)
    ''',
    "7a0000000007_audit_log.py": '''
        """audit log

        Revision ID: 7a0000000007
        Revises:
        """
        from alembic import op
        import sqlalchemy as sa

        revision = "7a0000000007"
        down_revision = None
        branch_labels = ("audit",)
        depends_on = None


        def upgrade():
            op.create_table(
                "audit_log",
                sa.Column("id", sa.Integer(), nullable=False),
                sa.Column("account_id", sa.Integer(), nullable=True),
                sa.Column("action", sa.String(length=40), nullable=False),
                sa.Column("at", sa.DateTime(), nullable=True),
                sa.PrimaryKeyConstraint("id"),
            )


        def downgrade():
            op.drop_table("audit_log")
    ''',
    "8b0000000008_audit_account.py": '''
        """audit entries name their account

        Revision ID: 8b0000000008
        Revises: 7a0000000007
        """
        from alembic import op

        revision = "8b0000000008"
        down_revision = "7a0000000007"
        branch_labels = None
        depends_on = "feature"


        def upgrade():
            with op.batch_alter_table("audit_log") as batch:
                batch.create_foreign_key("fk_audit_account", "account", ["account_id"], ["id"])
            op.create_index("ix_audit_action", "audit_log", ["action"])


        def downgrade():
            op.drop_index("ix_audit_action", table_name="audit_log")
            with op.batch_alter_table("audit_log") as batch:
                batch.drop_constraint("fk_audit_account", type_="foreignkey")
    ''',
    "9c0000000009_join_audit.py": '''
        """join audit

        Revision ID: 9c0000000009
        Revises: 6f0000000006, 8b0000000008
        """
        revision = "9c0000000009"
        down_revision = ("6f0000000006", "8b0000000008")
        branch_labels = None
        depends_on = None


        def upgrade():
            pass


        def downgrade():
            pass
    ''',
}

MODELS = '''\
import sqlalchemy as sa

metadata = sa.MetaData()

account = sa.Table(
    "account", metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("email", sa.String(120), nullable=False),
    sa.Column("name", sa.String(80), nullable=True),
    sa.UniqueConstraint("email", name="uq_user_email"),
)
post = sa.Table(
    "post", metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("user_id", sa.Integer(), sa.ForeignKey("account.id", name="fk_post_user"), nullable=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("score", sa.Integer(), nullable=False),
    sa.Column("slug", sa.String(220), nullable=True),
    sa.CheckConstraint("score >= 0 AND score <= 1000000", name="ck_post_score_range"),
    sa.Index("ix_post_title", "title"),
)
post_tag = sa.Table(
    "post_tag", metadata,
    sa.Column("post_id", sa.Integer(), nullable=False),
    sa.Column("tag_id", sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint("post_id", "tag_id", name="pk_post_tag"),
)
tag = sa.Table(
    "tag", metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
    sa.UniqueConstraint("name", name="uq_tag_name"),
)
audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id", name="fk_audit_account"), nullable=True),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("at", sa.DateTime(), nullable=True),
    sa.Index("ix_audit_action", "action"),
)
'''

ROWS_AT_2B = [
    'INSERT INTO "user" (id, email, name) VALUES (1, \'ann@example.com\', \'Ann\'), (2, \'bob@example.com\', NULL)',
    "INSERT INTO post (id, user_id, title, score, draft) VALUES (1, 1, 'Hello, World!', NULL, NULL), "
    "(2, 2, 'Second  post', 5, NULL)",
]


def write_project(root: Path, url: str) -> Path:
    """A project folder with ``pyproject.toml`` ([tool.dbshift]), ``models.py`` and Flask-Migrate's ``migrations/``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        f'[tool.dbshift]\nmetadata = "models_{root.name}:metadata"\nmigrations = "migrations"\nurl = "{url}"\n'
    )
    (root / f"models_{root.name}.py").write_text(MODELS)
    folder = root / "migrations"
    (folder / "versions").mkdir(parents=True, exist_ok=True)
    (folder / "env.py").write_text(ENV_PY)
    (folder / "alembic.ini").write_text(ALEMBIC_INI)
    (folder / "script.py.mako").write_text("# Alembic's template for new scripts\n")
    (folder / "README").write_text("Single-database configuration for Flask.\n")
    for name, text in SCRIPTS.items():
        (folder / "versions" / name).write_text(textwrap.dedent(text).lstrip())
    return root


def quoted_rows(url: str) -> list[str]:
    """``ROWS_AT_2B`` with the identifier quote of ``url``'s database."""
    if url.startswith("mysql") or url.startswith("mariadb"):
        return [s.replace('"user"', "`user`") for s in ROWS_AT_2B]
    return list(ROWS_AT_2B)


def alembic_config(root: Path, url: str):  # -> alembic.config.Config
    from alembic.config import Config

    config = Config(str(root / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(root / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def alembic_upgrade(root: Path, url: str, target: str = "heads") -> None:
    """Alembic's own run of the history (what a team not yet switched does)."""
    from alembic import command

    command.upgrade(alembic_config(root, url), target)


def execute(url: str, statements: list[str]) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            for sql in statements:
                conn.exec_driver_sql(sql)
    finally:
        engine.dispose()
