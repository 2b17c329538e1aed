"""Citizen gateway (aiohttp): booking API, code check, signaling relay, citizen page.

``start_embedded(settings)`` is what the console's ``--demo`` calls; ``create_app`` builds the
application for tests and ``serve`` runs ``officer-gateway``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from officer_console.config import Settings
    from officer_console.evidence_store import EvidenceStore
    from officer_console.gateway.app import Running

__all__ = ["create_app", "serve", "start_embedded"]


async def start_embedded(settings: Settings, evidence: EvidenceStore | None = None) -> Running:
    from officer_console.gateway.app import start_embedded as _start

    return await _start(settings, evidence)


def create_app(*args: Any, **kwargs: Any) -> Any:
    from officer_console.gateway.app import create_app as _create

    return _create(*args, **kwargs)


def serve(
    settings: Settings,
    host: str,
    port: int,
    *,
    demo: bool = False,
    evidence: EvidenceStore | None = None,
) -> None:
    from officer_console.gateway.app import serve as _serve

    _serve(settings, host, port, demo=demo, evidence=evidence)
