"""Never a database by accident, never a secret shown.

Which database: a variable set but empty is an error (never the embedded
SQLite default); an explicit SQLite URL in a directory that does not exist is
an error; a relative SQLite path is taken from the project root; commands that
only read never create a database file.  Judged by the files on disk and the
database's tables.

Secrets: passwords holding ``@``, ``:`` and ``/`` are given raw, URL-encoded,
as ``password=``/``passwd=`` query parameters and inside connection strings,
to real servers; every output (``current -v``, error lines of failed connects,
``--json`` events, files under the test directory) is searched for any piece
of them.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runner"))
from runner_helpers import _env  # noqa: E402

from dbshift.cli import main  # noqa: E402

FIRST = """-- revision: 20260101000001_0001
-- parents:
-- message: first
CREATE TABLE a (id integer PRIMARY KEY);
"""

MODELS = '''
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class A(Base):
    __tablename__ = "a"
    id: Mapped[int] = mapped_column(primary_key=True)
'''


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch, tmp_path):
    """No URL or password from the machine running the tests; the embedded database under the test's folder."""
    for name in ("DBSHIFT_URL", "SHOP_DATABASE_URL", "DBSHIFT_PASSWORD", "PGPASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def make_project(root: Path, *, config: str = "", models: bool = False) -> Path:
    """A project named ``shop`` with one SQL migration creating table ``a`` (and models matching it)."""
    (root / "migrations").mkdir(parents=True)
    (root / "migrations" / "20260101000001_0001_first.sql").write_text(FIRST)
    settings = 'migrations = "migrations"\nurl_env = "SHOP_DATABASE_URL"\n' + config
    if models:
        (root / "shopmodels").mkdir()
        (root / "shopmodels" / "__init__.py").write_text("")
        (root / "shopmodels" / "models.py").write_text(MODELS)
        settings += 'metadata = "shopmodels.models:Base.metadata"\n'
    (root / "pyproject.toml").write_text(f'[project]\nname = "shop"\nversion = "0"\n\n[tool.dbshift]\n{settings}')
    return root


def dbshift(cwd: Path, *argv: str, expect: int | None = 0, stdin: io.StringIO | None = None) -> tuple[str, str]:
    """``dbshift ARGV`` in-process from ``cwd``: (stdout, stderr); an error is one line."""
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        code = main(list(argv), out, err, stdin or io.StringIO())
    finally:
        os.chdir(previous)
        for name in [m for m in sys.modules if m.startswith("shopmodels")]:
            del sys.modules[name]
        sys.path[:] = [p for p in sys.path if p != str(cwd)]
    assert expect is None or code == expect, f"dbshift {' '.join(argv)} exited {code}:\n{out.getvalue()}{err.getvalue()}"
    if code == 1:
        assert len(err.getvalue().strip().splitlines()) == 1 and "Traceback" not in err.getvalue(), err.getvalue()
    return out.getvalue(), err.getvalue()


def spawn(cwd: Path, *argv: str, env: dict[str, str]) -> tuple[int, str, str]:
    """``python -m dbshift ARGV`` as a deploy script runs it: (exit code, stdout, stderr)."""
    done = subprocess.run(
        [sys.executable, "-m", "dbshift", *argv], cwd=cwd, env={**_env(), **env}, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=120,
    )
    return done.returncode, done.stdout, done.stderr


def databases_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and p.suffix in (".db", ".sqlite")]


def tables(path: Path) -> set[str]:
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    return names


# --- which database ------------------------------------------------------------------------------


@pytest.mark.parametrize("variable, value", [("DBSHIFT_URL", ""), ("DBSHIFT_URL", "  "), ("SHOP_DATABASE_URL", "")])
def test_a_variable_set_but_empty_stops_the_deploy_instead_of_migrating_a_local_file(tmp_path, variable, value):
    root = make_project(tmp_path / "shop")
    data = tmp_path / "data"

    code, out, err = spawn(root, "upgrade", env={variable: value, "XDG_DATA_HOME": str(data)})

    assert code == 1, out + err
    assert err.count("\n") == 1 and err.startswith(f"error: ${variable} is set but empty"), err
    assert "Traceback" not in err and out == ""
    assert not data.exists() and databases_under(tmp_path) == [], "no embedded database was created, or migrated"


def test_an_empty_url_option_or_setting_is_an_error(tmp_path, monkeypatch):
    root = make_project(tmp_path / "shop")
    _, err = dbshift(root, "--url", "", "upgrade", expect=1)
    assert err == "error: --url is empty: give the database URL\n"

    monkeypatch.setenv("SHOP_DATABASE_URL", "")
    _, err = dbshift(root, "current", expect=1)
    assert "$SHOP_DATABASE_URL is set but empty" in err

    monkeypatch.delenv("SHOP_DATABASE_URL")
    configured = make_project(tmp_path / "configured", config='url = ""\n')
    _, err = dbshift(configured, "upgrade", expect=1)
    assert "url in [tool.dbshift] is empty" in err and "pyproject.toml" in err
    assert databases_under(tmp_path) == []


