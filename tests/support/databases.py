"""Fresh, migrated databases per test: copy a migrated template instead of re-migrating."""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from officer_console.store.db.engine import make_engine
from officer_console.store.db.schema import migrate

_counter = itertools.count()


def unique_name(prefix: str) -> str:
    """A database name no other test, pytest-xdist worker or parallel run on a shared server
    (OFFICER_CONSOLE_TEST_DATABASE_URL) uses: worker id and process id in it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{prefix}_{worker}_{os.getpid()}_{next(_counter)}"


class SqliteTemplate:
    def __init__(self, workdir: Path) -> None:
        self.path = workdir / "template.db"
        engine = make_engine(f"sqlite:///{self.path}")
        migrate(engine)
        engine.dispose()  # the last connection to close checkpoints the WAL into the file

    def fresh_url(self, target_dir: Path) -> str:
        target = target_dir / f"case-{next(_counter)}.db"
        shutil.copyfile(self.path, target)
        return f"sqlite:///{target}"


class PostgresTemplate:
    """Migrates one template database; each test gets ``CREATE DATABASE … TEMPLATE``."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.admin = create_engine(
            make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        self.template = unique_name("oc_template")
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.template}"'))
            conn.execute(text(f'CREATE DATABASE "{self.template}"'))
        engine = make_engine(self.url_for(self.template))
        migrate(engine)
        engine.dispose()
        self.created: list[str] = []

    def url_for(self, database: str) -> str:
        return (
            make_url(self.server_url).set(database=database).render_as_string(hide_password=False)
        )

    def fresh_url(self) -> str:
        name = unique_name("oc_test")
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        self.created.append(name)
        return self.url_for(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        with self.admin.connect() as conn:  # a shared server keeps no template per run
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))
        self.admin.dispose()
