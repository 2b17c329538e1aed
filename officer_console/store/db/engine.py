"""Engine and session set-up for SQLite (embedded default) and PostgreSQL (shared deployment).

SQLite: WAL, ``synchronous=FULL``, foreign keys on, and every transaction starts with
``BEGIN IMMEDIATE`` — deferred transactions hit "database is locked" when two writers upgrade
their locks at once (docs/pitfalls.md). PostgreSQL: the same code; row locks do the serialising.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("officer_console.store")

T = TypeVar("T")


class DatabaseUnavailable(Exception):
    """The database cannot be reached or opened; the message is meant for the user."""


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # isolation_level=None hands transaction control to us (see _sqlite_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # Readers (queue pages, polls) take a deferred BEGIN so they never queue behind writers.
    readonly = conn.get_execution_options().get("oc_readonly", False)
    conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def make_engine(url: str, *, echo: bool = False, pool_size: int = 5) -> Engine:
    """Create an engine with the right per-dialect settings; raises DatabaseUnavailable."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUnavailable(f"数据库地址格式错误: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed, echo=echo, connect_args={"timeout": 30, "check_same_thread": False}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    try:
        return create_engine(
            parsed,
            echo=echo,
            # No pre-ping (a round trip per checkout): dropped connections surface as
            # invalidated-connection errors, which run_in_transaction retries.
            pool_size=pool_size,
            max_overflow=pool_size * 2,
            connect_args={"connect_timeout": 10}
            if parsed.get_backend_name() == "postgresql"
            else {},
        )
    except (ImportError, ArgumentError) as exc:
        raise DatabaseUnavailable(
            f"不支持的数据库类型: {parsed.get_backend_name()} ({exc})"
        ) from exc


def check_connection(engine: Engine) -> None:
    """Open one connection so a bad URL or unreachable server is reported plainly, early."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except (OperationalError, DBAPIError) as exc:
        raise DatabaseUnavailable(
            f"无法连接数据库 {engine.url.render_as_string()}: {exc.orig}"
        ) from exc


def ping(session: Session) -> bool:
    """The status bar's health check: one round trip on a pooled connection."""
    session.execute(text("SELECT 1"))
    return True


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


_RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock


def _retryable(exc: DBAPIError) -> bool:
    if exc.connection_invalidated:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in _RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(exc.orig)


@contextlib.contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


@contextlib.contextmanager
def read_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A read-only unit of work: deferred BEGIN on SQLite, rolled back at the end."""
    with factory() as session:
        session.connection(execution_options={"oc_readonly": True})
        try:
            yield session
        finally:
            session.rollback()


def run_in_transaction(
    factory: sessionmaker[Session], work: Callable[[Session], T], *, attempts: int = 3
) -> T:
    """Run ``work`` in a transaction, retrying a bounded number of times on transient errors.

    ``work`` must have no side effects outside the database: it may run more than once.
    """
    for attempt in range(1, attempts + 1):
        try:
            with transaction(factory) as session:
                return work(session)
        except DBAPIError as exc:
            if attempt == attempts or not _retryable(exc):
                raise
            log.warning(
                "transient database error, retry %d/%d: %s",
                attempt,
                attempts,
                type(exc.orig).__name__,
            )
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")
