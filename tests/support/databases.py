"""Fresh, migrated databases per test: copy a migrated template instead of re-migrating."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from officer_console.store.engine import make_engine
from officer_console.store.schema import migrate

_counter = itertools.count()


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
        self.template = f"oc_template_{next(_counter)}"
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
        name = f"oc_test_{next(_counter)}"
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
        self.admin.dispose()
