"""installer/postgresql/grants.sql on a real PostgreSQL: the application's role works and can
append to the audit log, but cannot change or delete audit rows, nor the schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import ProgrammingError

from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import make_engine, read_session, session_factory, transaction
from officer_console.store.db.schema import current_revision, head_revision, migrate
from officer_console.store.people import accounts
from tests.support.databases import unique_name

GRANTS = Path(__file__).resolve().parents[2] / "installer" / "postgresql" / "grants.sql"
pytestmark = pytest.mark.postgres


def _url(server_url: str, *, user: str, database: str) -> str:
    url = make_url(server_url).set(username=user, password=None, database=database)
    return url.render_as_string(hide_password=False)


@pytest.fixture
def console_engine(pg_server_url: str) -> Iterator[Engine]:
    """A database owned and migrated by oc_owner, grants applied, opened as oc_console."""
    database = unique_name("oc_roles")
    admin = create_engine(
        make_url(pg_server_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(
            text(
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'oc_owner')"
                " THEN CREATE ROLE oc_owner LOGIN; END IF; END $$"
            )
        )
        conn.execute(text(f'CREATE DATABASE "{database}" OWNER oc_owner'))
    owner = make_engine(_url(pg_server_url, user="oc_owner", database=database))
    migrate(owner)  # officer-admin migrate, as the owner role
    owner.dispose()
    superuser = _url(pg_server_url, user=make_url(pg_server_url).username or "", database=database)
    dsn = make_url(superuser).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(2):  # idempotent: re-run after every migration
            conn.execute(GRANTS.read_text(encoding="utf-8"))
    engine = make_engine(_url(pg_server_url, user="oc_console", database=database))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{database}" WITH (FORCE)'))
    admin.dispose()


def test_console_role_appends_audit_rows_but_cannot_change_or_delete_them(
    console_engine: Engine,
) -> None:
    factory = session_factory(console_engine)
    assert current_revision(console_engine) == head_revision()  # reads the schema version
    with transaction(factory) as session:  # a normal audited action: account + audit row
        accounts.create_user(
            session,
            Actor.system("ws-ci", "officer-admin"),
            police_number="admin",
            name="管理员",
            role="admin",
            password="Grants@2026-check",
        )
    with read_session(factory) as session:
        report = audit.verify_chain(session)
    assert report.ok and report.checked >= 1
    for statement in (
        "UPDATE audit_events SET outcome = 'tampered'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "UPDATE alembic_version SET version_num = 'x'",
        "CREATE TABLE sneaky (i int)",
        "DROP TABLE officers",
    ):
        with console_engine.connect() as conn, pytest.raises(ProgrammingError) as caught:
            conn.execute(text(statement))
        assert getattr(caught.value.orig, "sqlstate", None) == "42501", statement  # denied
    with read_session(factory) as session:
        assert audit.verify_chain(session).ok  # still intact
