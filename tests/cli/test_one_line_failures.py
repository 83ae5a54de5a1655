"""Every failure a user can cause is one line that says what happened and what to do.

Each fault is injected for real: roles and users without privileges on
PostgreSQL and MariaDB, a SQLite file or directory the process may not write
(the process runs without the capabilities that let root ignore file
permissions), a read-only file system and a full disk (a small tmpfs, mounted
for the test), a SQLite database another connection holds locked, a server
connection killed in the middle of a run (``pg_terminate_backend``, ``KILL``),
and a reader that goes away (``dbshift history | head -1``).  Each is judged by
the line shown — never "unexpected", never a traceback — and by what the
database holds afterwards.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runner"))
from runner_helpers import Project, _env, rev_id  # noqa: E402

from dbshift.cli import main  # noqa: E402

# --- running dbshift ------------------------------------------------------------------------------


def run(project: Project, *argv: str, url: str | None = None) -> tuple[int, str, str]:
    """``dbshift --url URL ARGV`` in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(project.root)
    try:
        code = main(["--url", url or project.url, *argv], out, err, io.StringIO())
    finally:
        os.chdir(previous)
    return code, out.getvalue(), err.getvalue()


def _without_file_permission_override() -> None:
    """In the child: drop CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER, so that file modes bind root too."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2, 3):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def spawn(project: Project, *argv: str, as_user: bool = False, file_size_limit: int | None = None,
          url: str | None = None) -> tuple[int, str, str]:
    """``python -m dbshift --url URL ARGV`` as a real process: (exit code, stdout, stderr).

    ``as_user``: bound by file permissions even when the tests run as root.
    ``file_size_limit``: no file may grow beyond that many bytes (RLIMIT_FSIZE).
    """

    def prepare() -> None:
        if as_user:
            _without_file_permission_override()
        if file_size_limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    done = subprocess.run(
        [sys.executable, "-m", "dbshift", "--url", url or project.url, *argv], cwd=project.root, env=_env(),
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, preexec_fn=prepare,
    )
    return done.returncode, done.stdout, done.stderr


def one_line(code: int, out: str, err: str) -> str:
    """The error line (without ``error: ``), after checking it is one line, exit 1, and not a bug report."""
    assert code == 1, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    # (a bug report reads "error: unexpected <exception>: …"; a driver's own text may say "unexpectedly")
    assert "Traceback" not in out + err and not lines[0].startswith("error: unexpected ") and "DBSHIFT_DEBUG" not in err, err
    return lines[0].removeprefix("error: ")


def sqlite_project(folder: Path, *pending: str) -> Project:
    """A SQLite project at revision 1 (table ``a`` with a row) with revision 2 pending (``pending``, else table ``b``)."""
    project = Project.make(folder, f"sqlite:///{folder / 'shop.db'}")
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)", "INSERT INTO a VALUES (1)")
    project.cli("upgrade")
    project.add_sql(*(pending or ("CREATE TABLE b (id integer PRIMARY KEY)",)))
    return project


def at_revision_1(project: Project) -> None:
    """Nothing of revision 2 happened: the history, the tables and the rows are as revision 1 left them."""
    assert project.history() == [(rev_id(1), "applied", 2)]
    assert project.tables() == {"a"} and project.query("SELECT id FROM a") == [(1,)]


# --- privileges --------------------------------------------------------------------------------------


@pytest.fixture
def pg_role(pg_url, postgres_server) -> Iterator[tuple[str, str]]:
    """(role, its URL) for a login role with no privilege beyond connecting; CREATE on public revoked from all."""
    role = f"dbshift_r_{uuid.uuid4().hex[:8]}"
    with postgres_server.admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
    _pg(pg_url, "REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    yield role, sa.engine.make_url(pg_url).set(username=role).render_as_string(hide_password=False)
    postgres_server.drop(pg_url)
    postgres_server.wait_for_drops()
    with postgres_server.admin.connect() as conn:
        conn.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")


def _pg(url: str, *statements: str) -> None:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    engine.dispose()


def test_postgres_role_without_create_on_the_schema(pg_url, pg_role, tmp_path):
    role, role_url = pg_role
    project = Project.make(tmp_path / "p", role_url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)")

    line = one_line(*spawn(project, "upgrade"))
    assert line.startswith(f"user '{role}' may not do this on postgresql") and "permission denied for schema public" in line
    assert line.endswith(f"grant it (GRANT USAGE, CREATE ON SCHEMA public TO {role}), or use a URL whose user has it")
    assert Project(project.root, pg_url).tables() == set(), "nothing was created, not even dbshift_history"


def test_postgres_role_without_select_or_update_on_the_history(pg_url, pg_role, tmp_path):
    role, role_url = pg_role
    admin = Project.make(tmp_path / "p", pg_url)
    admin.add_sql("CREATE TABLE a (id integer PRIMARY KEY)", "INSERT INTO a VALUES (1)")
    admin.cli("upgrade")
    admin.add_sql("CREATE TABLE b (id integer PRIMARY KEY)")
    _pg(pg_url, f"GRANT CREATE ON SCHEMA public TO {role}")
    as_role = Project(admin.root, role_url)

    for command in ("current", "upgrade", "history"):
        code, out, err = run(as_role, command)
        if command == "history":  # the files still tell the history, saying what could not be read
            assert code == 0 and "permission denied for table dbshift_history" in err and rev_id(2) in out, out + err
            continue
        line = one_line(code, out, err)
        assert "permission denied for table dbshift_history" in line, line
        assert f"grant it (GRANT SELECT, INSERT, UPDATE, DELETE ON dbshift_history TO {role})" in line

    _pg(pg_url, f"GRANT SELECT ON dbshift_history TO {role}")
    assert run(as_role, "current")[1] == f"{rev_id(1)}  step 1\n"
    code, out, err = run(as_role, "upgrade")  # could run revision 2 but not record it: runs nothing
    assert f"Applying {rev_id(2)}" not in out
    line = one_line(code, out, err)
    assert "permission denied for table dbshift_history" in line and "nothing was run" in line, line
    at_revision_1(admin)


def test_mariadb_user_without_create_or_select_on_the_history(mysql_url, mariadb_server, tmp_path):
    user, password = f"dbshift_u_{uuid.uuid4().hex[:8]}", f"Pw-{uuid.uuid4().hex[:12]}"
    database = sa.engine.make_url(mysql_url).database
    with mariadb_server.admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE USER '{user}'@'%%' IDENTIFIED BY '{password}'")
        conn.exec_driver_sql(f"GRANT SELECT ON `{database}`.* TO '{user}'@'%%'")
    try:
        user_url = sa.engine.make_url(mysql_url).set(username=user, password=password).render_as_string(False)
        as_user = Project.make(tmp_path / "p", user_url)
        as_user.add_sql("CREATE TABLE a (id integer PRIMARY KEY)", "INSERT INTO a VALUES (1)")

        line = one_line(*run(as_user, "upgrade"))
        assert "CREATE command denied to user" in line and password not in line
        assert f"grant it (GRANT CREATE ON `{database}`.* TO '{user}'@" in line, line
        admin = Project(as_user.root, mysql_url)
        assert admin.tables() == set()

        admin.cli("upgrade")
        admin.add_sql("CREATE TABLE b (id integer PRIMARY KEY)")
        with mariadb_server.admin.begin() as conn:
            conn.exec_driver_sql(f"REVOKE SELECT ON `{database}`.* FROM '{user}'@'%%'")
            conn.exec_driver_sql(f"GRANT CREATE, INSERT, UPDATE, DELETE ON `{database}`.* TO '{user}'@'%%'")
        for command in ("current", "upgrade"):
            line = one_line(*run(as_user, command))
            assert "SELECT command denied to user" in line and "dbshift_history" in line, line
            assert f"GRANT SELECT ON `{database}`.* TO '{user}'@" in line
        at_revision_1(admin)
    finally:
        with mariadb_server.admin.begin() as conn:
            conn.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'%%'")


# --- files: read-only, locked, full ----------------------------------------------------------------------


def test_a_read_only_sqlite_file_and_directory(tmp_path):
    project = sqlite_project(tmp_path / "p")
    database = project.root / "shop.db"
    before = database.read_bytes()

    database.chmod(0o444)
    line = one_line(*spawn(project, "upgrade", as_user=True))
    assert "attempt to write a readonly database" in line and "the database is left at the previous revision" in line
    assert line.endswith("the database is read-only: make its file and directory writable, mount it read-write, "
                         "or use the primary")
    code, out, err = spawn(project, "current", as_user=True)
    assert code == 0 and out == f"{rev_id(1)}  step 1\n" and err == "", "reading a read-only database works"
    assert database.read_bytes() == before

    database.chmod(0o644)
    project.root.chmod(0o555)
    try:
        line = one_line(*spawn(project, "upgrade", as_user=True))
        assert line == (f"cannot use {database}.dbshift-lock: Permission denied; "
                        "give this user write access to it and to its directory")
        assert spawn(project, "current", as_user=True)[:2] == (0, f"{rev_id(1)}  step 1\n")
    finally:
        project.root.chmod(0o755)
    assert database.read_bytes() == before
    at_revision_1(project)


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path | None]:
    """A tmpfs of ``size`` mounted at ``folder``; None where mounting is not allowed."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True).returncode == 0
    try:
        yield folder if mounted else None
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=True)


