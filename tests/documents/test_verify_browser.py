"""A third party in a real browser: opens the QR link, picks the PDF, presses 核验."""

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
from tests.gateway.world import live_gateway
from tests.support import chromium
from tests.support.databases import SqliteTemplate

pytestmark = [pytest.mark.slow, pytest.mark.asyncio]


@pytest.fixture
def sqlite_factory(
    sqlite_template: SqliteTemplate, tmp_path: Path
) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(sqlite_template.fresh_url(tmp_path))
    yield session_factory(engine)
    engine.dispose()


async def _upload(page: chromium.Page, pdf: Path) -> str:
    document = await page.call("DOM.getDocument")
    node = await page.call("DOM.querySelector", nodeId=document["root"]["nodeId"], selector="#pdf")
    await page.call("DOM.setFileInputFiles", files=[str(pdf)], nodeId=node["nodeId"])
    await page.js("document.getElementById('result').textContent = ''")
    await page.click("go")
    return str(
        await page.wait_for(
            "(() => { const t = document.getElementById('result').textContent;"
            " return t && !t.startsWith('正在') ? t : ''; })()"
        )
    )


async def test_browser_checks_authentic_and_forged_copies(
    sqlite_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    if not chromium.available():
        pytest.fail("chromium is missing: run scripts/setup.sh", pytrace=False)
    settings = load_settings(env={}, data_dir=tmp_path / "data", database_url="")
    pki = ensure_demo_pki(settings.data_dir)
    # pyHanko's synchronous API runs its own event loop: sign off the test's loop.
    case = await asyncio.to_thread(issued_case, sqlite_factory, settings.evidence_dir, pki)
    authentic = settings.evidence_dir / case.files["decision"]
    forged = tmp_path / "forged.pdf"
    data = bytearray(authentic.read_bytes())
    data[data.index(b"/Title") + 10] ^= 0x01
    forged.write_bytes(bytes(data))
    with live_gateway(sqlite_factory, settings) as base:
        url = f"{base}/verify?n={case.decision.number}&c={case.decision.verify_code}"
        async with chromium.open_page(url) as page:
            await page.wait_for("document.getElementById('go') !== null")
            assert "张*" in await page.js("document.body.innerText")
            ok = await _upload(page, authentic)
            assert ok.startswith("核验通过"), ok
            assert await page.js("document.getElementById('result').className") == "ok"
            bad = await _upload(page, forged)
            assert bad.startswith("核验未通过"), bad
            assert await page.js("document.getElementById('result').className") == "bad"
            record = settings.evidence_dir / case.files["inquiry_record"]
            other = await _upload(page, record)  # a genuine record, but not this decision
            assert f"不是本页的处罚决定书（编号{case.decision.number}）" in other, other
            assert "询问笔录" in other and not other.startswith("核验通过")
            assert await page.js("document.getElementById('result').className") == "bad"
            body = await page.js("document.body.innerText")
            assert "缴款期限" in body and "送达之日起十五日内" in body
