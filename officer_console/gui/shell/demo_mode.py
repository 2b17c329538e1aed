"""What ``officer-console --demo`` hands the GUI; the GUI never imports ``officer_console.demo``.

The composition root (``officer_console.cli``) builds the demo (``demo.console.ConsoleDemo``)
and passes it in ``LaunchOptions.demo``; the start-up code calls only these hooks: the demo's
own settings, seeding an empty database, the banner printed in the terminal, the login hint,
the embedded citizen gateway and removing a temporary data directory.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from officer_console.config import Settings
from officer_console.evidence_store import EvidenceStore

__all__ = ["DemoMode", "Stopper"]

Stopper = Callable[[], Awaitable[None]]


class DemoMode(Protocol):
    def settings(self, data_dir: Path | None) -> Settings:
        """The demo's own settings: its data directory, never the configured database."""
        ...

    def seed_if_empty(
        self, engine: Engine, factory: Callable[[], Session], settings: Settings
    ) -> bool:
        """Seed a migrated, empty database; False when it was seeded before."""
        ...

    def banner(self, factory: Callable[[], Session], data_dir: Path, *, temporary: bool) -> str:
        """The accounts to print in the terminal before the login window opens."""
        ...

    def login_hint(self) -> str: ...

    async def start_gateway(
        self, settings: Settings, evidence: EvidenceStore | None = None
    ) -> Stopper | None:
        """The embedded citizen gateway on the console's evidence store; None when it is
        not available."""
        ...

    def remove_temporary_dir(self, data_dir: Path) -> bool: ...
