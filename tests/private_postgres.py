"""A throw-away PostgreSQL cluster of a test's own: made with ``initdb`` on a free port, removed after.

For what the shared test server cannot do: check passwords (it trusts every local connection), or crash
and come back (every other test uses it).  Under ``CI=true`` missing server binaries fail the test.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest


class PrivatePostgres:
    """A cluster in a folder of its own, started on a free port with ``settings`` (``-c name=value`` each).

    ``password``: connections must give it (scram-sha-256); without, every local connection is trusted.
    """

    def __init__(self, password: str | None = None, settings: dict[str, str] | None = None) -> None:
        binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not binaries:
            unavailable("initdb (PostgreSQL server binaries)")
        self.bin = binaries[-1].parent
        # not under pytest's tmp_path: the server runs as the postgres user, who cannot enter root's 0700 folders
        self.folder = Path(tempfile.mkdtemp(prefix="dbshift_pg_"))
        self.folder.chmod(0o755)
        self.root, self.password = self.folder / "cluster", password
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.root.mkdir()
        auth = ["--auth=trust"]
        if password is not None:
            (self.root / "pw").write_text(password + "\n")
            auth = ["--auth=scram-sha-256", f"--pwfile={self.root / 'pw'}"]
        if os.geteuid() == 0:  # initdb refuses to run as root
            subprocess.run(["chown", "-R", "postgres", str(self.root)], check=True)
        self._as_owner("initdb", "-D", str(self.root / "data"), "-U", "postgres", *auth, "-N")
        self.options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1" + "".join(
            f" -c {name}={value}" for name, value in (settings or {"fsync": "off"}).items()
        )
        self.start()

    def _as_owner(self, tool: str, *args: str) -> None:
        argv = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        subprocess.run(argv, check=True, capture_output=True)

    def url(self, password: str | None = None, database: str = "postgres") -> str:
        secret = f":{password}" if password is not None else ""
        return f"postgresql://postgres{secret}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self._as_owner("pg_ctl", "-D", str(self.root / "data"), "-w", "-l", str(self.root / "log"), "-o", self.options,
                       "start")

    def crash(self) -> None:
        """Stop at once, as a crash does: no checkpoint, nothing written that was not written already."""
        self._as_owner("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "stop")

    def remove(self) -> None:
        try:
            self.crash()
        except subprocess.CalledProcessError:
            pass  # not running
        shutil.rmtree(self.folder, ignore_errors=True)


def unavailable(what: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} not found (CI=true: a missing server is a failure)")
    pytest.skip(f"{what} not found")
