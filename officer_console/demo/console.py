"""``officer-console --demo``: what the composition root hands the GUI (``ConsoleDemo``).

The GUI never imports this package; ``officer_console.cli`` builds a :class:`ConsoleDemo` and
passes it in ``LaunchOptions`` — it fits ``officer_console.gui.shell.demo_mode.DemoMode``. Here are
the demo's own pieces: its data directory (``settings``), seeding (``seed``), the accounts
printed in the terminal (read here, not in the GUI), and the embedded citizen gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from officer_console.config import Settings
from officer_console.demo import DEMO_PASSWORD
from officer_console.demo.settings import TEMP_PREFIX, demo_settings, remove_temporary_dir
from officer_console.evidence_store import EvidenceStore
from officer_console.store.db.models import Officer, Squad
from officer_console.store.people.accounts import ROLE_LABELS

__all__ = [
    "TEMP_PREFIX",
    "ConsoleDemo",
    "DemoLogin",
    "demo_logins",
    "demo_settings",
    "login_hint",
    "remove_temporary_dir",
    "render_logins",
    "seed_if_empty",
    "start_gateway",
]

log = logging.getLogger("officer_console.demo.console")
Stopper = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class DemoLogin:
    police_number: str
    name: str
    role: str
    squad_name: str


def seed_if_empty(engine: Engine, factory: Callable[[], Session], settings: Settings) -> bool:
    """Seed the demo (every account's password: ``DEMO_PASSWORD``); False when seeded before."""
    from officer_console.demo import seed  # the seeding modules: only when a database is opened

    return seed.seed_if_empty(engine, factory, settings, DEMO_PASSWORD)


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


def _import_gateway() -> ModuleType:
    module = importlib.import_module("officer_console.gateway")
    with contextlib.suppress(ImportError):  # warm the lazily imported application module
        importlib.import_module("officer_console.gateway.app")
    return module


async def start_gateway(
    settings: Settings, evidence: EvidenceStore | None = None
) -> Stopper | None:
    """Start the citizen gateway in-process when it is built; otherwise log and go on.

    Expected contract: ``officer_console.gateway.start_embedded(settings, evidence)`` is a
    coroutine returning an object with an ``async close()``; ``evidence`` is the console's own
    store (one store per process, built by the composition root).
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
    handle = await start(settings, evidence)
    log.info("embedded citizen gateway started at %s", settings.gateway_url)
    close: Stopper = handle.close
    return close


class ConsoleDemo:
    """The demo as the console sees it (``gui.demo_mode.DemoMode``); built by ``cli``."""

    def settings(self, data_dir: Path | None) -> Settings:
        return demo_settings(data_dir)

    def seed_if_empty(
        self, engine: Engine, factory: Callable[[], Session], settings: Settings
    ) -> bool:
        return seed_if_empty(engine, factory, settings)

    def banner(self, factory: Callable[[], Session], data_dir: Path, *, temporary: bool) -> str:
        """What the terminal shows before the login window: the accounts and the directory."""
        return render_logins(demo_logins(factory), data_dir, temporary=temporary)

    def login_hint(self) -> str:
        return login_hint()

    async def start_gateway(
        self, settings: Settings, evidence: EvidenceStore | None = None
    ) -> Stopper | None:
        return await start_gateway(settings, evidence)

    def remove_temporary_dir(self, data_dir: Path) -> bool:
        return remove_temporary_dir(data_dir)
