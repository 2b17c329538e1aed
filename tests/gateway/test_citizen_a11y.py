"""A page everyone can use: axe-core (WCAG 2.1 A/AA) finds nothing in any state of the citizen
page, at a true 390×844 phone viewport, with no sideways scrolling at 200 % text, in the
standard and the elder-friendly mode (长辈模式, remembered), with stage changes announced.

The states are reached the way a citizen reaches them — booking, join, waiting room, the
officer's console (a real signaling client) driving every procedure stage, the signature pad,
served, ended, join again — in one page load; and the decision's verification page.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from officer_console.config import load_settings
from officer_console.documents.democa import ensure_demo_pki
from officer_console.store.db.engine import make_engine, session_factory
from tests.documents.world import issued_case
from tests.gateway.calls import claimed_call, new_code, open_room
from tests.gateway.world import build_world, live_gateway, settings_for
from tests.support import a11y, chromium
from tests.support.citizen_walk import Report, walk
from tests.support.databases import SqliteTemplate
from tests.support.shots import shots_dir

pytestmark = [pytest.mark.slow, pytest.mark.asyncio]


@pytest.fixture
def sqlite_factory(
    sqlite_template: SqliteTemplate, tmp_path: Path
) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(sqlite_template.fresh_url(tmp_path))
    yield session_factory(engine)
    engine.dispose()


async def test_every_citizen_page_state_passes_axe_on_a_phone(
    sqlite_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    if not chromium.available():
        pytest.fail("chromium is missing: run scripts/setup.sh", pytrace=False)
    world = build_world(sqlite_factory)
    call = claimed_call(sqlite_factory, world.squad_id)
    code = new_code(sqlite_factory, call)
    report = Report(shots_dir(tmp_path))
    with live_gateway(sqlite_factory, settings_for(tmp_path)) as url:
        async with chromium.open_page("about:blank") as page:
            await walk(
                page,
                url,
                call,
                code,
                open_room=lambda: open_room(sqlite_factory, call),
                report=report,
            )
    problems = report.problems()
    assert not problems, "\n".join(problems)


async def test_verification_page_passes_axe_on_a_phone(
    sqlite_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    if not chromium.available():
        pytest.fail("chromium is missing: run scripts/setup.sh", pytrace=False)
    settings = load_settings(env={}, data_dir=tmp_path / "data", database_url="")
    pki = ensure_demo_pki(settings.data_dir)
    case = await asyncio.to_thread(issued_case, sqlite_factory, settings.evidence_dir, pki)
    report = Report(shots_dir(tmp_path))
    with live_gateway(sqlite_factory, settings) as base:
        url = f"{base}/verify?n={case.decision.number}&c={case.decision.verify_code}"
        async with chromium.open_page("about:blank") as page:
            await a11y.phone(page)
            await page.call("Page.navigate", url=url)
            await page.wait_for("document.getElementById('go') !== null")
            await report.check(page, "核验")
    problems = report.problems()
    assert not problems, "\n".join(problems)
