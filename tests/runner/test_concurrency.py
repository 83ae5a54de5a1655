"""Many runners at once: every migration is applied exactly once, and every runner exits 0.

16 real processes run ``python -m dbshift upgrade`` at the same moment, three
rounds in a row on each of SQLite, PostgreSQL and MariaDB (the second and
third rounds find new migrations).  Each migration adds one to a counter row
and logs its own name, so a migration applied twice — or not at all — shows.

One pool of processes serves all nine rounds: on two cores, importing
SQLAlchemy and the drivers is most of what a fresh process costs (about 20 s
for 16 of them), while a round itself takes a second or two.
"""

from __future__ import annotations

from runner_helpers import Pool, Project, backend

PROCESSES = 16
ROUNDS = 3
PER_ROUND = 3  # migrations added before each round


def _add_round(project: Project, r: int) -> None:
    for k in range(PER_ROUND):
        n = r * PER_ROUND + k + 1
        statements = []
        if n == 1:
            statements += ["CREATE TABLE counter (n integer NOT NULL)", "INSERT INTO counter VALUES (0)",
                           "CREATE TABLE applied_log (name varchar(20) NOT NULL)"]
        statements += [
            f"CREATE TABLE t{n} (id integer PRIMARY KEY)",
            "UPDATE counter SET n = n + 1",
            f"INSERT INTO applied_log VALUES ('m{n}')",
        ]
        project.add_sql(*statements)


def test_sixteen_runners_at_once_apply_each_migration_exactly_once(sqlite_url, pg_url, mysql_url, tmp_path):
    projects = [Project.make(tmp_path / backend(url), url) for url in (sqlite_url, pg_url, mysql_url)]
    pool = Pool(tmp_path / "pool", PROCESSES, ROUNDS * len(projects))
    timings: dict[str, list[float]] = {backend(p.url): [] for p in projects}
    try:
        number = 0
        for r in range(ROUNDS):
            for project in projects:
                _add_round(project, r)
                took, codes = pool.run_round(number, project, "upgrade")
                number += 1
                timings[backend(project.url)].append(round(took, 2))
                where = f"{backend(project.url)} round {r}"
                assert codes == [0] * PROCESSES, f"{where}: exit codes {codes}"
                expected = (r + 1) * PER_ROUND
                assert project.query("SELECT n FROM counter") == [(expected,)], where
                log = sorted(name for (name,) in project.query("SELECT name FROM applied_log"))
                assert log == sorted(f"m{n}" for n in range(1, expected + 1)), f"{where}: each migration exactly once"
                history = project.history()
                assert len(history) == expected and {s for _, s, _ in history} == {"applied"}, where
        results = pool.finish()
    finally:
        pool.kill()
    assert [code for code, _, _ in results] == [0] * PROCESSES
    for code, out, err in results:
        assert "Traceback" not in out + err and "error:" not in err, out + err
    chunks = [out.split("@@ round ")[1:] for _, out, _ in results]
    waited_in = []
    for number in range(ROUNDS * len(projects)):
        texts = [c[number] for c in chunks]
        assert sum("Applying" in t for t in texts) >= 1, f"round {number}: somebody applied the migrations"
        assert all("Nothing to do" in t or "Now at" in t for t in texts)
        waited = [t for t in texts if "Waiting up to" in t]
        assert all("held by" in t for t in waited), "a waiting runner says who holds the lock"
        waited_in += [number] * bool(waited)
    # a runner that starts after the migrations are applied finds nothing to do without the lock: on a busy
    # machine a round's runners may all start late, but not every round's
    assert waited_in, "some runners waited for the lock, and said so"
    print(f"\n{PROCESSES} processes x {ROUNDS} rounds; seconds per round: {timings}")
