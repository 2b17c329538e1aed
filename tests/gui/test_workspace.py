"""The live-call workspace on the squads' 1366×768 screens (and 1920×1080), all in Chinese.

The real main window (queue + case panel) with a pinned call walks a simple case through every
procedure page: at each page, and with the drop banner shown, the window stays within the
screen and every visible button gets at least its size hint; the queue gives way during the
call (F9 brings it back) and returns after the hang-up. At every step, and in the dialogs,
docks and pages the console shows around a case, no visible text has Latin words outside a
short allow-list (tests/support/latin.py). Screenshots: $OC_SCREENSHOT_DIR (or tmp).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from officer_console.gui.case.panel import CasePanel
from officer_console.gui.common.services import Services
from officer_console.gui.queue.pane import QueuePane
from officer_console.gui.shell import i18n
from officer_console.gui.shell.main_window import MainWindow
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import ServiceRecord
from tests.support import console, queue_world
from tests.support.case_documents import demo_pki
from tests.support.console import widget_texts
from tests.support.latin import latin_words
from tests.support.procedure_gui import FakeChannel, Officer, sign_record
from tests.support.procedure_world import World, build
from tests.support.shots import shots_dir

TAG = re.compile(r"<[^>]+>")
NOT_CONSOLE_TEXT = frozenset({"workstation_label", "crash_type_label", "crash_details_edit"})
WAIT = 15_000
SIZES = ((1366, 768), (1920, 1080))
STEPS = ("inquiry", "notice", "ruling", "confirmation", "service", "done")


@pytest.fixture(autouse=True)
def _chinese(qapp: QApplication) -> None:
    i18n.install_translators(qapp, "zh_CN")


@pytest.fixture
def services(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    if not db_url.startswith("sqlite"):
        pytest.skip("layout and language do not depend on the database (run on SQLite)")
    pki = demo_pki()  # the decision is really signed and served
    monkeypatch.setenv("OFFICER_CONSOLE_SIGNING_P12_PASSWORD", pki.password)
    svc = console.make_services(db_url, signing_p12=str(pki.unit_p12))
    yield svc
    svc.close()


class Opener:
    def __call__(self, uri: str) -> bool:
        return True


class Walk:
    """What each step showed: window sizes, clipped buttons, Latin words, screenshots."""

    def __init__(self, window: MainWindow, size: tuple[int, int], shots: Path) -> None:
        self.window, self.size, self.shots = window, size, shots
        self.widths: list[int] = []
        self.problems: list[str] = []

    def check(self, step: str, *extra: QWidget) -> None:
        for _ in range(3):
            QApplication.processEvents()
        w, h = self.window.width(), self.window.height()
        self.widths.append(w)
        if w > self.size[0] or h > self.size[1]:
            self.problems.append(f"{step}: window {w}×{h} exceeds {self.size[0]}×{self.size[1]}")
        for button in self.window.findChildren(QPushButton):
            if button.isVisible() and button.width() < button.sizeHint().width():
                self.problems.append(
                    f"{step}: {button.objectName() or button.text()} "
                    f"{button.width()} < {button.sizeHint().width()} px"
                )
        for root in (self.window, *extra):
            found = latin_words(_visible_texts(root))
            self.problems += [f"{step}: {w}" for w in dict.fromkeys(found)]
        name = f"workspace_{self.size[0]}_{len(self.widths):02d}_{step}.png"
        self.shots.mkdir(parents=True, exist_ok=True)
        self.window.grab().save(str(self.shots / name))


def _visible_texts(root: QWidget) -> list[str]:
    """Texts of ``root`` and its visible descendants (hidden pages are checked when shown)."""
    if not root.isVisible():
        return []
    texts = [root.windowTitle()] if root.isWindow() else []
    for child in [root, *root.findChildren(QWidget)]:
        # the workstation's configured name is data (like a plate), and an error's type and
        # traceback are for the IT support the crash dialog asks the officer to send them to
        if child.isVisible() and child.objectName() not in NOT_CONSOLE_TEXT:
            texts += [t for t in widget_texts_of(child) if t]
    return [TAG.sub(" ", t) for t in texts]  # rich text: what shows, not its markup


def widget_texts_of(widget: QWidget) -> list[str]:
    """widget_texts for one widget only (its children are visited by the caller)."""
    texts = widget_texts(widget)
    children = {t for c in widget.findChildren(QWidget) for t in widget_texts(c)}
    own = [t for t in texts if t not in children]
    return own[1:] if own and own[0] == widget.windowTitle() and not widget.isWindow() else own


def _window(qtbot: QtBot, services: Services, size: tuple[int, int]) -> MainWindow:
    window = MainWindow(services, panes=lambda s: (QueuePane(s), CasePanel(s, opener=Opener())))
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    return window


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_call_workspace_fits_and_speaks_chinese(
    qtbot: QtBot, services: Services, size: tuple[int, int], tmp_path: Path
) -> None:
    world: World = build(services.factory)
    queue_world.sign_in(services, world.lead.police_number)
    window = _window(qtbot, services, size)
    try:
        _walk_the_case(qtbot, window, world, size, tmp_path)
    finally:
        window.close_for_shutdown()


def _walk_the_case(
    qtbot: QtBot, window: MainWindow, world: World, size: tuple[int, int], tmp_path: Path
) -> None:
    walk = Walk(window, size, shots_dir(tmp_path))
    case = window.case_panel
    assert isinstance(case, CasePanel)
    queue = window.queue_pane
    case.show_appointment(world.appointment_id)
    qtbot.waitUntil(lambda: case.case is not None, timeout=WAIT)
    walk.check("case")
    assert case.reveal_button.text() == "显示完整信息"  # what the README tells officers to press
    assert queue.isVisible()
    case.handling.call_started.emit(world.appointment_id)  # the call pins its case
    assert not queue.isVisible() and case.queue_toggle.isVisible()  # the queue gives way
    panel = case.handling.procedure.panel
    panel.set_channel(FakeChannel())
    officer = Officer(panel, lambda p: qtbot.waitUntil(p, timeout=WAIT))
    officer.wait(panel.start_button.isEnabled)
    walk.check("start")
    qtbot.keyClick(window, Qt.Key.Key_F9)  # one key: the queue for browsing
    assert queue.isVisible()
    walk.check("start+queue")
    case.queue_toggle.click()
    assert not queue.isVisible()
    pane = case.handling.video_pane
    assert not pane.hangup_button.isEnabled()  # no call on the pane yet: nothing to end
    officer.click("start_procedure_button")
    officer.wait(lambda: officer.page() == "inquiry")
    for step, following in itertools.pairwise(STEPS):
        walk.check(step)
        pane.banner.setVisible(True)  # 对方网络中断 with 重新发送验证码
        walk.check(f"{step}+banner")
        pane.banner.setVisible(False)
        _fill(officer, step, world)
        if step in ("inquiry", "notice"):  # its record is shown and signed at this step
            officer.complete(step, "record")
            walk.check(f"{step}-record")
            sign_record(officer, following)
        elif step in ("confirmation", "service"):  # 采用 completes 确认 / serves
            officer.adopt("" if step == "confirmation" else "service_", following)
        else:
            officer.complete(step, following)
    walk.check("done")
    # the citizen downloads the decision: the done page says so without a click
    record = panel.done_page.record
    qtbot.waitUntil(lambda: "当事人尚未下载决定书" in record.text(), timeout=WAIT)  # read async
    with transaction(window.services.factory) as s:
        s.execute(update(ServiceRecord).values(delivered_at=datetime.now(UTC)))
    qtbot.waitUntil(lambda: "当事人首次下载决定书" in record.text(), timeout=WAIT)
    case.handling.call_ended.emit(world.appointment_id)  # hang-up: the queue returns
    assert queue.isVisible() and not case.queue_toggle.isVisible()
    walk.check("after-call")
    assert not walk.problems, "\n".join(walk.problems)
    assert max(walk.widths) <= size[0]


def _fill(officer: Officer, step: str, world: World) -> None:
    panel = officer.panel
    if step == "inquiry":
        officer.click("snapshot_button")
        officer.wait(lambda: panel.pages["inquiry"].snapshot_id is not None)  # type: ignore[attr-defined]
        officer.tick("name_confirmed")
        officer.type("id_last4", world.id_last4)
        for row in range(panel.pages["inquiry"].qa_table.rowCount()):  # type: ignore[attr-defined]
            officer.answer(row, "是的。")
        for box in panel.pages["inquiry"].admit.values():  # type: ignore[attr-defined]
            box.setChecked(True)
    elif step == "notice":
        officer.tick("waived")
    elif step == "confirmation":
        channel = panel.channel
        assert isinstance(channel, FakeChannel)
        # what the citizen is asked to sign is the decision, not the 告知 text
        notices = [m["text"] for m in channel.sent if m["type"] == "notice"]
        assert notices and notices[-1].startswith("处罚决定书"), notices[-1:]
        box = panel.pages["confirmation"].signature  # type: ignore[attr-defined]
        asked = channel.kinds().count("request_signature")
        assert box.received is not None  # requested as the page opened, signed on the phone
        panel.set_channel(None)  # no call: a re-request cannot reach the citizen
        box.request_button.click()
        assert "不在视频中" in panel.message.text()
        assert box.received is not None and box.preview.text() != "等待当事人签名……"
        panel.set_channel(channel)  # back on the call: nothing asked again by itself
        assert channel.kinds().count("request_signature") == asked
    elif step == "service":
        officer.tick("consent_checkbox")  # the address confirmation asked for at once


def test_first_window_is_maximized_and_stays_so_after_signing_in_again(
    qtbot: QtBot, services: Services
) -> None:
    """The shell shows each new main window maximized (shell.py ``_signed_in``)."""
    from officer_console.gui.shell import console_shell as shell

    source = Path(shell.__file__).read_text(encoding="utf-8")
    assert "window.showMaximized()" in source and "window.show()\n" not in source
    for _ in range(2):  # sign in, sign out, sign in again: a new window each time
        world_window = MainWindow(
            services, panes=lambda s: (QueuePane(s), CasePanel(s, opener=Opener()))
        )
        qtbot.addWidget(world_window)
        world_window.showMaximized()
        qtbot.waitUntil(world_window.isMaximized, timeout=WAIT)
        world_window.close_for_shutdown()


def test_dialogs_fit_768_and_speak_chinese(
    qtbot: QtBot, services: Services, tmp_path: Path
) -> None:
    world: World = build(services.factory)
    queue_world.sign_in(services, world.lead.police_number)
    window = _window(qtbot, services, (1366, 768))
    problems: list[str] = []

    def look(widget: QWidget) -> None:
        """The widget as shown: within 768 px, no clipped button, no Latin words."""
        for _ in range(3):
            QApplication.processEvents()
        name = widget.objectName()
        if widget.isWindow() and widget is not window:
            high = widget.frameGeometry().height()
            if high > 768:
                problems.append(f"{name}: {high} px high")
        found = latin_words(_visible_texts(widget))
        problems.extend(f"{name}: {w}" for w in dict.fromkeys(found))
        widget.grab().save(str(tmp_path / f"dialog_{name}.png"))
        for button in widget.findChildren(QPushButton):
            if button.isVisible() and button.width() < button.sizeHint().width():
                problems.append(f"{name}: {button.text()} clipped")

    try:
        case = window.case_panel
        assert isinstance(case, CasePanel)
        case.show_appointment(world.appointment_id)
        qtbot.waitUntil(lambda: case.case is not None, timeout=WAIT)
        outcomes = case.handling.outcomes
        qtbot.waitUntil(outcomes.hand_over_button.isEnabled, timeout=WAIT)
        outcomes.hand_over_button.click()
        look(outcomes.hand_over_dialog)
        outcomes.hand_over_dialog.close()
        qtbot.waitUntil(outcomes.release_button.isEnabled, timeout=WAIT)
        outcomes.release_button.click()
        assert outcomes.confirm_box is not None
        look(outcomes.confirm_box)
        outcomes.confirm_box.close()
        from officer_console.gui.call.recording_player import RecordingsDialog

        recordings = RecordingsDialog(services, world.appointment_id, parent=window)
        recordings.open()
        qtbot.waitUntil(lambda: "录像" in recordings.status_label.text(), timeout=WAIT)
        look(recordings)
        assert recordings.width() >= 480 and recordings.recordings_list.height() >= 160
        recordings.close()
        from officer_console.gui.common.document_viewer import DocumentViewer

        viewer = DocumentViewer()
        qtbot.addWidget(viewer)
        viewer.setWindowTitle("文书查看")
        viewer.resize(760, 900)  # what the procedure panel asks for
        viewer.show()
        viewer.fit_to(QRect(0, 0, 1366, 768))  # what showEvent does on a 1366×768 screen
        look(viewer)
        assert viewer.frameGeometry().height() <= 768
        viewer.close()
        _more_windows(services, window, world, look)
        window.lock()
        look(window)
    finally:
        window.close_for_shutdown()
    assert not problems, "\n".join(problems)


def _more_windows(
    services: Services, window: MainWindow, world: World, look: Callable[[QWidget], None]
) -> None:
    """The other windows a console shows: sign-in, settings, about, error, reassign, co-sign
    dock, and the admin's users and schedules."""
    from officer_console.gui.admin.schedules import SchedulesDialog
    from officer_console.gui.admin.users import UsersDialog
    from officer_console.gui.common.crash import CrashDialog
    from officer_console.gui.queue.reassign_dialog import ReassignDialog
    from officer_console.gui.shell.login_dialog import LoginDialog
    from officer_console.gui.shell.menus import show_about
    from officer_console.gui.shell.settings_dialog import SettingsDialog
    from officer_console.store.appointments import queue as queue_store

    dialogs: list[QWidget] = [
        LoginDialog(services),
        SettingsDialog(services.settings, window, services=services),
        CrashDialog(RuntimeError("boom"), None, window),
    ]
    with services.factory() as s:
        rows = queue_store.get_rows(s, [world.appointment_id])
    dialogs.append(ReassignDialog(services, world.squad_id, rows, window))
    for dialog in dialogs:
        dialog.show()
        look(dialog)
        dialog.close()
    show_about(window)
    about = window.findChild(QWidget, "about_box")
    assert about is not None
    look(about)
    about.close()
    dock = window.cosign_dock
    dock.show()
    look(dock)
    dock.hide()
    officer = services.officer
    queue_world.sign_in(services, "37010299")  # the procedure world's admin
    try:
        for admin_dialog in (UsersDialog(services, window), SchedulesDialog(services, window)):
            admin_dialog.show()
            look(admin_dialog)
            admin_dialog.close()
    finally:
        services.officer = officer


