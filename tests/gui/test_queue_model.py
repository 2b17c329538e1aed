"""QueueModel without widgets: qtmodeltester, lazy pages, in-place updates, countdown, colours."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QBrush
from pytestqt.qtbot import QtBot

from officer_console.gui.common.services import Services
from officer_console.gui.queue.model import QueueModel, countdown_text
from officer_console.store.appointments import queue
from officer_console.store.appointments.queue import QueueFilter, QueueRow
from tests.support import console, queue_world
from tests.support.console import FakeClock

START = datetime(2030, 3, 4, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START - timedelta(hours=1))


@pytest.fixture
def services(sqlite_template: Any, tmp_path: Path, clock: FakeClock) -> Iterator[Services]:
    svc = console.make_services(sqlite_template.fresh_url(tmp_path), clock)
    console.seed_world(svc, appointments=0)
    queue_world.sign_in(svc, "370102001")
    yield svc
    svc.close()


def _seed(services: Services, count: int) -> list[int]:
    from officer_console.store.db.engine import transaction
    from officer_console.store.db.models import Squad
    from tests.support import builders

    with transaction(services.factory) as s:
        squad = s.get(Squad, services.officer.squad_id)  # type: ignore[union-attr]
        assert squad is not None
        return builders.appointments(s, squad, count, start=START)


def _model(qtbot: QtBot, services: Services, page_size: int = 100) -> QueueModel:
    officer = services.officer
    assert officer is not None
    model = QueueModel(
        services.runner,
        officer.squad_id,
        officer_id=officer.id,
        clock=services.clock,
        page_size=page_size,
    )
    model.reload()
    qtbot.waitUntil(lambda: not model.loading, timeout=5_000)
    return model


def _fresh(services: Services, ids: list[int]) -> list[QueueRow]:
    with services.factory() as s:
        return queue.get_rows(s, ids)


def test_model_passes_qtmodeltester_with_every_kind_of_row(
    qtbot: QtBot, qtmodeltester: Any, services: Services
) -> None:
    ids = _seed(services, 8)
    queue_world.set_fields(services, ids[0], urgent=True, urgent_reason="scoring_cycle")
    queue_world.set_fields(services, ids[1], urgent=True, urgent_reason="inspection")
    queue_world.set_fields(services, ids[2], status="completed")
    queue_world.set_fields(services, ids[3], status="cancelled", urgent=True)
    queue_world.claim_as(services, "370102001", ids[4])
    queue_world.claim_as(services, "370102002", ids[5])
    model = _model(qtbot, services)
    services.clock.advance(minutes=75)  # type: ignore[attr-defined]  # first slots overdue
    model.tick()
    qtmodeltester.check(model, force_py=True)
    qtmodeltester.check(model)
    texts = [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(8)]
    assert texts[0][QueueModel.COL_URGENT] == "加急·清分"
    assert texts[1][QueueModel.COL_URGENT] == "加急·年审"
    assert texts[2][QueueModel.COL_STATUS] == "已办结"
    assert texts[4][QueueModel.COL_OFFICER] == "李明（我）"
    assert texts[5][QueueModel.COL_OFFICER] == "赵强"
    assert texts[0][QueueModel.COL_CITIZEN] == "张*"
    assert texts[0][QueueModel.COL_PHONE].startswith("138****")
    assert texts[0][QueueModel.COL_SLOT] == "09:00"
    assert model.headerData(0, Qt.Orientation.Horizontal) == "时段"
    row0 = model.index(0, 0)
    assert row0.data(QueueModel.ROW_ID_ROLE) == ids[0]
    assert row0.data(QueueModel.VERSION_ROLE) == 1
    assert row0.data(QueueModel.STATUS_ROLE) == "waiting"
    assert isinstance(row0.data(QueueModel.ROW_ROLE), QueueRow)


def test_colours_read_at_a_glance(qtbot: QtBot, services: Services, clock: FakeClock) -> None:
    ids = _seed(services, 4)
    queue_world.set_fields(services, ids[1], urgent=True, urgent_reason="inspection")
    queue_world.set_fields(services, ids[2], status="completed")
    queue_world.claim_as(services, "370102001", ids[3])
    model = _model(qtbot, services)
    bg, fg, font = (
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.FontRole,
    )

    def colour(row: int, col: int, role: int) -> str | None:
        value = model.index(row, col).data(role)
        return value.color().name() if isinstance(value, QBrush) else None

    assert colour(1, QueueModel.COL_URGENT, bg) == "#ef6c00"  # orange 加急 badge
    assert colour(2, QueueModel.COL_CITIZEN, fg) == "#9e9e9e"  # finished: grey
    assert colour(3, QueueModel.COL_PLATE, bg) == "#e1effc"  # mine: light blue …
    assert model.index(3, QueueModel.COL_PLATE).data(font).bold()  # … and bold
    assert colour(0, QueueModel.COL_CITIZEN, bg) is None
    clock.advance(minutes=65)  # the 09:00 slot is five minutes late
    model.tick()  # the model reads the clock once a second, not per cell
    assert model.index(0, QueueModel.COL_COUNTDOWN).data() == "已超时 5 分"
    assert colour(0, QueueModel.COL_CITIZEN, bg) == "#fde4e1"  # overdue: red tint
    assert colour(0, QueueModel.COL_COUNTDOWN, fg) == "#c62828"


def test_countdown_texts() -> None:
    row = QueueRow(1, 1, 1, START, START, False, None, "waiting", "", "", "", 0, None, "", 0)
    assert countdown_text(row, START - timedelta(minutes=12)) == "还有 12 分"
    assert countdown_text(row, START - timedelta(seconds=20)) == "还有 1 分"
    assert countdown_text(row, START - timedelta(hours=2, minutes=5)) == "还有 2 小时 5 分"
    assert countdown_text(row, START - timedelta(days=2)) == "还有 2 天"
    assert countdown_text(row, START + timedelta(seconds=30)) == "已到时间"
    assert countdown_text(row, START + timedelta(minutes=5, seconds=10)) == "已超时 5 分"
    in_call = QueueRow(1, 1, 1, START, START, False, None, "in_call", "", "", "", 0, None, "", 0)
    assert countdown_text(in_call, START + timedelta(minutes=9)) == "进行中"
    done = QueueRow(1, 1, 1, START, START, False, None, "completed", "", "", "", 0, None, "", 0)
    assert countdown_text(done, START) == ""


def test_countdown_timer_changes_only_its_column(qtbot: QtBot, services: Services) -> None:
    _seed(services, 3)
    model = _model(qtbot, services)
    seen: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda tl, br, _roles=(): seen.append((tl.row(), tl.column(), br.row(), br.column()))
    )
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=2_500)  # the 1 s timer is running
    assert set(seen) == {(0, QueueModel.COL_COUNTDOWN, 2, QueueModel.COL_COUNTDOWN)}


def test_turning_overdue_repaints_that_whole_row(
    qtbot: QtBot, services: Services, clock: FakeClock
) -> None:
    _seed(services, 3)
    model = _model(qtbot, services)
    model.tick()
    seen: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda tl, br, _r=(): seen.append((tl.row(), tl.column(), br.row(), br.column()))
    )
    clock.advance(minutes=61)  # only the first slot (09:00) has begun
    model.tick()
    assert (0, 0, 0, QueueModel.COL_OFFICER) in seen
    assert not any(r == 1 and c == 0 for r, c, *_ in seen)


def test_pages_load_lazily_without_blocking(qtbot: QtBot, services: Services) -> None:
    _seed(services, 250)
    model = _model(qtbot, services, page_size=100)
    assert (model.rowCount(), model.total) == (100, 250)
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    # Queued, not waited for: the call returns with the page still loading (no timing
    # threshold — a loaded CI machine made one flaky).
    assert model.loading and model.rowCount() == 100
    assert not model.canFetchMore(QModelIndex())  # one request at a time
    qtbot.waitUntil(lambda: model.rowCount() == 200, timeout=5_000)
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: model.rowCount() == 250, timeout=5_000)
    assert model.exhausted and not model.canFetchMore(QModelIndex())
    keys = [(model.row_at(i).slot_start, model.row_at(i).id) for i in range(250)]  # type: ignore[union-attr]
    assert keys == sorted(keys) and len({k[1] for k in keys}) == 250


def test_pages_survive_rows_moving_between_requests(qtbot: QtBot, services: Services) -> None:
    ids = _seed(services, 30)
    model = _model(qtbot, services, page_size=10)
    model.set_filter(QueueFilter(statuses=("waiting",)))
    qtbot.waitUntil(lambda: model.rowCount() == 10, timeout=5_000)
    for aid in ids[:5]:  # claimed elsewhere: they leave the waiting filter before page 2
        queue_world.claim_as(services, "370102002", aid)
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: model.rowCount() == 20, timeout=5_000)
    assert model.ids() == ids[:20]  # keyset paging: nothing skipped, nothing twice


def test_apply_rows_updates_inserts_and_removes_in_place(qtbot: QtBot, services: Services) -> None:
    ids = _seed(services, 6)
    model = _model(qtbot, services)
    model.set_filter(QueueFilter(statuses=("waiting",)))
    qtbot.waitUntil(lambda: model.rowCount() == 6, timeout=5_000)
    selection = QItemSelectionModel(model)
    selection.select(
        model.index(3, 0),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
    )
    events: list[str] = []
    model.modelReset.connect(lambda: events.append("reset"))
    model.rowsRemoved.connect(lambda _p, a, b: events.append(f"removed {a}-{b}"))
    model.rowsInserted.connect(lambda _p, a, b: events.append(f"inserted {a}-{b}"))
    model.rowsMoved.connect(lambda *_: events.append("moved"))

    queue_world.claim_as(services, "370102002", ids[1])  # leaves the "waiting" filter
    model.apply_rows(_fresh(services, [ids[1]]), requested_ids=[ids[1]])
    assert events == ["removed 1-1"]
    assert [i.row() for i in selection.selectedRows()] == [2]  # same appointment, new row
    assert model.row_at(2).id == ids[3]  # type: ignore[union-attr]

    queue_world.set_fields(services, ids[1], status="waiting", officer_id=None)  # back again
    model.apply_rows(_fresh(services, [ids[1]]))
    assert events[-1] == "inserted 1-1" and model.ids() == ids

    queue_world.shift_slots(services, ids[3], timedelta(hours=5))  # rescheduled: moves last
    model.apply_rows(_fresh(services, [ids[3]]))
    assert events[-1] == "moved" and model.ids()[-1] == ids[3]
    assert [model.row_at(i.row()).id for i in selection.selectedRows()] == [ids[3]]  # type: ignore[union-attr]
    assert "reset" not in events


def test_apply_rows_emits_only_the_changed_cells(qtbot: QtBot, services: Services) -> None:
    ids = _seed(services, 3)
    model = _model(qtbot, services)
    changed: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda tl, br, _r=(): changed.append((tl.row(), tl.column(), br.row(), br.column()))
    )
    queue_world.set_fields(services, ids[2], version=2)  # nothing visible changed …
    queue_world.claim_as(services, "370102002", ids[1])  # … a claim recolours one row
    model.apply_rows(_fresh(services, [ids[1], ids[2]]))
    assert (1, 0, 1, QueueModel.COL_OFFICER) in changed
    assert all(r != 0 for r, *_ in changed)
    assert model.index(1, QueueModel.COL_OFFICER).data() == "赵强"


def test_rows_beyond_the_loaded_pages_wait_for_their_page(qtbot: QtBot, services: Services) -> None:
    ids = _seed(services, 30)
    model = _model(qtbot, services, page_size=10)
    model.set_filter(QueueFilter(statuses=("waiting",)))
    qtbot.waitUntil(lambda: model.rowCount() == 10, timeout=5_000)
    queue_world.claim_as(services, "370102002", ids[25])
    with services.factory() as s:
        late = queue.get_rows(s, [ids[25]])[0]
    queue_world.set_fields(services, ids[25], status="waiting", officer_id=None)
    model.apply_rows([late])  # not waiting any more and never loaded: ignored
    model.apply_rows(_fresh(services, [ids[25]]))  # waiting, but past page 1: not inserted
    assert model.rowCount() == 10


def test_refresh_ids_and_clear(qtbot: QtBot, services: Services) -> None:
    ids = _seed(services, 3)
    model = _model(qtbot, services)
    queue_world.claim_as(services, "370102002", ids[0])
    refreshed: list[list[int]] = []
    model.rows_refreshed.connect(refreshed.append)
    model.refresh_ids([ids[0]])
    qtbot.waitUntil(lambda: refreshed == [[ids[0]]], timeout=5_000)
    assert model.index(0, QueueModel.COL_STATUS).data() == "已认领"
    model.clear()
    assert model.rowCount() == 0 and model.total == 0 and not model.canFetchMore(QModelIndex())