def test_a_read_only_file_system(tmp_path):
    with tmpfs(tmp_path / "mnt", "4M") as mnt:
        if mnt is None:
            pytest.skip("mounting a tmpfs is not allowed here; a read-only file system cannot be made")
        project = sqlite_project(mnt / "p")
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)

        line = one_line(*spawn(project, "upgrade"))
        assert line == (f"cannot write {project.root / 'shop.db'}.dbshift-lock: Read-only file system; "
                        "run where the files can be written (a read-write mount)")
        assert spawn(project, "current")[:2] == (0, f"{rev_id(1)}  step 1\n")
        line = one_line(*spawn(project, "revision", "-m", "next"))
        assert "Read-only file system" in line
        at_revision_1(project)


def test_a_full_disk(tmp_path):
    """On a 1 MB tmpfs; where mounting is not allowed, a 1 MB limit on file sizes (RLIMIT_FSIZE) stands in."""
    with tmpfs(tmp_path / "mnt", "1M") as mnt:
        limit = None if mnt is not None else 1024 * 1024
        project = sqlite_project(  # revision 2 writes about 2 MB of rows
            (mnt or tmp_path) / "p",
            "CREATE TABLE big (id integer PRIMARY KEY, pad text)",
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000) "
            "INSERT INTO big SELECT i, hex(randomblob(250)) FROM n",
        )
        line = one_line(*spawn(project, "upgrade", file_size_limit=limit))
        assert "database or disk is full" in line and "left at the previous revision" in line, line
        assert line.endswith("free some space, then run the command again"), line
        at_revision_1(project)
        assert not list(project.root.glob("*-journal")), "no journal left behind"

        if mnt is None:
            return
        migrations = sorted(p.name for p in project.migrations.iterdir())
        filler = mnt / "filler"
        with contextlib.suppress(OSError), open(filler, "wb") as f:
            f.write(b"\0" * 2 * 1024 * 1024)
        line = one_line(*spawn(project, "revision", "-m", "next"))
        assert line == "cannot write a file: No space left on device; free some space on the disk, then run the command again"
        assert sorted(p.name for p in project.migrations.iterdir()) == migrations, "no file, not even an empty one"
        filler.unlink()
        code, out, _ = spawn(project, "revision", "-m", "next")
        assert code == 0 and "Wrote" in out


