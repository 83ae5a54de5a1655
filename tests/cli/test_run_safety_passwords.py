"""Wrong passwords, missing passwords and unreachable hosts: one line, exit 1, and the password nowhere.

Every test scans all that dbshift wrote — stdout and stderr (of a real
process, or of ``main`` plus the file descriptors underneath), every file
under the test's directory, the history table — for the password.

MariaDB checks passwords, so a user with a password is created per test.
The shared PostgreSQL test server trusts every local connection and would
accept any password, so the PostgreSQL cases run against a throw-away cluster
made with ``initdb`` that checks passwords (scram-sha-256).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runner"))
from runner_helpers import Project, _env, rev_id  # noqa: E402

from dbshift.cli import main  # noqa: E402
from tests.private_postgres import PrivatePostgres  # noqa: E402


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _no_password_in_environment(monkeypatch):
    monkeypatch.delenv("DBSHIFT_PASSWORD", raising=False)
    monkeypatch.delenv("PGPASSWORD", raising=False)


def _with_user(url: str, user: str, password: str | None, **changes) -> str:  # noqa: ANN003
    return sa.engine.make_url(url).set(username=user, password=password, **changes).render_as_string(hide_password=False)


def _files_mentioning(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def run(project: Project, url: str, *argv: str, stdin: io.StringIO | None = None) -> tuple[int, str, str]:
    """``dbshift --url URL ARGV`` in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(project.root)
    try:
        code = main(["--url", url, *argv], out, err, stdin or io.StringIO())
    finally:
        os.chdir(previous)
    return code, out.getvalue(), err.getvalue()


def spawn(project: Project, url: str, *argv: str) -> tuple[int, str, str]:
    """``python -m dbshift --url URL ARGV`` as a real process: (exit code, stdout, stderr)."""
    done = subprocess.run(
        [sys.executable, "-m", "dbshift", "--url", url, *argv],
        cwd=project.root, env=_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )
    return done.returncode, done.stdout, done.stderr


def _one_line(code: int, out: str, err: str, *, secrets: tuple[str, ...], root: Path) -> str:
    """The error line, after checking the exit code, the shape, and that no secret shows anywhere."""
    assert code == 1, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in out + err, err
    for secret in secrets:
        assert secret not in out + err
        assert _files_mentioning(root, secret) == []
    return lines[0]


# --- MariaDB: a real user with a real password ------------------------------------------------


@pytest.fixture
def mariadb_user(mysql_url, mariadb_server) -> Iterator[tuple[str, str]]:
    """(user, password) of a fresh user with every privilege on the test database."""
    user, password = f"dbshift_u_{uuid.uuid4().hex[:8]}", f"Pw-{uuid.uuid4().hex[:16]}"
    database = sa.engine.make_url(mysql_url).database
    with mariadb_server.admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE USER '{user}'@'%%' IDENTIFIED BY '{password}'")
        conn.exec_driver_sql(f"GRANT ALL ON `{database}`.* TO '{user}'@'%%'")
    yield user, password
    with mariadb_server.admin.begin() as conn:
        conn.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'%%'")


