"""The record page's signature flow after issue 21's figure fix (the presence rule on SQLite and
PostgreSQL, the rest on SQLite: docs/testing.md's backend rule).

The record's signature is requested as its page opens — once per case and record in a panel:
re-rendering the page, reloading the case, a new call after a drop, and a colleague's
read-only view send nothing more. 采用 is still the officer's explicit look at the signature,
and it now also completes the page; 重新请求签名 and the refusal on camera stay; the store
refuses a signature while the citizen is not on video. Screenshots of the record page's
states go to ``$OFFICER_CONSOLE_SCREENSHOTS_DIR`` (SQLite runs) when set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from officer_console.dispatch.serve_decision import DecisionServer
from officer_console.gui.common.services import Services
from officer_console.gui.procedure.panel import ProcedurePanel
from officer_console.gui.procedure.record_page import RecordPage
from tests.store.test_procedure_cases import CountingSms
from tests.support import console, queue_world
from tests.support.case_documents import case_documents
from tests.support.procedure_gui import FakeChannel, Officer, desk, walk_simple_case
from tests.support.procedure_world import World, build, citizen_drops, citizen_joins, signed_png
from tests.support.shots import shots_dir


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    svc = console.make_services(db_url)
    yield svc
    svc.close()


def _requests(channel: FakeChannel) -> list[dict[str, object]]:
    return [m for m in channel.sent if m["type"] == "request_signature"]


def _to_inquiry_record(
    qtbot: QtBot, services: Services, world: World
) -> tuple[ProcedurePanel, FakeChannel, Officer]:
    """The lead's panel beside the video at 1366×768, 询问 done: the 询问笔录 page is open."""
    queue_world.sign_in(services, world.lead.police_number)
    panel = ProcedurePanel(services, documents=case_documents(services.settings.data_dir))
    window = desk(panel)
    qtbot.addWidget(window)
    window.show()
    panel.page_ready.connect(lambda _step: _fits(window))  # the closure keeps the desk alive
    channel = FakeChannel(auto_sign=False)  # the citizen signs when the test says so
    panel.set_channel(channel)
    panel.set_appointment(world.appointment_id, "in_call", assigned=True)
    officer = Officer(panel, lambda p: qtbot.waitUntil(p, timeout=15_000))
    officer.wait(panel.start_button.isEnabled)
    officer.click("start_procedure_button")
    officer.wait(lambda: officer.page() == "inquiry")
    officer.click("snapshot_button")
    officer.wait(lambda: panel.pages["inquiry"].snapshot_id is not None)  # type: ignore[attr-defined]
    officer.tick("name_confirmed")
    officer.type("id_last4", world.id_last4)
    for row in range(panel.pages["inquiry"].qa_table.rowCount()):  # type: ignore[attr-defined]
        officer.answer(row, "是")
    assert _requests(channel) == []  # nothing asked before the record exists
    officer.complete("inquiry", "record")
    return panel, channel, officer


def _fits(window: QWidget) -> None:
    """Every page fits beside the video on a 1366×768 screen."""
    hint = window.minimumSizeHint()
    assert hint.height() <= 740 and hint.width() <= 1366, (hint.width(), hint.height())


def _shot(panel: ProcedurePanel, tmp_path: Path, name: str) -> None:
    QApplication.processEvents()
    window = panel.window()
    assert (window.width(), window.height()) == (1366, 768)
    _fits(window)
    if panel.services.settings.effective_database_url.startswith("sqlite"):
        window.grab().save(str(shots_dir(tmp_path) / name))


def test_record_asked_once_on_opening_then_adopted_in_one_click(
    qtbot: QtBot, services: Services, tmp_path: Path
) -> None:
    world = build(services.factory)
    panel, channel, officer = _to_inquiry_record(qtbot, services, world)
    page = panel.pages["record"]
    assert isinstance(page, RecordPage)
    box = page.signature
    # Asked as the page opened, after the record's text: the phone shows what is signed.
    asked = _requests(channel)
    assert len(asked) == 1 and asked[0]["title"] == "询问笔录"
    assert "答：是" in str(asked[0]["document"])
    assert channel.kinds()[-3:] == ["stage", "notice", "request_signature"]
    assert box.preview.text() == "等待当事人签名……" and not box.accept_button.isEnabled()
    assert box.request_button.text() == "重新请求签名"
    _shot(panel, tmp_path, "procedure_record_waiting.png")
    before = officer.interactions
    # Re-opening the page and reloading the case ask nothing more.
    assert panel.view is not None
    panel.show_view(panel.view)
    ready: list[str] = []
    panel.page_ready.connect(ready.append)
    panel.set_appointment(world.appointment_id, "in_call", assigned=True)
    officer.wait(lambda: "record" in ready)  # the case re-read, the record page shown again
    assert len(_requests(channel)) == 1
    # The citizen signs badly: the officer sees it and asks again (explicitly).
    assert channel.on_signature is not None
    channel.on_signature(signed_png("illegible"))
    officer.wait(box.accept_button.isEnabled)
    assert box.accept_button.text() == "签名清晰，采用并完成"
    _shot(panel, tmp_path, "procedure_record_signed.png")
    officer.click("record_request_signature_button")
    assert len(_requests(channel)) == 2 and not box.accept_button.isEnabled()
    assert box.received is None  # the illegible image can no longer be adopted
    # A refusal ticked, then the citizen signs after all: the adopted signature wins.
    officer.tick("record_refused")
    channel.on_signature(signed_png("clear"))
    officer.adopt("record_", "notice")  # one click: adopted and saved
    assert panel.view is not None and panel.view.records["inquiry"]["refused"] is False
    assert officer.interactions - before == 3  # re-request, the refusal tick, 采用
    _shot(panel, tmp_path, "procedure_record_adopted_notice.png")
    panel.shutdown()


