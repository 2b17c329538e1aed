"""Seeding the whole demo: the detachment (``detachment``), the demo signing PKI, and the
finished and resumable cases made through the wizard's service functions (``cases``).

``officer-admin seed-demo`` (``run_seed_demo``) and ``officer-console --demo``
(``seed_if_empty``) both end here; the admin command keeps its own parser and messages.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from officer_console.config import Settings
from officer_console.store.db.engine import session_factory, transaction
from officer_console.store.db.models import Squad

if TYPE_CHECKING:
    from officer_console.demo.cases import DemoCase

__all__ = ["run_seed_demo", "seed_if_empty", "seed_procedure_demo"]


def seed_procedure_demo(settings: Settings, engine: Engine, password: str) -> list[DemoCase]:
    """Finished and resumable procedure cases, made through the wizard's service functions."""
    from officer_console.demo.cases import seed_demo_cases
    from officer_console.demo.recording import demo_segment_recorder
    from officer_console.dispatch.outbox import OutboxSmsProvider
    from officer_console.documents.case_docs import CaseDocuments
    from officer_console.evidence_store import open_store

    factory = session_factory(engine)
    return seed_demo_cases(
        factory,
        OutboxSmsProvider(factory),
        evidence_dir=open_store(settings),
        password=password,
        documents=CaseDocuments(settings, workstation="demo-seed"),
        link_base=settings.gateway_url,
        record_call=demo_segment_recorder(factory, settings.evidence_dir),
    )


def run_seed_demo(
    settings: Settings, engine: Engine, password: str, out: Callable[[str], None] = print
) -> None:
    """``officer-admin seed-demo``: an empty database only (the detachment refuses otherwise);
    each part is reported as soon as it is written."""
    from officer_console.demo.detachment import seed_demo
    from officer_console.documents.democa import ensure_demo_pki

    today = datetime.now(ZoneInfo(settings.timezone)).date()
    with transaction(session_factory(engine)) as session:
        summary = seed_demo(session, today=today, tz=settings.timezone, password=password)
    out(summary.render())
    pki = ensure_demo_pki(settings.data_dir)  # demo document-signing CA + unit certificate
    out(f"演示签名证书: {pki.unit_p12}（根证书 {pki.ca_cert}）")
    made = seed_procedure_demo(settings, engine, password)
    out(f"  演示案件：{len(made)} 件（" + "，".join(f"{c.kind}/{c.outcome}" for c in made) + "）")


def seed_if_empty(
    engine: Engine, factory: Callable[[], Session], settings: Settings, password: str
) -> bool:
    """Seed the demo detachment into an empty database; False when it was seeded before."""
    from officer_console.demo.detachment import seed_demo
    from officer_console.documents.democa import ensure_demo_pki

    ensure_demo_pki(settings.data_dir)  # demo document-signing CA + unit certificate
    with transaction(factory) as session:  # type: ignore[arg-type]
        if session.scalar(select(func.count()).select_from(Squad)):
            return False
        now = datetime.now(ZoneInfo(settings.timezone))  # the queue is built around it
        seed_demo(session, today=now.date(), tz=settings.timezone, password=password, now=now)
    seed_procedure_demo(settings, engine, password)  # finished and resumable cases
    return True
