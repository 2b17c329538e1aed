"""Every ended appointment looks ended in the queue: no countdown, grey, its whole label —
转窗口办理 included (the GUI used to keep its own list of finished statuses without it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtWidgets import QApplication

from officer_console.domain.appointment import CLOSED_STATUSES, STATUS_LABELS, Status
from officer_console.gui.queue.cells import (
    COL_COUNTDOWN,
    COL_STATUS,
    DONE_FG,
    FG,
    FONT,
    TIP,
    QueueCells,
)
from officer_console.store.appointments.queue import QueueRow

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _row(status: str) -> QueueRow:
    return QueueRow(
        id=1, version=1, squad_id=1, slot_start=NOW + timedelta(hours=1, minutes=50),
        slot_end=NOW + timedelta(hours=2, minutes=20), urgent=False, urgent_reason=None,
        status=status, citizen_masked="张*", phone_masked="138****0000", plate="鲁A12345",
        violation_count=1, officer_id=7, officer_name="李明", changed_seq=1,
    )  # fmt: skip


def test_each_ended_status_has_no_countdown_and_is_grey(qapp: QApplication) -> None:
    cells = QueueCells(7, "Asia/Shanghai", lambda: NOW)  # the viewer's own rows: bold if active
    assert Status.HANDED_OVER in CLOSED_STATUSES
    for status in Status:
        row = _row(status)
        countdown = cells.text(row, COL_COUNTDOWN)
        fg = cells.style(row, COL_STATUS, FG)
        if status in CLOSED_STATUSES:
            assert countdown == "", status
            assert fg is not None and fg.color() == DONE_FG, status
            assert cells.style(row, COL_COUNTDOWN, FONT) is None, status  # not bold
        else:
            assert countdown, status
        assert cells.text(row, COL_STATUS) == STATUS_LABELS[status]
        assert cells.style(row, COL_STATUS, TIP) == STATUS_LABELS[status]  # never 「转窗…」


def test_an_ended_case_shows_no_countdown_in_the_dispatch_panel() -> None:
    """「还有 1 小时 50 分」 was shown on handed-over cases; now the status says what happened."""
    from officer_console.dispatch.records import AppointmentSnapshot
    from officer_console.gui.case.dispatch_panel import _countdown

    for status in Status:
        snap = AppointmentSnapshot(
            1, 1, status, 7, NOW + timedelta(hours=1, minutes=50),
            NOW + timedelta(hours=2, minutes=20), "Asia/Shanghai", "138****0000", None, (),
        )  # fmt: skip
        text = _countdown(snap, NOW)
        if status in CLOSED_STATUSES:
            assert "还有" not in text and STATUS_LABELS[status] in text, text
        else:
            assert "还有 1 小时 50 分" in text, text