def test_after_claim_the_dispatch_action_is_in_view_and_new_rows_start_at_the_top(
    qtbot: QtBot, services: Services
) -> None:
    from datetime import UTC, datetime, timedelta

    from officer_console.store.db.engine import transaction
    from officer_console.store.db.models import (
        Appointment,
        AppointmentViolation,
        Squad,
        ViolationRecord,
    )
    from tests.support import builders

    world: World = build(services.factory)
    with transaction(services.factory) as s:
        squad = s.get(Squad, world.squad_id)
        assert squad is not None
        start = datetime.now(UTC) + timedelta(minutes=30)
        waiting, other = builders.appointments(s, squad, 2, start=start, first_citizen=9300)
        appt = s.get(Appointment, waiting)
        assert appt is not None
        for i in range(12):  # a long case file: the 办理 box starts below the fold
            record = ViolationRecord(
                vehicle_id=appt.vehicle_id, region="370100", code="1625",
                occurred_at=datetime(2026, 11, 1 + i, 1, 15, tzinfo=UTC),
                location="经十路与舜耕路路口", fine=200, points=6, source_ref=f"ws-{i}",
            )  # fmt: skip
            s.add(record)
            s.flush()
            s.add(AppointmentViolation(appointment_id=waiting, violation_id=record.id))
    queue_world.sign_in(services, world.lead.police_number)
    window = _window(qtbot, services, (1366, 768))
    try:
        case, queue = window.case_panel, window.queue_pane
        assert isinstance(case, CasePanel) and isinstance(queue, QueuePane)
        qtbot.waitUntil(lambda: queue.model.row_of(waiting) >= 0, timeout=WAIT)
        queue.queue_view.selectRow(queue.model.row_of(waiting))
        qtbot.waitUntil(lambda: case.case is not None and case.case.appointment.id == waiting)
        bar = case.live_scroll.verticalScrollBar()
        assert bar.value() == 0
        button = case.handling.dispatch_button
        assert button.visibleRegion().boundingRect() != button.rect()  # below the fold
        queue.claim_button.click()
        qtbot.waitUntil(
            lambda: case.case is not None and case.case.appointment.status == "claimed",
            timeout=WAIT,
        )
        qtbot.waitUntil(
            lambda: button.visibleRegion().boundingRect() == button.rect(), timeout=WAIT
        )  # 一键呼叫 in full view, no scrolling by hand
        assert button.isEnabled()
        queue.queue_view.selectRow(queue.model.row_of(other))  # another row: from its top
        qtbot.waitUntil(lambda: case.case is not None and case.case.appointment.id == other)
        assert bar.value() == 0
    finally:
        window.close_for_shutdown()
