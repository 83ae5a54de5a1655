"""dbshift: schema migrations for SQLAlchemy and Flask-SQLAlchemy applications."""

__version__ = "0.1.0"
