"""Shared case database: SQLAlchemy models, engine set-up, repositories, migrations."""
