"""CasePanel with real widgets: masked sections, audited reveal, the handling box, lock."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QGroupBox, QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from officer_console.gui.case import details as case_details
from officer_console.gui.case.panel import CasePanel
from officer_console.gui.common.services import Services
from officer_console.gui.shell import i18n
from officer_console.store.db.models import AuditEvent
from tests.support import console, queue_world
from tests.support.queue_world import FULL_ID, FULL_NAME, FULL_PHONE

OFFICER, COLLEAGUE = "370102001", "370102002"


@pytest.fixture(autouse=True)
def _source_language(qapp: QApplication) -> None:
    i18n.install_translators(qapp, "en")


@pytest.fixture
def world(db_url: str) -> Iterator[tuple[Services, int]]:
    """A claimed appointment with full case details; the claim is 李明's."""
    svc = console.make_services(db_url)
    ids = console.seed_world(svc, appointments=2).appointment_ids
    queue_world.add_case_details(svc, ids[0])
    queue_world.claim_as(svc, OFFICER, ids[0])
    yield svc, ids[0]
    svc.close()


@pytest.fixture
def make_panel(qtbot: QtBot, world: tuple[Services, int]) -> Iterator[Callable[[str], CasePanel]]:
    made: list[CasePanel] = []

    def make(police_number: str) -> CasePanel:
        services = world[0]
        queue_world.sign_in(services, police_number)
        panel = CasePanel(services, opener=lambda _uri: True)  # no real softphone in tests
        qtbot.addWidget(panel)
        panel.resize(620, 900)
        panel.show()
        made.append(panel)
        return panel

    yield make
    for panel in made:
        panel.shutdown()


def _open(qtbot: QtBot, panel: CasePanel, appointment_id: int) -> None:
    panel.show_appointment(appointment_id)
    qtbot.waitUntil(lambda: panel.case is not None, timeout=5_000)


def _field(panel: CasePanel, key: str) -> str:
    label = panel.findChild(QLabel, f"case_{key}")
    assert label is not None
    return label.text()


def _audit(services: Services, action: str) -> list[tuple[str, int | None]]:
    with services.factory() as s:
        rows = s.execute(
            select(AuditEvent.outcome, AuditEvent.officer_id).where(AuditEvent.action == action)
        ).all()
    return [(o, i) for o, i in rows]


def test_case_panel_shows_masked_sections_and_the_handling_box(
    qtbot: QtBot, make_panel: Callable[[str], CasePanel], world: tuple[Services, int]
) -> None:
    panel = make_panel(OFFICER)
    assert panel.objectName() == "case_panel"
    assert panel.state_label.text() == "Select an appointment in the queue."
    panel.show_appointment(world[1])
    assert panel.state_label.isVisible() and panel.state_label.text() == "Loading…"
    qtbot.waitUntil(lambda: panel.case is not None, timeout=5_000)
    assert not panel.state_label.isVisible()
    assert (_field(panel, "name"), _field(panel, "phone"), _field(panel, "id_number")) == (
        "欧***",
        "139****5678",
        "110105********002X",
    )
    assert _field(panel, "licence_class") == "C1" and _field(panel, "cycle_points") == "3"
    assert _field(panel, "cycle_end").endswith("-08-19")
    assert _field(panel, "inspection_due") and _field(panel, "plate").startswith("鲁A")
    assert "加急（年审，2030-05-31 到期）" in panel.title_label.text()
    assert "已认领" in panel.title_label.text() and "李明（370102001）" in panel.title_label.text()
    model = panel.violations_model
    assert model.rowCount() == 2
    assert model.index(0, 3).data() == "违反禁令标志指示的"
    assert model.index(1, 3).data() == "(not in catalogue)"
    assert panel.violations_total.text() == "2 record(s), fines 300 yuan, 1 point(s)"
    actions = [
        panel.history_model.index(r, 1).data() for r in range(panel.history_model.rowCount())
    ]
    assert actions == ["预约", "认领"]
    titles = {b.title() for b in panel.findChildren(QGroupBox)}
    sections = {"Citizen", "Driving licence", "Vehicle", "Violations", "Appointment history"}
    assert sections <= titles
    assert "办理" in titles
    dispatches = [w for w in panel.findChildren(QWidget) if w.objectName() == "dispatch_button"]
    assert len(dispatches) == 1  # the dispatch panel's real button, nothing else
    dispatch = panel.findChild(QPushButton, "dispatch_button")
    start_video = panel.findChild(QPushButton, "start_video_button")
    wizard = panel.findChild(QWidget, "procedure_panel")  # the wizard, in the live case
    assert dispatch is not None and start_video is not None and wizard is not None
    assert panel.findChild(QWidget, "video_pane") is not None
    assert panel.findChild(QWidget, "video_placeholder") is None
    qtbot.waitUntil(dispatch.isEnabled, timeout=5_000)  # claimed by this officer
    assert not start_video.isEnabled()  # not contacting yet
    start = panel.findChild(QPushButton, "start_procedure_button")
    assert start is not None and not start.isEnabled()  # not in a call
    steps = [w.text() for w in wizard.findChildren(QLabel) if w.objectName().startswith("step_")]
    assert steps == [
        "询问",
        "告知",
        "裁决",
        "确认",
        "送达",
    ]  # which service happened shows once served
    panel.show_appointment(-1)
    assert panel.case is None and _field(panel, "name") == ""