def test_unset_variables_still_lead_to_the_embedded_database_which_is_created_on_upgrade(tmp_path):
    root = make_project(tmp_path / "shop")
    embedded = tmp_path / "data" / "shop" / "main.db"

    out, _ = dbshift(root, "current", "-v")
    assert f"Database: sqlite:///{embedded} (the embedded default of app 'shop'" in out
    assert f"No database file yet: {embedded}" in out and not embedded.parent.exists(), "reading creates nothing"

    dbshift(root, "upgrade")
    assert tables(embedded) == {"a", "dbshift_history"}, "its directory is created for the embedded default only"


@pytest.mark.parametrize("source", ["--url", "DBSHIFT_URL", "SHOP_DATABASE_URL", "config"])
def test_an_explicit_sqlite_url_in_a_missing_directory_is_an_error(tmp_path, monkeypatch, source):
    missing = tmp_path / "typo" / "deeper"
    url = f"sqlite:///{missing}/shop.db"
    root = make_project(tmp_path / "shop", config=f'url = "{url}"\n' if source == "config" else "")
    argv = ["--url", url] if source == "--url" else []
    if source in ("DBSHIFT_URL", "SHOP_DATABASE_URL"):
        monkeypatch.setenv(source, url)

    for command in ("upgrade", "current", "stamp head"):
        _, err = dbshift(root, *argv, *command.split(), expect=1)
        assert err == (f"error: cannot open the SQLite database {missing}/shop.db: directory {missing} does not exist; "
                       "create it, or correct the URL\n")
    assert not (tmp_path / "typo").exists() and databases_under(tmp_path) == []


def test_a_relative_sqlite_path_is_taken_from_the_project_root_wherever_the_command_runs(tmp_path, monkeypatch):
    root = make_project(tmp_path / "shop", config='url = "sqlite:///var/shop.db"\n')
    (root / "var").mkdir()
    below = root / "shop" / "deeper"
    below.mkdir(parents=True)

    out, _ = dbshift(below, "upgrade")
    assert "Now at 20260101000001_0001" in out
    assert databases_under(tmp_path) == [root / "var" / "shop.db"], "not var/shop.db under the working directory"
    assert tables(root / "var" / "shop.db") == {"a", "dbshift_history"}
    out, _ = dbshift(below, "current", "-v")
    assert f"Database: sqlite:///{root}/var/shop.db (from url in [tool.dbshift])" in out and "20260101000001_0001" in out

    monkeypatch.setenv("DBSHIFT_URL", "sqlite:///other.db")
    dbshift(below, "upgrade")
    assert tables(root / "other.db") == {"a", "dbshift_history"} and not (below / "other.db").exists()
    dbshift(below, "--url", "sqlite:///third.db", "upgrade")
    assert tables(root / "third.db") == {"a", "dbshift_history"} and not (below / "third.db").exists()


@pytest.mark.parametrize("where", ["explicit", "embedded"])
def test_read_only_commands_never_create_the_database_file(tmp_path, monkeypatch, where):
    root = make_project(tmp_path / "shop", models=True)
    path = tmp_path / "db" / "shop.db" if where == "explicit" else tmp_path / "data" / "shop" / "main.db"
    if where == "explicit":
        path.parent.mkdir()
        monkeypatch.setenv("DBSHIFT_URL", f"sqlite:///{path}")

    out, _ = dbshift(root, "current")
    assert out == f"base (no migration applied)\nNo database file yet: {path} (the first upgrade creates it).\n"
    assert "20260101000001_0001" in dbshift(root, "history")[0]
    assert "20260101000001_0001" in dbshift(root, "heads")[0]
    assert "Revision: 20260101000001_0001" in dbshift(root, "show", "0001")[0]
    out, _ = dbshift(root, "check", expect=2)
    assert "1 migration(s) not applied" in out
    assert "No unsafe operations in 1 migration(s)" in dbshift(root, "lint")[0]
    assert "Dry run: nothing was changed" in dbshift(root, "upgrade", "--dry-run")[0]
    assert databases_under(tmp_path) == [] and not path.exists()

    dbshift(root, "upgrade")
    assert tables(path) == {"a", "dbshift_history"}
    assert dbshift(root, "current")[0] == "20260101000001_0001  first (head)\n"


def test_diff_never_creates_a_database_file(tmp_path):
    import sqlite3

    root = make_project(tmp_path / "shop")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (id integer PRIMARY KEY, name text)")
    missing = tmp_path / "missing.db"
    out, _ = dbshift(root, "diff", f"sqlite:///{missing}", f"sqlite:///{other}", expect=2)
    assert "CREATE TABLE t" in out, "a file that does not exist reads as an empty database"
    assert not missing.exists()


