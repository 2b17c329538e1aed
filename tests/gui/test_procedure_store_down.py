"""电子送达 while the evidence store is down (issue 24, defect 4), through the real panel.

The store is a real S3-protocol server (moto_server) reached through a loopback forwarder that
is cut — connections refused, open ones reset — and later restored on the same port. The
console must say what is true (the step was undone as a whole, nothing is kept locally,
nothing retries by itself), watch the store's health and offer 「重试」 once it answers; one
click then serves the decision, with exactly one SMS. SQLite (the panel's store work is the
same on PostgreSQL, covered by tests/store).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from officer_console.dispatch.serve_decision import DecisionServer
from officer_console.evidence_store.s3 import S3Config, S3Store
from officer_console.gui.common.services import Services
from officer_console.gui.procedure.panel import ProcedurePanel
from officer_console.store.db.engine import read_session
from officer_console.store.db.models import Case, EvidenceFile, ServiceRecord, SmsMessage
from tests.servers.s3_server import KEY_ID, KEY_SECRET, REGION, S3Server, start_s3_server
from tests.servers.tcp_proxy import TcpProxy
from tests.store.test_procedure_cases import CountingSms
from tests.support import console, queue_world
from tests.support.case_documents import case_documents
from tests.support.procedure_gui import FakeChannel, Officer, desk, walk_simple_case
from tests.support.procedure_world import build
from tests.support.shots import REQUESTED

_SCREEN_DIR = str(REQUESTED) if REQUESTED else None  # tests/support/shots.py


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    svc = console.make_services(db_url)
    yield svc
    svc.close()


@pytest.fixture
def s3(tmp_path: Path) -> Iterator[S3Server]:
    server = start_s3_server(tmp_path / "moto.log")
    try:
        yield server
    finally:
        server.stop()


def _count(services: Services, model: type, *where: object) -> int:
    with read_session(services.factory) as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_service_with_the_store_down_says_the_truth_and_retries_in_one_click(
    qtbot: QtBot, services: Services, s3: S3Server, tmp_path: Path
) -> None:
    host, port = s3.endpoint.removeprefix("http://").split(":")
    proxy = TcpProxy((host, int(port)))
    bucket = s3.bucket()
    store = S3Store(
        S3Config(
            endpoint=proxy.url,
            bucket=bucket,
            region=REGION,
            access_key_id=KEY_ID,
            secret_access_key=KEY_SECRET,
            retention_days=0,
        ),
        state_dir=tmp_path / "uploads",
    )
    world = build(services.factory)
    queue_world.sign_in(services, world.lead.police_number)
    docs = case_documents(services.settings.data_dir)
    sms = CountingSms()
    server = DecisionServer(
        services.factory, sms, evidence_dir=store, link_base="http://127.0.0.1:8470", documents=docs
    )
    panel = ProcedurePanel(services, server=server, documents=docs, store=store)
    panel.store_retry.interval = 0.5  # probe often: the test waits for the store's return
    window = desk(panel)
    qtbot.addWidget(window)
    window.show()
    panel.set_channel(FakeChannel())
    panel.set_appointment(world.appointment_id, "in_call", assigned=True)
    officer = Officer(panel, lambda p: qtbot.waitUntil(p, timeout=30_000))
    officer.wait(panel.start_button.isEnabled)
    walk_simple_case(officer, world.id_last4)  # the ID snapshot went to the bucket
    officer.complete("ruling", "confirmation")
    officer.adopt("", "service")  # the decision's signature, requested as 确认 opened
    officer.tick("consent_checkbox")  # the address confirmation is asked for at once
    accept = officer.find(type(panel.start_button), "service_accept_signature_button")
    officer.wait(accept.isEnabled)
    stored_before = _count(services, EvidenceFile)

    proxy.cut()  # the store is gone
    officer.click("service_accept_signature_button")  # 采用并送达
    officer.wait(lambda: panel.message.kind == "error" and not panel._busy)
    text = panel.message.text()
    assert "证据存储暂不可用" in text and "整体撤销" in text and "短信未发送" in text
    assert "不会自动重试" in text and "暂存区" not in text
    assert "稍后自动重试" not in text
    retry = panel.store_retry
    assert retry.isVisible() and not retry.button.isEnabled()
    officer.wait(lambda: "仍不可用" in retry.status.text())  # the health probe failed too
    assert not retry.button.isEnabled()
    # Nothing of the step exists: no SMS, no service record, no documents, still at 送达.
    assert _count(services, SmsMessage) == 0 and not sms.sent
    assert _count(services, ServiceRecord) == 0
    assert _count(services, EvidenceFile) == stored_before
    assert _count(services, Case, Case.status == "open") == 1
    assert officer.page() == "service"
    if _SCREEN_DIR:
        window.grab().save(str(Path(_SCREEN_DIR) / "procedure_store_down.png"))

    proxy.restore()  # the store answers again: 重试 becomes clickable by itself
    officer.wait(retry.button.isEnabled)
    assert "已恢复" in retry.status.text()
    if _SCREEN_DIR:
        window.grab().save(str(Path(_SCREEN_DIR) / "procedure_store_back.png"))
    before = officer.interactions
    officer.click("store_retry_button")
    officer.wait(lambda: officer.page() == "done")
    assert officer.interactions - before == 1  # one click
    assert not retry.isVisible()
    assert len(sms.sent) == 1 and _count(services, SmsMessage) == 1
    assert "已电子送达" in panel.message.text()
    with read_session(services.factory) as s:
        decision = s.scalars(select(EvidenceFile).where(EvidenceFile.kind == "decision")).one()
        assert decision.stored_in == "s3"
        assert store.verify(decision.path, decision.sha256, decision.size)
    panel.shutdown()
    proxy.cut()