def test_assigned_officer_reveals_audited_and_it_hides_again(
    qtbot: QtBot,
    make_panel: Callable[[str], CasePanel],
    world: tuple[Services, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(case_details, "REVEAL_SECONDS", 2)
    panel = make_panel(OFFICER)
    _open(qtbot, panel, world[1])
    assert panel.reveal_button.isEnabled()
    qtbot.mouseClick(panel.reveal_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _field(panel, "name") == FULL_NAME, timeout=5_000)
    assert (_field(panel, "phone"), _field(panel, "id_number")) == (FULL_PHONE, FULL_ID)
    assert panel.reveal_button.text() == "Hide (2 s)"
    officer_id = world[0].officer.id  # type: ignore[union-attr]
    assert _audit(world[0], "citizen.reveal") == [("ok", officer_id)]
    qtbot.waitUntil(lambda: _field(panel, "name") == "欧***", timeout=3_500)  # auto-hide
    assert panel.reveal_button.text() == "Show full details"
    qtbot.mouseClick(panel.reveal_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _field(panel, "name") == FULL_NAME, timeout=5_000)
    qtbot.mouseClick(panel.reveal_button, Qt.MouseButton.LeftButton)  # hide by hand
    assert _field(panel, "name") == "欧***"


def test_colleague_cannot_reveal_and_a_forced_attempt_is_audited(
    qtbot: QtBot, make_panel: Callable[[str], CasePanel], world: tuple[Services, int]
) -> None:
    panel = make_panel(COLLEAGUE)
    _open(qtbot, panel, world[1])
    assert not panel.reveal_button.isEnabled()
    panel._toggle_reveal()  # as if the button had been enabled by mistake
    qtbot.waitUntil(panel.case_error.isVisible, timeout=5_000)
    assert panel.case_error.text() == "只有认领该预约的民警可以查看当事人完整信息"
    assert _field(panel, "name") == "欧***"
    assert _audit(world[0], "citizen.reveal") == [("denied", world[0].officer.id)]  # type: ignore[union-attr]


def test_other_squad_sees_an_inline_error_and_the_denial_is_audited(
    qtbot: QtBot, make_panel: Callable[[str], CasePanel], world: tuple[Services, int]
) -> None:
    services = world[0]
    from tests.support import builders

    with services.factory() as s, s.begin():
        from officer_console.store.db.models import Squad

        other = s.scalars(select(Squad).where(Squad.code == "370103")).one()
        builders.officer(s, other, "370103001", name="钱亮")
    panel = make_panel("370103001")
    panel.show_appointment(world[1])
    qtbot.waitUntil(panel.case_error.isVisible, timeout=5_000)
    assert panel.case_error.text() == "只能查看本大队的预约"
    assert panel.case is None and _field(panel, "plate") == ""
    assert _audit(services, "case.open") == [("denied", services.officer.id)]  # type: ignore[union-attr]


def test_clear_for_lock_leaves_no_personal_data(
    qtbot: QtBot, make_panel: Callable[[str], CasePanel], world: tuple[Services, int]
) -> None:
    panel = make_panel(OFFICER)
    pii = console.citizen_pii(world[0])
    _open(qtbot, panel, world[1])
    qtbot.mouseClick(panel.reveal_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _field(panel, "name") == FULL_NAME, timeout=5_000)
    assert FULL_NAME in console.pii_found(panel, pii)
    panel.clear_for_lock()
    assert console.pii_found(panel, pii) == []
    assert panel.violations_model.rowCount() == 0 and panel.history_model.rowCount() == 0


def test_a_reveal_answer_arriving_after_the_lock_is_dropped(
    qtbot: QtBot, make_panel: Callable[[str], CasePanel], world: tuple[Services, int]
) -> None:
    panel = make_panel(OFFICER)
    pii = console.citizen_pii(world[0])
    _open(qtbot, panel, world[1])
    qtbot.mouseClick(panel.reveal_button, Qt.MouseButton.LeftButton)
    panel.clear_for_lock()  # before the answer is delivered
    qtbot.waitUntil(lambda: _audit(world[0], "citizen.reveal") != [], timeout=5_000)
    qtbot.wait(100)
    assert console.pii_found(panel, pii) == []
