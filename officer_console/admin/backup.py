"""Backup and restore of the embedded SQLite database (PostgreSQL: use pg_dump/pg_restore)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine

from officer_console.domain.errors import DomainError


def _sqlite_path(engine: Engine) -> Path:
    if engine.dialect.name != "sqlite" or not engine.url.database:
        raise DomainError("backup/restore 仅支持 SQLite；PostgreSQL 请使用 pg_dump / pg_restore")
    return Path(engine.url.database)


def backup(engine: Engine, target: Path) -> Path:
    """Online, consistent copy through SQLite's backup API (safe while consoles run)."""
    source = _sqlite_path(engine)
    if target.exists():
        raise DomainError(f"目标文件已存在，不会覆盖: {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def restore(engine: Engine, source: Path) -> None:
    """Replace the database content with ``source``; refuses files that are not our schema."""
    target = _sqlite_path(engine)
    if not source.is_file():
        raise DomainError(f"找不到备份文件: {source}")
    with sqlite3.connect(source) as src:
        try:
            src.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError as exc:
            raise DomainError(f"不是 Officer Console 数据库备份: {source}") from exc
        engine.dispose()
        with sqlite3.connect(target) as dst:
            src.backup(dst)
