"""A fresh panel per case (issue 19 item 3): one officer, one window, two cases back to back.
Everything typed, ticked, snapshotted or selected for the first case is gone for the second:
every field of every page equals a freshly built page's default, and the second case's
inquiry page equals a fresh page loaded with the second case. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTableWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from officer_console.gui.common.services import Services
from officer_console.gui.procedure.pages import StepPage
from officer_console.gui.procedure.panel import ProcedurePanel
from officer_console.gui.procedure.values import build_pages
from officer_console.store.db.engine import read_session, transaction
from officer_console.store.db.models import Appointment
from officer_console.store.procedure.view import case_for_appointment
from tests.support import console, queue_world
from tests.support.case_documents import case_documents
from tests.support.procedure_gui import FakeChannel, Officer, desk
from tests.support.procedure_world import build


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    svc = console.make_services(db_url)
    yield svc
    svc.close()


def _state(page: StepPage) -> dict[str, Any]:
    """Every input of ``page`` by objectName, plus what the page holds outside widgets."""
    out: dict[str, Any] = {}
    for w in page.findChildren(QWidget):
        name = w.objectName()
        if not name or name.startswith("qt_"):
            continue
        if isinstance(w, QAbstractButton) and w.isCheckable():
            out[name] = ("checked", w.isChecked())
        elif isinstance(w, QLineEdit):
            out[name] = ("text", w.text())
        elif isinstance(w, QPlainTextEdit):
            out[name] = ("text", w.toPlainText())
        elif isinstance(w, QSpinBox):
            out[name] = ("value", w.value())
        elif isinstance(w, QComboBox):
            out[name] = ("items", [w.itemText(i) for i in range(w.count())], w.currentIndex())
        elif isinstance(w, QTableWidget):
            out[name] = (
                "cells",
                [
                    [(w.item(r, c).text() if w.item(r, c) else "") for c in range(w.columnCount())]
                    for r in range(w.rowCount())
                ],
            )
        elif isinstance(w, QLabel):
            out[name] = ("label", w.text(), w.pixmap().isNull())
    for attr in ("snapshot_id",):
        if hasattr(page, attr):
            out[attr] = getattr(page, attr)
    signature = getattr(page, "signature", None)
    if signature is not None:
        out["signature"] = (signature.received, signature.accepted)
    return out


def test_two_cases_back_to_back_in_one_window(qtbot: QtBot, services: Services) -> None:
    first = build(services.factory)
    second = build(services.factory, squad_code="370103")
    with transaction(services.factory) as s:  # the same officer takes the second case
        s.execute(
            update(Appointment)
            .where(Appointment.id == second.appointment_id)
            .values(officer_id=first.lead.officer_id)
        )
    queue_world.sign_in(services, first.lead.police_number)
    panel = ProcedurePanel(services, documents=case_documents(services.settings.data_dir))
    window = desk(panel)
    qtbot.addWidget(window)
    window.show()
    panel.set_channel(FakeChannel())
    officer = Officer(panel, lambda p: qtbot.waitUntil(p, timeout=15_000))
    # the first case: the inquiry filled and saved, the notice ticked and typed (not saved)
    panel.set_appointment(first.appointment_id, "in_call", assigned=True)
    officer.click("start_procedure_button")
    officer.wait(lambda: officer.page() == "inquiry")
    officer.click("snapshot_button")
    officer.wait(lambda: panel.pages["inquiry"].snapshot_id is not None)  # type: ignore[attr-defined]
    officer.tick("name_confirmed")
    officer.type("id_last4", first.id_last4)
    for row in range(panel.pages["inquiry"].qa_table.rowCount()):  # type: ignore[attr-defined]
        officer.answer(row, "是")
    for box in panel.pages["inquiry"].admit.values():  # type: ignore[attr-defined]
        box.setChecked(True)
    officer.complete("inquiry", "record")
    officer.click("record_request_signature_button")  # asked again: received, not accepted
    panel.pages["record"].refused.setChecked(True)  # type: ignore[attr-defined]
    officer.complete("record", "notice")
    officer.tick("waived")
    officer.type("statement", "第一位当事人的陈述")
    holder = QWidget()  # keeps the reference pages alive
    defaults = {key: _state(page) for key, page in build_pages(holder).items()}
    filled = {key: _state(page) for key, page in panel.pages.items()}
    assert filled != defaults  # the first case's inputs are really there
    # the second case in the same window, same sign-in
    panel.set_appointment(second.appointment_id, "in_call", assigned=True)
    assert {key: _state(page) for key, page in panel.pages.items()} == defaults
    officer.click("start_procedure_button")
    officer.wait(lambda: officer.page() == "inquiry")
    with read_session(services.factory) as s:
        view = case_for_appointment(s, second.appointment_id)
    assert view is not None
    fresh = build_pages(holder)
    fresh["inquiry"].load(view)
    now = {key: _state(page) for key, page in panel.pages.items()}
    assert now["inquiry"] == _state(fresh["inquiry"])  # only the second case's questions
    for key in ("notice", "ruling", "confirmation", "service"):
        assert now[key] == defaults[key], key
    panel.shutdown()
