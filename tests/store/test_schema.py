"""Migrations build the schema the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from officer_console.store.db.engine import make_engine
from officer_console.store.db.models import Base
from officer_console.store.db.schema import current_revision, head_revision, is_up_to_date, migrate


def test_migrated_database_matches_models(engine: Engine) -> None:
    assert is_up_to_date(engine)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []


def test_migrate_empty_sqlite_and_rerun_is_noop(tmp_path) -> None:  # type: ignore[no-untyped-def]
    eng = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert current_revision(eng) is None
    migrate(eng)
    assert current_revision(eng) == head_revision()
    tables = set(inspect(eng).get_table_names())
    assert {"appointments", "audit_events", "cases", "officers"} <= tables
    migrate(eng)  # idempotent
    assert current_revision(eng) == head_revision()
    with eng.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    eng.dispose()


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    from alembic import command

    from officer_console.store.db.schema import alembic_config

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert "appointments" not in inspect(engine).get_table_names()
    migrate(engine)
    assert is_up_to_date(engine)