def test_mariadb_wrong_right_and_asked_for_passwords(mysql_url, mariadb_user, tmp_path, capfd, monkeypatch):
    user, password = mariadb_user
    wrong = f"Wr0ng-{uuid.uuid4().hex[:12]}"
    project = Project.make(tmp_path / "p", _with_user(mysql_url, user, password))
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)")
    secrets = (password, wrong)

    # a wrong password in the URL, in a real process
    error = _one_line(*spawn(project, _with_user(mysql_url, user, wrong), "upgrade"), secrets=secrets, root=tmp_path)
    assert "cannot connect to mysql+pymysql://" in error and f"{user}:***@" in error and "Access denied" in error

    # the right one: the run works and the password is written nowhere
    code, out, err = spawn(project, project.url, "upgrade")
    assert code == 0 and "Now at" in out, out + err
    assert all(s not in out + err for s in secrets) and _files_mentioning(tmp_path, password) == []
    assert not any(password in str(value) for row in project.query("SELECT * FROM dbshift_history") for value in row)

    # no password in the URL: asked for on a terminal, never shown, retried once
    bare = _with_user(mysql_url, user, None)
    project.add_sql("CREATE TABLE b (id integer PRIMARY KEY)")
    code, out, err = run(project, bare, "upgrade", stdin=Terminal(password + "\n"))
    assert code == 0 and f"Password for mysql+pymysql://{user}@127.0.0.1" in err and f"Now at {rev_id(2)}" in out
    code, out, err = run(project, bare, "upgrade", stdin=Terminal(wrong + "\n"))
    error = _one_line(code, out, err.split(": ", 1)[1], secrets=secrets, root=tmp_path)  # after the prompt
    assert "Access denied" in error

    # no terminal and no DBSHIFT_PASSWORD: how to give one
    error = _one_line(*run(project, bare, "upgrade"), secrets=secrets, root=tmp_path)
    assert "wants a password: set DBSHIFT_PASSWORD" in error
    monkeypatch.setenv("DBSHIFT_PASSWORD", wrong)
    error = _one_line(*run(project, bare, "upgrade"), secrets=secrets, root=tmp_path)
    assert "Access denied" in error
    monkeypatch.setenv("DBSHIFT_PASSWORD", password)
    project.add_sql("CREATE TABLE c (id integer PRIMARY KEY)")
    code, out, err = run(project, bare, "upgrade")
    assert code == 0 and f"Now at {rev_id(3)}" in out and all(s not in out + err for s in secrets), out + err

    captured = capfd.readouterr()  # anything written around main(), by drivers or logging
    assert all(s not in captured.out + captured.err for s in secrets)


@pytest.mark.parametrize("where", ["closed port", "unknown host"])
@pytest.mark.parametrize("backend", ["postgresql", "mysql"])
def test_unreachable_servers_give_one_line_without_the_password(backend, where, tmp_path):
    password = f"Pw-{uuid.uuid4().hex[:16]}"
    host, port = ("127.0.0.1", 1) if where == "closed port" else ("no-such-host.invalid", None)
    url = f"{backend}://app:{password}@{host}{f':{port}' if port else ''}/shop"
    project = Project.make(tmp_path / "p", url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)")
    error = _one_line(*spawn(project, url, "upgrade"), secrets=(password,), root=tmp_path)
    assert error.startswith(f"error: cannot connect to {backend}://app:***@{host}"), error


# --- PostgreSQL: a real server that checks passwords -------------------------------------


@pytest.fixture
def password_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres(password=f"Right-{uuid.uuid4().hex[:12]}")
    try:
        yield server
    finally:
        server.remove()


def test_postgresql_wrong_right_and_asked_for_passwords(password_postgres, tmp_path, capfd):
    server = password_postgres
    wrong, typed_wrong = f"Pw-{uuid.uuid4().hex[:16]}", f"Typed-{uuid.uuid4().hex[:12]}"
    secrets = (wrong, typed_wrong, server.password)
    project = Project.make(tmp_path / "p", server.url(wrong))
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)")

    error = _one_line(*spawn(project, server.url(wrong), "upgrade"), secrets=secrets, root=tmp_path)
    assert 'password authentication failed for user "postgres"' in error and "postgres:***@" in error, error

    bare = server.url(None)
    code, out, err = run(project, bare, "upgrade", stdin=Terminal(typed_wrong + "\n"))
    assert err.startswith(f"Password for postgresql+psycopg://postgres@127.0.0.1:{server.port}/postgres: ")
    error = _one_line(code, out, err.split(": ", 1)[1], secrets=secrets, root=tmp_path)
    assert "password authentication failed" in error

    error = _one_line(*run(project, bare, "upgrade"), secrets=secrets, root=tmp_path)
    assert "wants a password: set DBSHIFT_PASSWORD" in error

    code, out, err = run(project, bare, "upgrade", stdin=Terminal(server.password + "\n"))
    assert code == 0 and "Now at" in out, out + err
    code, out, err = spawn(project, server.url(server.password), "current")
    assert code == 0 and rev_id(1) in out, out + err
    for text in (out, err):
        assert all(secret not in text for secret in secrets)
    assert not _files_mentioning(tmp_path, server.password)

    captured = capfd.readouterr()
    assert all(secret not in captured.out + captured.err for secret in secrets)
