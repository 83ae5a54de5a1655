"""dbshift: schema migrations for SQLAlchemy and Flask-SQLAlchemy applications.

The folders are the layers; each imports only from the ones below it
(``tests/test_layers.py`` enforces it):

    cli/ flask/ testing.py   the edges: argv, Flask's ``flask db`` and Migrate, the pytest plugin
    console/                 the presentation both front ends share: words, progress, prompts, errors, run options
    api/                     one function per command, by concern (autogenerate, run, records, compare, linting,
                             project); results, errors and RunOptions in one place each
    runner/ · project/       running a plan (events, sinks, the loop, previews) · migration files, codegen,
                             configuration, loading the models
    database/ · render/ ·    connections, sessions, the history table, the run lock · op → SQL per dialect ·
    sqla/                    SQLAlchemy adapters: models → schema, bulk catalog reads, normalisation
    core/                    pure values: schema model, ops, diff, order, graph, lint, errors (stdlib only)

Public import paths: :mod:`dbshift.api`, :mod:`dbshift.config`, :mod:`dbshift.migration`,
:mod:`dbshift.testing`, :mod:`dbshift.flask`, and the ``dbshift`` command (:func:`dbshift.cli.main`).
"""

__version__ = "0.1.0"
