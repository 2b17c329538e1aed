"""The citizen gateway application: wiring, access log, health, start/stop.

Database work is blocking SQLAlchemy, so it runs on a bounded thread pool sized to the
connection pool; the event loop only parses, relays and answers. The clock is injectable so
tests can stand just before or after the 1-day and 3-day booking edges.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import signal
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from officer_console.config import Settings
from officer_console.domain.masking import mask_text
from officer_console.evidence_store import EvidenceStore, open_store
from officer_console.gateway import (
    openapi,
    routes_booking,
    routes_documents,
    routes_join,
    signaling,
    static,
)
from officer_console.gateway.cluster import Cluster, conninfo_of
from officer_console.gateway.errors import error_middleware
from officer_console.gateway.ratelimit import Limits
from officer_console.gateway.routes_verify import setup as setup_verify
from officer_console.gateway.server import GatewayRunner
from officer_console.gateway.signaling import RELAY
from officer_console.gateway.state import GATEWAY, Gateway, utcnow
from officer_console.store.db.engine import make_engine, session_factory

__all__ = ["GATEWAY", "RELAY", "Gateway", "Running", "create_app", "serve", "start"]

log = logging.getLogger("officer_console.gateway")
access_log = logging.getLogger("officer_console.gateway.access")

MAX_BODY = 256 * 1024  # a booking is < 2 KiB; signatures travel over the WebSocket
_TOKEN_IN_PATH = re.compile(r"(/documents/)[^/]+")


class AccessLogger(AbstractAccessLogger):
    """One JSON line per request; no query strings, tokens or unmasked phone/ID numbers."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        path = _TOKEN_IN_PATH.sub(r"\1***", mask_text(request.path))
        remote = request.remote or ""
        entry = {
            "method": request.method,
            "path": path[:200],
            "status": response.status,
            "ms": round(time * 1000, 1),
            "bytes": response.body_length,
            "client": ".".join(remote.split(".")[:3]) + ".*" if remote.count(".") == 3 else "*",
        }
        self.logger.info(json.dumps(entry, ensure_ascii=False))

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


async def health(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    relay = request.app[RELAY]
    return web.json_response(
        {
            "status": "ok",
            "time": gateway.now().isoformat(),
            "rooms": relay.open_rooms,
            "demo": gateway.demo,
            "instance": relay.cluster.instance if relay.cluster else "single",
        }
    )


@web.middleware
async def security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    response: web.StreamResponse = await handler(request)
    if isinstance(response, web.WebSocketResponse) or response.prepared:
        return response  # headers already sent: an upgraded socket or a streamed body
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")  # document tokens in URLs
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def create_app(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utcnow,
    demo: bool = False,
    limits: Limits | None = None,
    cluster: bool | None = None,
    evidence: EvidenceStore | None = None,
    **options: Any,
) -> web.Application:
    """The gateway application. ``cluster`` (default: on for PostgreSQL) relays signaling
    between instances sharing the database (``gateway.cluster``). ``evidence``: the shared
    evidence store (the entry point opens it to report a misconfiguration before serving;
    otherwise it is opened here, once — raises DomainError when misconfigured)."""
    app = web.Application(
        client_max_size=MAX_BODY, middlewares=[security_headers, error_middleware]
    )
    store = evidence if evidence is not None else open_store(settings)
    gateway = Gateway(factory, settings, store, clock, demo, limits or Limits(), **options)
    app[GATEWAY] = gateway
    engine = factory.kw.get("bind")
    link = None
    if isinstance(engine, Engine) and engine.dialect.name == "postgresql" and cluster is not False:
        link = Cluster(gateway, conninfo_of(engine))
    app[RELAY] = signaling.Relay(gateway, link)
    app.router.add_get("/api/v1/health", health)
    app.router.add_get("/api/v1/openapi.json", openapi.openapi_handler)
    routes_booking.setup(app)
    routes_join.setup(app)
    routes_documents.setup(app)
    setup_verify(app)  # statutory document verification (docs/documents.md)
    signaling.setup(app)
    static.setup(app)
    app.on_cleanup.append(_cleanup)
    return app


async def _cleanup(app: web.Application) -> None:
    await app[RELAY].close_all()
    app[GATEWAY].executor.shutdown(wait=False, cancel_futures=True)


class Running:
    """A started gateway (embedded in the console demo, or in tests); ``await close()``."""

    def __init__(self, runner: web.AppRunner, site: web.TCPSite, engine: Engine | None) -> None:
        self.runner, self.site, self._engine = runner, site, engine

    @property
    def port(self) -> int:
        return int(self.runner.addresses[0][1])

    async def close(self) -> None:
        await self.runner.cleanup()
        if self._engine is not None:
            self._engine.dispose()


async def start(
    app: web.Application, host: str, port: int, engine: Engine | None = None
) -> Running:
    runner = GatewayRunner(
        app, access_log_class=AccessLogger, access_log=access_log, shutdown_timeout=2.0
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return Running(runner, site, engine)


def _engine_for(settings: Settings, workers: int) -> tuple[Engine, sessionmaker[Session]]:
    """Engine for the shared database; refuses to serve an unmigrated schema."""
    from officer_console.store.db.engine import DatabaseUnavailable, check_connection
    from officer_console.store.db.schema import is_up_to_date

    engine = make_engine(settings.effective_database_url, pool_size=workers)
    check_connection(engine)
    if not is_up_to_date(engine):
        engine.dispose()
        raise DatabaseUnavailable("数据库结构不是最新版本，请先运行 officer-admin migrate")
    return engine, session_factory(engine)


async def start_embedded(settings: Settings, evidence: EvidenceStore | None = None) -> Running:
    """The console's ``--demo``: an in-process gateway on the configured host and port
    (sharing the console's evidence store when it hands one over)."""
    engine, factory = _engine_for(settings, 4)
    app = create_app(factory, settings, demo=True, workers=4, evidence=evidence)
    return await start(app, settings.gateway_host, settings.gateway_port, engine)


async def _serve_until_signal(app: web.Application, host: str, port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows: Ctrl+C raises instead
            loop.add_signal_handler(sig, stop.set)
    running = await start(app, host, port)
    try:
        await stop.wait()
    finally:
        await running.close()


def serve(
    settings: Settings,
    host: str,
    port: int,
    *,
    demo: bool = False,
    evidence: EvidenceStore | None = None,
) -> None:
    """Run the gateway in the foreground (``officer-gateway``) until interrupted."""
    workers = 8
    engine, factory = _engine_for(settings, workers)
    app = create_app(factory, settings, demo=demo, workers=workers, evidence=evidence)
    started = time.monotonic()
    log.info("officer-gateway listening on %s:%d", host, port)
    try:
        asyncio.run(_serve_until_signal(app, host, port))
    except KeyboardInterrupt:
        pass
    finally:
        engine.dispose()
        log.info("officer-gateway stopped after %.0f s", time.monotonic() - started)
