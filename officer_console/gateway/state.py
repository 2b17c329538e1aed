"""Shared state of one gateway process: the ``Gateway`` object, the app keys, rate limits.

Route modules import this (never ``gateway/app.py``), so the application module can import
every route module without an import circle; only the entry points import ``app``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from aiohttp import web
from sqlalchemy.orm import Session, sessionmaker

from officer_console.config import Settings
from officer_console.evidence_store import EvidenceStore
from officer_console.gateway.errors import ApiError
from officer_console.gateway.ratelimit import Limits, RateLimiter

T = TypeVar("T")
LIMIT_NAMES = ("booking_per_ip", "read_per_ip", "join_per_ip", "join_per_phone", "ws_per_ip")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Gateway:
    """Shared state of one gateway process (``app[GATEWAY]``). ``evidence_store``: the shared
    store documents are read through (docs/evidence.md), built by the app factory."""

    factory: sessionmaker[Session]
    settings: Settings
    evidence_store: EvidenceStore
    clock: Callable[[], datetime] = utcnow
    demo: bool = False
    limits: Limits = field(default_factory=Limits)
    workers: int = 8
    ws_auth_timeout: float = 10.0
    sweep_interval: float = 5.0
    heartbeat: float = 20.0
    executor: ThreadPoolExecutor = field(init=False)
    limiters: dict[str, RateLimiter] = field(init=False)

    def __post_init__(self) -> None:
        self.executor = ThreadPoolExecutor(self.workers, thread_name_prefix="gateway-db")
        self.limiters = {name: RateLimiter(getattr(self.limits, name)) for name in LIMIT_NAMES}

    def now(self) -> datetime:
        return self.clock()

    async def db(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, work)

    @property
    def evidence_dir(self) -> Path:
        return self.settings.evidence_dir


GATEWAY = web.AppKey("gateway", Gateway)


def client_ip(request: web.Request) -> str:
    """The peer address; behind a proxy, configure it to set the real one (not trusted here)."""
    return request.remote or "unknown"


def limit(request: web.Request, name: str, key: str | None = None) -> None:
    """Count one hit of the per-process limit ``name``; a 429 with ``Retry-After`` when over."""
    gateway = request.app[GATEWAY]
    wait = gateway.limiters[name].hit(key or client_ip(request))
    if wait:
        raise ApiError(429, "rate_limited", "操作过于频繁，请稍后再试", retry_after=wait)
