"""An existing Alembic (or Flask-Migrate) history, read and run as part of dbshift's own.

An Alembic script folder (``env.py`` beside ``versions/``) used as the
migrations directory keeps its scripts where they are: :mod:`.scripts` reads
their headers without importing them (the Alembic ids stay the ids;
``down_revision`` and ``depends_on`` become parents), :mod:`.running` runs their
``upgrade()``/``downgrade()`` under dbshift's runner with Alembic's own
``op`` bound to the runner's connection, and :mod:`.version_table` reads and
retires the ``alembic_version`` table when a database is adopted.  Reading a history imports
:mod:`.scripts` alone; :mod:`.running` is imported by what runs a script.
"""

from .scripts import (
    FOLDER_FILES, BadAlembicReference, BadAlembicScript, is_script, is_script_folder, revisions, version_table_name,
)

__all__ = [
    "FOLDER_FILES", "BadAlembicReference", "BadAlembicScript", "is_script", "is_script_folder", "revisions",
    "version_table_name",
]