def test_a_sqlite_database_another_connection_holds_locked(tmp_path):
    project = sqlite_project(tmp_path / "p")
    project.url += "?timeout=1"  # the driver waits a second for the lock, not five: the same failure, sooner
    other = sqlite3.connect(project.root / "shop.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # a write lock: readers go on, writers wait (the timeout), then give up
        other.execute("INSERT INTO a VALUES (2)")
        line = one_line(*run(project, "upgrade"))
        assert "database is locked; the database is left at the previous revision" in line
        assert line.endswith("another connection holds a lock: end its transaction, then run the command again")
        assert run(project, "current")[:2] == (0, f"{rev_id(1)}  step 1\n")
        other.execute("ROLLBACK")
        other.execute("BEGIN EXCLUSIVE")  # readers wait too
        for command in ("current", "upgrade"):
            line = one_line(*run(project, command))
            assert line == (f"{project.root / 'shop.db'} is locked by another connection (database is locked); "
                            "end that program's transaction, then run the command again")
    finally:
        other.close()
    at_revision_1(project)
    assert run(project, "upgrade")[0] == 0 and project.tables() == {"a", "b"}


# --- a lost connection ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_a_connection_killed_during_a_run(backend, request, tmp_path):
    url = request.getfixturevalue("pg_url" if backend == "postgresql" else "mysql_url")
    sleep, find, kill = {
        "postgresql": ("SELECT pg_sleep(60)", "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)'",
                       "SELECT pg_terminate_backend({})"),
        "mariadb": ("SELECT SLEEP(60)", "SELECT id FROM information_schema.processlist WHERE info = 'SELECT SLEEP(60)'",
                    "KILL {}"),
    }[backend]
    project = Project.make(tmp_path / "p", url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)", "INSERT INTO a VALUES (1)")
    project.cli("upgrade")
    project.add_sql("CREATE TABLE b (id integer PRIMARY KEY)", sleep)
    process = project.spawn("upgrade")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        deadline = time.monotonic() + 60
        while not (found := _first(engine, find)):
            assert time.monotonic() < deadline and process.poll() is None, process.communicate()
            time.sleep(0.1)
        with engine.connect() as conn:
            conn.exec_driver_sql(kill.format(found[0]))
            conn.commit()
        out, err = process.communicate(timeout=60)
    finally:
        engine.dispose()
        if process.poll() is None:
            process.kill()
    line = one_line(process.returncode, out, err)
    assert line.startswith(f"upgrade of {rev_id(2)}") and f"failed at statement 2 ('{sleep}')" in line
    assert line.endswith("the connection was lost: see where the database stands with 'dbshift current', "
                         "then run the command again")
    if backend == "postgresql":
        assert "terminating connection due to administrator command" in line
        at_revision_1(project)
    else:  # MariaDB committed statement 1 (DDL) before the kill; the history says how far it got
        assert "Lost connection" in line and "statements 1-1 are committed" in line
        assert project.history() == [(rev_id(1), "applied", 2), (rev_id(2), "failed", 1)]
        assert f"Unfinished: {rev_id(2)} failed during its upgrade after statement 1" in project.cli("current")


def test_a_connection_killed_while_waiting_for_the_run_lock(pg_url, tmp_path):
    from dbshift.database.lock import PG_LOCK_KEY

    project = Project.make(tmp_path / "p", pg_url)
    project.add_sql("CREATE TABLE a (id integer PRIMARY KEY)", "INSERT INTO a VALUES (1)")
    project.cli("upgrade")
    project.add_sql("CREATE TABLE b (id integer PRIMARY KEY)")
    engine = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    holder = engine.connect()
    holder.exec_driver_sql(f"SELECT pg_advisory_lock({PG_LOCK_KEY})")
    holder.commit()
    process = project.spawn("upgrade", "--lock-wait", "60s")
    try:
        # the spawned run's sessions (not one this process's own earlier run left in its pool)
        waiting = f"SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'dbshift pid {process.pid} %%'"
        deadline = time.monotonic() + 60
        while not _first(engine, waiting):
            assert time.monotonic() < deadline and process.poll() is None, process.communicate()
            time.sleep(0.1)
        time.sleep(1)  # it is polling for the lock now
        _first(engine, f"SELECT count(pg_terminate_backend(pid)) FROM ({waiting}) AS run")
        out, err = process.communicate(timeout=60)
    finally:
        holder.close()
        engine.dispose()
        if process.poll() is None:
            process.kill()
    line = one_line(process.returncode, out, err)
    assert line.startswith("lost the connection to postgresql+psycopg://postgres@127.0.0.1:5432/") and (
        "terminating connection due to administrator command" in line or "server closed the connection" in line), line
    assert line.endswith("see where it stands with 'dbshift current', then run the command again")
    at_revision_1(project)


def _first(engine: sa.Engine, sql: str) -> tuple | None:
    with engine.connect() as conn:
        row = conn.exec_driver_sql(sql).first()
        conn.commit()
    return tuple(row) if row else None


# --- a reader that goes away -------------------------------------------------------------------------------


def test_a_closed_pipe_ends_the_output_quietly(tmp_path):
    project = Project.make(tmp_path / "p", f"sqlite:///{tmp_path / 'p' / 'shop.db'}")
    for n in range(1, 1001):  # some 150 kB of history: more than a pipe holds
        project.add_sql(f"SELECT {n}")
        path = project.files[n]
        path.write_text(path.read_text().replace(f"message: step {n}", f"message: step {n} {'.' * 120}"))

    shell = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m dbshift --url {project.url} history | head -1; "
                       "echo \"exit=${PIPESTATUS[0]}\""],
        cwd=project.root, env=_env(), capture_output=True, text=True, timeout=120,
    )
    assert shell.stdout.startswith(f"  {rev_id(1000)} <- {rev_id(999)}  step 1000") and "exit=0" in shell.stdout
    assert shell.stderr == "", "no BrokenPipeError, no 'Exception ignored'"

    # a reader gone before anything is written (every write fails at once, however few): an upgrade still runs
    # to the end, quietly
    project = Project.make(tmp_path / "q", f"sqlite:///{tmp_path / 'q' / 'shop.db'}")
    for n in range(1, 41):
        project.add_sql(f"SELECT {n}")
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run([sys.executable, "-m", "dbshift", "--url", project.url, "upgrade"], cwd=project.root,
                              env=_env(), stdout=write, stderr=subprocess.PIPE, text=True, timeout=300)
    finally:
        os.close(write)
    assert done.returncode == 0 and done.stderr == ""
    assert len(project.history()) == 40, "every migration ran although nobody read the progress"


