"""What every ``officer-admin`` command shares: the operator's error, the audit actor and the
checked database engine. Its own module so the command groups (``commands``, ``evidence_cli``)
import it instead of each other."""

from __future__ import annotations

from sqlalchemy import Engine

from officer_console.config import Settings
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import check_connection, make_engine
from officer_console.store.db.schema import current_revision, head_revision

__all__ = ["CommandError", "actor", "open_engine"]


class CommandError(Exception):
    """A one-line message for the operator; the process exits with status 1."""


def actor(settings: Settings, name: str = "officer-admin") -> Actor:
    return Actor.system(settings.workstation_name, name)


def open_engine(settings: Settings, *, require_schema: bool = True) -> Engine:
    engine = make_engine(settings.effective_database_url)
    check_connection(engine)
    if require_schema:
        rev = current_revision(engine)
        if rev != head_revision():
            raise CommandError(
                f"数据库结构版本 {rev or '（空库）'} 不是最新 {head_revision()}，请先运行 officer-admin migrate"
            )
    return engine
