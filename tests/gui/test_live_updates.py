"""Live updates: another workstation's change shows up in place, within 2 s (SQLite) / 1 s (PG)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select, text

from officer_console.gui.common.services import Services
from officer_console.gui.queue.live_updates import ChangeWatcher
from officer_console.gui.queue.model import QueueModel
from officer_console.gui.queue.pane import QueuePane
from officer_console.gui.shell import i18n
from officer_console.store.appointments import lifecycle, queue
from officer_console.store.appointments.change_listener import parse_notification as _parse
from officer_console.store.db import changes
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import Appointment, Squad
from tests.support import builders, console, queue_world

pytestmark = pytest.mark.both_backends  # the backend matters here (docs/testing.md)

OFFICER, COLLEAGUE, LEAD = "370102001", "370102002", "370102900"


def _deadline(services: Services) -> int:
    return 1_000 if services.engine.dialect.name == "postgresql" else 2_000


@pytest.fixture(autouse=True)
def _source_language(qapp: QApplication) -> None:
    i18n.install_translators(qapp, "en")


@pytest.fixture
def pair(db_url: str) -> Iterator[tuple[Services, Services]]:
    """Two workstations on one database: ours (signed in as an officer) and another one."""
    ours, other = console.make_services(db_url), console.make_services(db_url)
    console.seed_world(ours, appointments=40)
    queue_world.sign_in(ours, OFFICER)
    queue_world.sign_in(other, LEAD)
    yield ours, other
    ours.close()
    other.close()


@pytest.fixture
def pane(qtbot: QtBot, pair: tuple[Services, Services]) -> Iterator[QueuePane]:
    widget = QueuePane(pair[0])
    qtbot.addWidget(widget)
    widget.resize(1000, 420)
    widget.show()
    qtbot.waitUntil(lambda: widget.model.rowCount() == 40 and widget.watcher.running, timeout=5_000)
    if pair[0].engine.dialect.name == "postgresql":
        qtbot.waitUntil(lambda: widget.watcher.listening, timeout=5_000)
    qtbot.wait(50)  # the watcher's baseline poll has answered
    yield widget
    widget.shutdown()


def _text(pane: QueuePane, row: int, col: int) -> str:
    return str(pane.model.index(row, col).data())


def _book(services: Services, slot: datetime, n: int) -> int:
    """A new booking arriving from the gateway (stamped like every queue change)."""
    with transaction(services.factory) as s:
        squad = s.get(Squad, services.officer.squad_id)  # type: ignore[union-attr]
        assert squad is not None
        (aid,) = builders.appointments(s, squad, 1, start=slot, first_citizen=n)
        queue._stamp(s, aid, squad.id)
        return aid


def test_claim_elsewhere_updates_the_row_and_keeps_the_selection(
    qtbot: QtBot, pane: QueuePane, pair: tuple[Services, Services]
) -> None:
    _, other = pair
    pane.queue_view.selectRow(2)
    chosen = pane.model.row_at(2).id  # type: ignore[union-attr]
    selected: list[int] = []
    pane.appointment_selected.connect(selected.append)
    target = pane.model.row_at(0).id  # type: ignore[union-attr]
    queue_world.claim_as(other, COLLEAGUE, target)
    qtbot.waitUntil(
        lambda: _text(pane, 0, QueueModel.COL_OFFICER) == "赵强", timeout=_deadline(other)
    )
    assert _text(pane, 0, QueueModel.COL_STATUS) == "已认领"
    assert [i.row() for i in pane.queue_view.selectionModel().selectedRows()] == [2]
    assert pane.current_row().id == chosen and -1 not in selected  # type: ignore[union-attr]


def test_status_change_of_the_selected_row_refreshes_the_case(
    qtbot: QtBot, pane: QueuePane, pair: tuple[Services, Services]
) -> None:
    _, other = pair
    target = pane.model.row_at(1).id  # type: ignore[union-attr]
    queue_world.claim_as(other, COLLEAGUE, target)
    qtbot.waitUntil(lambda: _text(pane, 1, QueueModel.COL_OFFICER) == "赵强", timeout=5_000)
    pane.queue_view.selectRow(1)
    published: list[tuple[int, int | None]] = []
    pane.services.hub.changed.connect(published.extend)
    colleague = Actor(COLLEAGUE, queue_world.officer_id(other, COLLEAGUE), "ws-other")
    version = int(pane.model.index(1, 0).data(QueueModel.VERSION_ROLE))
    with transaction(other.factory) as s:
        lifecycle.dispatch(s, target, colleague, expected_version=version)
    qtbot.waitUntil(
        lambda: _text(pane, 1, QueueModel.COL_STATUS) == "联系中", timeout=_deadline(other)
    )
    # published on the one change signal (with the new version) so the case panel reloads
    assert (target, version + 1) in published


def test_new_booking_above_keeps_the_scroll_position(
    qtbot: QtBot, pane: QueuePane, pair: tuple[Services, Services]
) -> None:
    _, other = pair
    view = pane.queue_view
    view.scrollTo(pane.model.index(20, 0), view.ScrollHint.PositionAtTop)
    qtbot.wait(20)
    top = pane.model.row_at(view.rowAt(0)).id  # type: ignore[union-attr]
    pane.queue_view.selectRow(view.rowAt(0) + 1)
    chosen = pane.current_row().id  # type: ignore[union-attr]
    earliest = pane.model.row_at(0).slot_start  # type: ignore[union-attr]
    new_id = _book(other, earliest - timedelta(minutes=5), 900)
    qtbot.waitUntil(lambda: pane.model.row_of(new_id) == 0, timeout=_deadline(other))
    assert pane.model.row_at(view.rowAt(0)).id == top  # type: ignore[union-attr]  # same top row
    assert pane.current_row().id == chosen  # type: ignore[union-attr]


def test_rows_reassigned_to_another_squad_leave(
    qtbot: QtBot, pane: QueuePane, pair: tuple[Services, Services]
) -> None:
    ours, other = pair
    target = pane.model.row_at(3).id  # type: ignore[union-attr]
    with transaction(other.factory) as s:
        lead = Actor(LEAD, queue_world.officer_id(other, LEAD), "ws-other")
        appt = s.get(Appointment, target)
        assert appt is not None and ours.officer is not None
        other_squad = s.scalars(select(Squad).where(Squad.id != ours.officer.squad_id)).one()
        queue.reassign(
            s,
            lead,
            "shift_lead",
            appt.squad_id,
            [(target, appt.version)],
            reason="辖区调整",
            to_squad_id=other_squad.id,
        )
    qtbot.waitUntil(lambda: pane.model.row_of(target) < 0, timeout=_deadline(other))
    assert pane.model.rowCount() == 39


def _listen_connections(services: Services) -> int:
    with services.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN %'")
            ).scalar_one()
        )


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_listener_stops_cleanly_and_the_slow_poll_covers_for_it(
    qtbot: QtBot, pair: tuple[Services, Services]
) -> None:
    ours, other = pair
    watcher = ChangeWatcher(ours, ours.officer.squad_id, fallback_ms=300)  # type: ignore[union-attr]
    seen: list[list[int]] = []
    watcher.changed.connect(seen.append)
    watcher.start()
    qtbot.waitUntil(lambda: watcher.listening, timeout=5_000)
    assert _listen_connections(other) == 1
    ids = _first_ids(ours, 2)
    queue_world.claim_as(other, COLLEAGUE, ids[0])
    qtbot.waitUntil(lambda: [ids[0]] in seen, timeout=1_000)
    qtbot.wait(700)  # two fallback polls re-read the change …
    assert seen.count([ids[0]]) == 1  # … and do not report it twice
    listener = watcher._listener
    assert listener is not None
    listener.stop()  # as if the connection had died
    assert not listener.alive
    qtbot.waitUntil(lambda: _listen_connections(other) == 0, timeout=2_000)
    queue_world.claim_as(other, COLLEAGUE, ids[1])
    qtbot.waitUntil(lambda: [ids[1]] in seen, timeout=2_000)  # the slow poll found it
    watcher.stop()
    watcher.stop()  # idempotent
    assert not watcher.running


def _first_ids(services: Services, n: int) -> list[int]:
    with services.factory() as s:
        return [r.id for r in queue.list_queue(s, services.officer.squad_id, limit=n)]  # type: ignore[arg-type, union-attr]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_poll_reports_each_change_once(
    qtbot: QtBot, pair: tuple[Services, Services]
) -> None:
    ours, other = pair
    watcher = ChangeWatcher(ours, ours.officer.squad_id, poll_ms=100)  # type: ignore[union-attr]
    seen: list[list[int]] = []
    watcher.changed.connect(seen.append)
    watcher.start()
    qtbot.wait(150)
    ids = _first_ids(ours, 2)
    queue_world.claim_as(other, COLLEAGUE, ids[0])
    queue_world.claim_as(other, COLLEAGUE, ids[1])
    qtbot.waitUntil(lambda: sorted(i for batch in seen for i in batch) == ids, timeout=2_000)
    qtbot.wait(350)
    assert sorted(i for batch in seen for i in batch) == ids
    with ours.factory() as s:
        assert changes.current(s) == watcher._last
    watcher.stop()


def test_malformed_notifications_are_ignored() -> None:
    assert _parse("1:2:3") == (2, 1, 3)
    assert _parse("hello") is None
    assert _parse("1:x:3") is None