# --- control characters ------------------------------------------------------------------------------------


def test_control_characters_in_messages_names_and_identifiers_are_shown_escaped(tmp_path):
    project = Project.make(tmp_path / "p", f"sqlite:///{tmp_path / 'p' / 'shop.db'}")
    project.add_python(
        'upgrade = [CreateTable(Table("t\\x1b[31m", (Column("id", "integer", nullable=False),),'
        ' primary_key=PrimaryKey(("id",))))]\n'
    )
    path = project.files[1]
    path.write_text(path.read_text().replace("'step 1'", '"evil\\x1b[2J\\nerror: forged\\u202e"'))
    bad = project.migrations / f"{rev_id(2)}_bad\x07\x1b[8m.py"
    shown = {
        "history": project.cli("history"),
        "show": project.cli("show", rev_id(1)),
        "upgrade": project.cli("upgrade"),
        "downgrade": project.cli("downgrade", "base"),
        "json": project.cli("upgrade", "--json"),
    }
    bad.write_text("revision = (\n")
    shown["error"] = project.cli("current", expect=1)
    for command, text in shown.items():
        assert not any(ch in text for ch in "\x1b\x07\u202e"), f"{command}: {text!r}"
        assert "error: forged" not in text.replace("\\nerror: forged", ""), f"{command} forged a line"
    assert "evil\\x1b[2J\\nerror: forged\\u202e" in shown["history"]
    assert "create table t\\x1b[31m" in shown["show"]
    assert "!! drops table t\\x1b[31m and all its rows" in shown["downgrade"]
    assert json.loads(shown["json"].splitlines()[0])["message"] == "evil\x1b[2J\nerror: forged\u202e"
    assert "_bad\\x07\\x1b[8m.py" in shown["error"]
