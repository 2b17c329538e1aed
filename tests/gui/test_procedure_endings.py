"""The lawful endings in the panel (issue 19 items 5, 6): a decided case handed over to the
window with its decision carried, then its paper service recorded with a scanned 送达回证 on
the done page; a refused input is said inline. Real widgets, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QRadioButton
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from officer_console.gui.common.services import Services
from officer_console.gui.procedure.endings import HandOverPage, PaperServiceBox
from officer_console.gui.procedure.panel import ProcedurePanel
from officer_console.store.db.engine import read_session
from officer_console.store.db.models import Appointment, EvidenceFile
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


def test_hand_over_after_the_ruling_then_paper_service(
    qtbot: QtBot, services: Services, tmp_path: Path
) -> None:
    world = build(services.factory)
    queue_world.sign_in(services, world.lead.police_number)
    panel = ProcedurePanel(services, documents=case_documents(services.settings.data_dir))
    window = desk(panel)
    qtbot.addWidget(window)
    window.show()
    panel.set_channel(FakeChannel())
    panel.set_appointment(world.appointment_id, "in_call", assigned=True)
    officer = Officer(panel, lambda p: qtbot.waitUntil(p, timeout=15_000))
    officer.wait(panel.start_button.isEnabled)
    walk_simple_case(officer, world.id_last4)
    officer.complete("ruling", "confirmation")
    number = panel.view.decision_number if panel.view else ""
    assert number
    officer.click("procedure_hand_over_button")
    officer.wait(lambda: officer.page() == "handover")
    page = panel.findChild(HandOverPage, "procedure_page_handover")
    assert page is not None and page.decided.isVisible()
    officer.click("handover_confirm_button")  # no road chosen: refused inline
    officer.wait(lambda: panel.message.kind == "error")
    assert "作废" in panel.message.text()
    officer.find(QRadioButton, "handover_carry").setChecked(True)
    if _SCREEN_DIR:
        window.grab().save(str(Path(_SCREEN_DIR) / "procedure_handover.png"))
    officer.click("handover_confirm_button")
    officer.wait(lambda: officer.page() == "done")
    assert "随案移交窗口" in panel.done_text.text()
    assert not panel.endings.button.isVisible()
    box = panel.findChild(PaperServiceBox, "paper_service_box")
    assert box is not None and box.isVisible()
    scan = tmp_path / "receipt.pdf"
    scan.write_bytes(b"%PDF-1.4\n% receipt scan\n")
    box.set_receipt(scan)
    officer.click("paper_record_button")  # no recipient: refused inline
    officer.wait(lambda: panel.message.kind == "error")
    assert "受送达人" in panel.message.text()
    officer.type("paper_recipient", "张三丰（本人）")
    officer.click("paper_record_button")
    officer.wait(lambda: "纸质送达：直接送达" in panel.done_text.text())
    assert panel.markers["service"].text() == "纸质送达"
    assert not box.isVisible()
    if _SCREEN_DIR:
        window.grab().save(str(Path(_SCREEN_DIR) / "procedure_paper_served.png"))
    with read_session(services.factory) as s:
        status = s.scalar(select(Appointment.status).where(Appointment.id == world.appointment_id))
        assert status == "handed_over"
        assert (
            s.scalars(select(EvidenceFile.size).where(EvidenceFile.kind == "service_receipt")).one()
            == scan.stat().st_size
        )
    panel.shutdown()