def test_no_duplicate_after_a_drop_and_none_from_a_read_only_view(
    qtbot: QtBot, services: Services
) -> None:
    world = build(services.factory)
    panel, channel, officer = _to_inquiry_record(qtbot, services, world)
    assert len(_requests(channel)) == 1
    # The citizen drops; the officer's new call after it re-syncs the phone, asks nothing.
    citizen_drops(services.factory, world)
    panel.set_channel(None)
    again = FakeChannel(auto_sign=False)
    citizen_joins(services.factory, world)
    panel.set_channel(again)
    assert again.kinds() == ["stage", "notice"] and _requests(channel) == [channel.sent[-1]]
    # A colleague's console (read-only) with a call channel never asks the citizen.
    queue_world.sign_in(services, world.assist.police_number)
    other = ProcedurePanel(services, documents=case_documents(services.settings.data_dir))
    qtbot.addWidget(other)
    watching = FakeChannel(auto_sign=False)
    other.set_channel(watching)
    ready: list[str] = []
    other.page_ready.connect(ready.append)
    other.set_appointment(world.appointment_id, "in_call", assigned=False)
    qtbot.waitUntil(lambda: "record" in ready, timeout=10_000)
    assert not other.pages["record"].isEnabled() and "只读" in other.message.text()
    assert _requests(watching) == []
    other.shutdown()
    # Back at the lead's console: re-requested on purpose, signed, adopted.
    queue_world.sign_in(services, world.lead.police_number)
    officer.click("record_request_signature_button")
    assert len(_requests(again)) == 1
    assert again.on_signature is not None
    again.on_signature(signed_png("after the drop"))
    officer.adopt("record_", "notice")
    panel.shutdown()


@pytest.mark.both_backends  # the store's presence rule, on both databases
def test_adopting_while_the_citizen_is_off_video_is_refused_and_retried(
    qtbot: QtBot, services: Services
) -> None:
    world = build(services.factory)
    panel, channel, officer = _to_inquiry_record(qtbot, services, world)
    assert channel.on_signature is not None
    channel.on_signature(signed_png("signed before the drop"))
    citizen_drops(services.factory, world)  # the relay saw the citizen's page leave
    officer.click("record_accept_signature_button")  # adopt → the store refuses: not on video
    officer.wait(lambda: panel.message.kind == "error" and not panel._busy)
    assert officer.page() == "record" and panel.view is not None
    assert "inquiry" not in panel.view.records  # nothing signed
    citizen_joins(services.factory, world, new_room=False)  # back on video
    officer.complete("record", "notice")  # the adopted image, saved with the button
    assert panel.view.records["inquiry"]["refused"] is False
    assert len(_requests(channel)) == 1
    panel.shutdown()


def test_refusal_on_camera_still_recorded(qtbot: QtBot, services: Services) -> None:
    world = build(services.factory)
    panel, channel, officer = _to_inquiry_record(qtbot, services, world)
    assert len(_requests(channel)) == 1  # asked; the party refuses to sign
    officer.tick("record_refused")
    officer.complete("record", "notice")
    assert panel.view is not None and panel.view.records["inquiry"]["refused"] is True
    panel.shutdown()


def test_decision_and_address_asked_once_then_adopted_and_served(
    qtbot: QtBot, services: Services, tmp_path: Path
) -> None:
    """确认: the decision's signature asked as the page opens; 送达: the address confirmation
    asked when consent is ticked (not before, not twice); 采用并送达 serves by SMS."""
    world = build(services.factory)
    queue_world.sign_in(services, world.lead.police_number)
    docs = case_documents(services.settings.data_dir)
    sms = CountingSms()
    server = DecisionServer(
        services.factory,
        sms,
        evidence_dir=services.settings.evidence_dir,
        link_base="http://127.0.0.1:8470",
        documents=docs,
    )
    panel = ProcedurePanel(services, server=server, documents=docs)
    window = desk(panel)
    qtbot.addWidget(window)
    window.show()
    panel.page_ready.connect(lambda _step: _fits(window))
    channel = FakeChannel()  # the citizen signs each request at once
    panel.set_channel(channel)
    panel.set_appointment(world.appointment_id, "in_call", assigned=True)
    officer = Officer(panel, lambda p: qtbot.waitUntil(p, timeout=15_000))
    officer.wait(panel.start_button.isEnabled)
    walk_simple_case(officer, world.id_last4)
    assert len(_requests(channel)) == 2  # the two records
    officer.complete("ruling", "confirmation")
    asked = _requests(channel)
    assert len(asked) == 3 and "处罚决定书" in str(asked[-1]["prompt"])
    assert channel.kinds()[-2:] == ["notice", "request_signature"]  # the decision's text first
    officer.adopt("", "service")  # 采用并完成
    assert len(_requests(channel)) == 3  # nothing asked before consent
    officer.tick("consent_checkbox")
    assert len(_requests(channel)) == 4 and "送达地址" in str(_requests(channel)[-1]["prompt"])
    officer.tick("consent_checkbox")  # the party hesitates …
    officer.tick("consent_checkbox")  # … and agrees again: not asked twice by itself
    assert len(_requests(channel)) == 4
    box = panel.pages["service"].signature  # type: ignore[attr-defined]
    officer.wait(box.accept_button.isEnabled)
    assert box.accept_button.text() == "签名清晰，采用并送达"
    _shot(panel, tmp_path, "procedure_service_signed.png")
    officer.adopt("service_", "done")  # adopted and served: one SMS
    assert len(sms.sent) == 1 and "已办结" in panel.done_text.text()
    assert officer.interactions == 19 + 2, officer.interactions  # the walk + the hesitation
    panel.shutdown()