# --- secrets -------------------------------------------------------------------------------------


def _password() -> str:
    """A password holding '@', ':' and '/', each piece unique, so that any piece shown is found."""
    pieces = [f"{c}{uuid.uuid4().hex[:10]}" for c in "PQRS"]
    return f"{pieces[0]}@{pieces[1]}:{pieces[2]}/{pieces[3]}"


def _pieces(password: str) -> list[str]:
    return [password, quote(password, safe=""), *password.replace("@", " ").replace(":", " ").replace("/", " ").split()]


def _shown_nowhere(password: str, text: str, root: Path) -> None:
    for piece in _pieces(password):
        assert piece not in text, f"{piece!r} shown in:\n{text}"
        assert [p for p in root.rglob("*") if p.is_file() and piece.encode() in p.read_bytes()] == []


@pytest.fixture
def mariadb_user(mysql_url, mariadb_server):
    """(URL without user, user, password) of a fresh MariaDB user whose password holds '@', ':' and '/'."""
    user, password = f"dbshift_s_{uuid.uuid4().hex[:8]}", _password()
    database = sa.engine.make_url(mysql_url).database
    with mariadb_server.admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE USER '{user}'@'%%' IDENTIFIED BY %s", (password,))
        conn.exec_driver_sql(f"GRANT ALL ON `{database}`.* TO '{user}'@'%%'")
    yield f"mysql://127.0.0.1:3306/{database}", user, password
    with mariadb_server.admin.begin() as conn:
        conn.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'%%'")


def _forms(base: str, user: str, password: str) -> dict[str, str]:
    """The same credentials in every form a URL carries a password."""
    scheme, rest = base.split("://")
    return {
        "raw userinfo": f"{scheme}://{user}:{password}@{rest}",
        "encoded userinfo": f"{scheme}://{user}:{quote(password, safe='')}@{rest}",
        "password= parameter": f"{scheme}://{user}@{rest}?password={quote(password, safe='')}",
        "passwd= parameter": f"{scheme}://{user}@{rest}?charset=utf8mb4&passwd={quote(password, safe='')}",
    }


@pytest.mark.filterwarnings("error::DeprecationWarning")  # ?passwd= reaches PyMySQL under its current name
def test_passwords_in_every_form_connect_and_are_never_shown(mariadb_user, tmp_path):
    base, user, password = mariadb_user
    root = make_project(tmp_path / "shop")
    for form, url in _forms(base, user, password).items():
        out, err = dbshift(root, "--url", url, "current", "-v")
        assert "base (no migration applied)" in out, f"{form}: it connected, so the password was read right"
        database_line = out.splitlines()[0]
        assert database_line.startswith(f"Database: mysql://{user}"), database_line
        assert ("***@127.0.0.1" in database_line) if "userinfo" in form else ("passw" in database_line
                                                                               and "=***" in database_line)
        _shown_nowhere(password, out + err, tmp_path)
    out, _ = dbshift(root, "--url", _forms(base, user, password)["raw userinfo"], "upgrade")
    assert "Now at 20260101000001_0001" in out


def test_a_wrong_password_in_every_form_is_one_line_without_it(mariadb_user, tmp_path):
    base, user, _ = mariadb_user
    wrong = _password()
    root = make_project(tmp_path / "shop")
    for form, url in _forms(base, user, wrong).items():
        code, out, err = spawn(root, "--url", url, "upgrade", env={})
        assert code == 1 and err.count("\n") == 1 and "Traceback" not in err, f"{form}: {err}"
        assert err.startswith(f"error: cannot connect to mysql://{user}") and "Access denied" in err, err
        _shown_nowhere(wrong, out + err, tmp_path)

        code, out, err = spawn(root, "--url", url, "upgrade", "--json", env={})
        event = json.loads(out.strip().splitlines()[-1])
        assert code == 1 and event["event"] == "error" and "Access denied" in event["message"], out
        _shown_nowhere(wrong, out + err, tmp_path)


def test_a_driver_error_echoing_a_connection_string_is_masked(pg_url, tmp_path):
    secret = f"Zq{uuid.uuid4().hex[:12]}"
    root = make_project(tmp_path / "shop")
    # libpq echoes the database name it was given; this one holds a connection string with a password
    echoing = sa.engine.make_url(pg_url).set(database=f"db password={secret} sslmode=disable")
    url = echoing.render_as_string(hide_password=False)
    code, out, err = spawn(root, "--url", url, "current", env={})
    assert code == 1 and err.count("\n") == 1 and "does not exist" in err and "password=***" in err, err
    assert secret not in out + err

    # a libpq connection string where a URL belongs: refused, without its password
    for dsn in (f"host=127.0.0.1 user=postgres password={secret} dbname=x", f"password='{secret} x' host=h"):
        _, err = dbshift(root, "--url", dsn, "current", expect=1)
        assert err.startswith("error: invalid database URL") and "password=***" in err and secret not in err, err
