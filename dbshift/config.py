"""The public home of :class:`Config` and :func:`load_config` (defined in :mod:`dbshift.project.config`)."""

from .project.config import BadConfig, Config, ConfigNotFound, default_sqlite_url, find_pyproject, load_config

__all__ = ["BadConfig", "Config", "ConfigNotFound", "default_sqlite_url", "find_pyproject", "load_config"]
