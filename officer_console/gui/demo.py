"""``--demo``: a fresh data directory with a migrated, seeded SQLite database.

The demo never touches the user's configured database: it uses its own data directory (a
new temporary one unless ``--data-dir`` names one) and ignores any configured URL. An
existing demo database in that directory is reused as it is — ``make run DEMO_DIR=<dir>``
keeps the demo's work (and recordings) across restarts. A temporary directory is removed with
everything in it (database, recordings, log) when the console exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from officer_console.admin.commands import DEMO_PASSWORD, seed_procedure_demo
from officer_console.config import ENV_PREFIX, Settings, load_settings
from officer_console.store.accounts import ROLE_LABELS
from officer_console.store.engine import transaction
from officer_console.store.models import Officer, Squad

log = logging.getLogger("officer_console.gui.demo")
_DEMO_ENV_KEYS = {
    f"{ENV_PREFIX}{name}"
    for name in (
        "GATEWAY_HOST",
        "GATEWAY_PORT",
        "GATEWAY_URL",
        "LOG_JSON",
        "CAMERA",
        "MICROPHONE",
        "SPEAKER",
    )
}


@dataclass(frozen=True)
class DemoLogin:
    police_number: str
    name: str
    role: str
    squad_name: str


TEMP_PREFIX = "officer-console-demo-"


def demo_settings(data_dir: Path | None) -> Settings:
    target = data_dir or Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
    target.mkdir(parents=True, exist_ok=True)
    # Nothing about data from the environment; the network side may be moved (busy port).
    env = {k: v for k, v in os.environ.items() if k in _DEMO_ENV_KEYS}
    return load_settings(env=env, data_dir=target, database_url="")


def seed_if_empty(engine: Engine, factory: Callable[[], Session], settings: Settings) -> bool:
    """Seed the demo detachment into an empty database; False when it was seeded before."""
    from officer_console.documents.democa import ensure_demo_pki
    from officer_console.store.demo import seed_demo

    ensure_demo_pki(settings.data_dir)  # demo document-signing CA + unit certificate
    with transaction(factory) as session:  # type: ignore[arg-type]
        if session.scalar(select(func.count()).select_from(Squad)):
            return False
        now = datetime.now(ZoneInfo(settings.timezone))  # the queue is built around it
        seed_demo(session, today=now.date(), tz=settings.timezone, password=DEMO_PASSWORD, now=now)
    seed_procedure_demo(settings, engine, DEMO_PASSWORD)  # finished and resumable cases
    return True


def demo_logins(factory: Callable[[], Session]) -> list[DemoLogin]:
    with factory() as session:
        rows = session.execute(
            select(Officer.police_number, Officer.name, Officer.role, Squad.name)
            .outerjoin(Squad, Squad.id == Officer.squad_id)
            .order_by(Officer.police_number)
        ).all()
    return [DemoLogin(n, name, role, squad or "") for n, name, role, squad in rows]


def _pad(text: str, width: int) -> str:
    """Left-align for a terminal, where CJK characters take two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)


def remove_temporary_dir(data_dir: Path) -> bool:
    """Delete a temporary demo directory (database, recordings, log); refuses anything else."""
    resolved = data_dir.resolve()
    if (
        not resolved.name.startswith(TEMP_PREFIX)
        or resolved.parent != Path(tempfile.gettempdir()).resolve()
    ):
        log.warning("not removing %s: not a temporary demo directory", data_dir)
        return False
    root = logging.getLogger()
    for handler in root.handlers[:]:  # the console's log file lives in there
        if isinstance(handler, logging.FileHandler) and Path(
            handler.baseFilename
        ).resolve().is_relative_to(resolved):
            handler.close()
            root.removeHandler(handler)
    shutil.rmtree(resolved, ignore_errors=True)
    return not resolved.exists()


def render_logins(logins: list[DemoLogin], data_dir: Path, *, temporary: bool = False) -> str:
    where = f"数据目录: {data_dir}"
    if temporary:
        where += "（临时目录，退出时连同录像一起删除；要保留演示数据请用 make run DEMO_DIR=<目录>）"
    lines = [
        "Officer Console 演示模式（demo）",
        where,
        f"演示账号（密码均为 {DEMO_PASSWORD}）:",
        "  " + _pad("警号", 12) + _pad("姓名", 8) + _pad("角色", 10) + "大队",
    ]
    for a in logins:
        role = ROLE_LABELS.get(a.role, a.role)
        lines.append(
            "  " + _pad(a.police_number, 12) + _pad(a.name, 8) + _pad(role, 10) + a.squad_name
        )
    return "\n".join(lines)


def login_hint() -> str:
    return f"演示模式：账号已打印在终端中，密码均为 {DEMO_PASSWORD}"


Stopper = Callable[[], Awaitable[None]]


def _import_gateway() -> ModuleType:
    module = importlib.import_module("officer_console.gateway")
    with contextlib.suppress(ImportError):  # warm the lazily imported application module
        importlib.import_module("officer_console.gateway.app")
    return module


async def start_gateway(settings: Settings) -> Stopper | None:
    """Start the citizen gateway in-process when it is built; otherwise log and go on.

    Expected contract: ``officer_console.gateway.start_embedded(settings)`` is a coroutine
    returning an object with an ``async close()``.
    """
    loop = asyncio.get_running_loop()
    try:  # aiohttp and friends take a while to import: not on the GUI thread
        gateway = await loop.run_in_executor(None, _import_gateway)
    except ImportError:
        log.info("citizen gateway not built yet; demo runs without it")
        return None
    start = getattr(gateway, "start_embedded", None)
    if start is None:
        log.info("officer_console.gateway has no start_embedded(); demo runs without it")
        return None
    handle = await start(settings)
    log.info("embedded citizen gateway started at %s", settings.gateway_url)
    close: Stopper = handle.close
    return close
