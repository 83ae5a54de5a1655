"""Fresh, uniquely named databases on a server, made ahead of need and dropped behind.

Creating a PostgreSQL database copies its template and dropping one waits for its sessions to end: a second
or more each on a busy machine, which a test would spend waiting.  A :class:`Databases` keeps a few empty
databases ready (made by a thread of its own) and drops the ones handed back on another thread, so a test
waits for neither.  Every database is still made for one test only, is empty when handed out, and is
dropped when the test ends (or, at the latest, when :meth:`Databases.close` returns).
"""

from __future__ import annotations

import queue
import threading
import uuid
from typing import Callable

import sqlalchemy as sa

AHEAD = 2  # databases kept ready per server and test process
DROPS_AT_ONCE = 4
IDLE_CONNECTIONS = 2  # kept open per server and test process between statements


def fresh_name() -> str:
    return f"dbshift_t_{uuid.uuid4().hex[:12]}"


class Databases:
    """Databases on the server at ``admin_url``: :meth:`take` one, :meth:`give_back` it when done.

    ``create_sql(name)`` and ``drop_sql(name)`` are the server's statements.  A failure to create one is
    raised by the :meth:`take` that would have had it.
    """

    def __init__(self, admin_url: sa.URL, create_sql: Callable[[str], str], drop_sql: Callable[[str], str],
                 ahead: int = AHEAD) -> None:
        self.url = admin_url
        self.postgres = admin_url.get_backend_name() == "postgresql"
        self.create_sql, self.drop_sql = create_sql, drop_sql
        self.ready: queue.Queue[str] = queue.Queue(maxsize=ahead)
        self.dropping: queue.Queue[str | None] = queue.Queue()
        self.closing = threading.Event()
        self.failure: BaseException | None = None  # why the last database could not be made
        self.drop_failures: list[str] = []
        self.idle: queue.LifoQueue = queue.LifoQueue(maxsize=IDLE_CONNECTIONS)
        self.maker = threading.Thread(target=self._make, name=f"make-{self.url.get_backend_name()}", daemon=True)
        self.dropper = threading.Thread(target=self._drop, name=f"drop-{self.url.get_backend_name()}", daemon=True)
        self.maker.start()
        self.dropper.start()

    def take(self) -> str:
        """The URL of an empty database nobody else has been given."""
        while True:
            try:
                name = self.ready.get(timeout=0.1)
            except queue.Empty:
                if self.failure is not None:
                    raise self.failure from None
                continue
            return self.url.set(database=name).render_as_string(hide_password=False)

    def give_back(self, url: str) -> None:
        """Drop the database at ``url`` (soon, on another thread)."""
        self.dropping.put(sa.engine.make_url(url).database)

    def wait_for_drops(self) -> None:
        """Return once every database given back so far is gone (before dropping a role owning objects in one)."""
        self.dropping.join()

    def close(self) -> None:
        """Stop making databases; drop the unused ones and those given back; return once all are gone.

        Raises ``AssertionError`` naming the databases that could not be dropped."""
        self.closing.set()
        self.maker.join()
        while True:
            try:
                made = self.ready.get_nowait()
            except queue.Empty:
                break
            self.dropping.put(made)
        self.dropping.put(None)
        self.dropper.join()
        while not self.idle.empty():
            self.idle.get_nowait().close()
        assert not self.drop_failures, "databases left behind:\n" + "\n".join(self.drop_failures)

    def _make(self) -> None:
        while not self.closing.is_set():
            name = fresh_name()
            try:
                self._run(self.create_sql(name))
            except Exception as exc:  # noqa: BLE001 - raised by the test that asks next
                self.failure = exc
                return
            if not self._offer(name):
                self.dropping.put(name)

    def _offer(self, made: str) -> bool:
        while not self.closing.is_set():
            try:
                self.ready.put(made, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _drop(self) -> None:
        """Drop what is given back, all that is waiting at once: PostgreSQL makes each DROP DATABASE wait
        for a checkpoint, and drops waiting together share one."""
        ending = False
        while not ending:
            names = [self.dropping.get()]
            while True:
                try:
                    names.append(self.dropping.get_nowait())
                except queue.Empty:
                    break
            ending = None in names
            batch = [name for name in names if name is not None]
            for start in range(0, len(batch), DROPS_AT_ONCE):
                threads = [threading.Thread(target=self._drop_one, args=(name,)) for name in batch[start:start + DROPS_AT_ONCE]]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
            for _ in names:
                self.dropping.task_done()

    def _drop_one(self, name: str) -> None:
        try:
            self._run(self.drop_sql(name))
        except Exception as exc:  # noqa: BLE001 - reported by close()
            self.drop_failures.append(f"{name}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")

    def _run(self, sql: str) -> None:
        """Run ``sql`` on a connection of the driver's own, kept for the next statement (a new session costs the
        server more than most statements here): SQLAlchemy's event listeners (some tests add one for every
        engine while they run) never see these.  A connection that fails is closed, and the statement tried
        once more on a new one (a test may have ended the session)."""
        conn = self._idle_or_new()
        try:
            self._execute(conn, sql)
        except Exception:
            broken = self._broken(conn)
            conn.close()
            if not broken:
                raise
            conn = self._new()  # the others kept may have ended with it: not one of them
            try:
                self._execute(conn, sql)
            except Exception:
                conn.close()
                raise
        self._keep(conn)

    def _idle_or_new(self):  # noqa: ANN202 - a psycopg or a PyMySQL connection
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            return self._new()

    def _new(self):  # noqa: ANN202 - a psycopg or a PyMySQL connection
        args = self.url.translate_connect_args(username="user")
        if self.postgres:
            import psycopg

            args["dbname"] = args.pop("database")
            return psycopg.connect(autocommit=True, **args)
        import pymysql

        return pymysql.connect(autocommit=True, ssl_disabled=True, **args)  # a local server: no TLS handshake

    def _keep(self, conn) -> None:  # noqa: ANN001
        try:
            self.idle.put_nowait(conn)
        except queue.Full:
            conn.close()

    def _execute(self, conn, sql: str) -> None:  # noqa: ANN001
        if self.postgres:
            conn.execute(sql.encode())
            return
        with conn.cursor() as cursor:
            cursor.execute(sql)

    def _broken(self, conn) -> bool:  # noqa: ANN001
        """Whether ``conn`` failed as a connection (rather than its statement failing on a live session)."""
        return (conn.broken or conn.closed) if self.postgres else not conn.open
