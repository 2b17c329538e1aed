"""What a queue cell says and how it looks: the at-a-glance rules in one place.

Overdue rows get a red tint, urgent ones an orange 加急 badge, the officer's own rows are
bold on light blue, finished ones grey. Cell texts come from data and are Chinese.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont

from officer_console.domain import appointment as rules
from officer_console.domain.appointment import Status
from officer_console.store.appointments.queue import QueueRow

(
    COL_SLOT,
    COL_COUNTDOWN,
    COL_URGENT,
    COL_STATUS,
    COL_CITIZEN,
    COL_PHONE,
    COL_PLATE,
    COL_VIOLATIONS,
    COL_OFFICER,
) = range(9)
HEADERS = ("时段", "倒计时", "加急", "状态", "当事人", "电话", "号牌", "违法", "民警")
# Ended and not-yet-called come from the lifecycle's own table (domain/appointment.py).
DONE_STATUSES = rules.CLOSED_STATUSES
WAITING_FOR_CALL = rules.BEFORE_CALL  # overdue once the slot has begun
URGENT_REASONS = {"scoring_cycle": "清分", "inspection": "年审"}
STATUS_COLOURS: dict[str, str] = {  # active statuses only; every ended one is DONE_FG grey
    Status.WAITING: "#0d47a1",
    Status.CLAIMED: "#1b5e20",
    Status.CONTACTING: "#6a1b9a",
    Status.IN_CALL: "#6a1b9a",
    Status.IN_PROCEDURE: "#6a1b9a",
}
OVERDUE_BG, MINE_BG, URGENT_BG = QColor("#fde4e1"), QColor("#e1effc"), QColor("#ef6c00")
OVERDUE_FG, DONE_FG, URGENT_FG = QColor("#c62828"), QColor("#9e9e9e"), QColor("#ffffff")
FG, BG, FONT, ALIGN, TIP = (
    Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.BackgroundRole,
    Qt.ItemDataRole.FontRole,
    Qt.ItemDataRole.TextAlignmentRole,
    Qt.ItemDataRole.ToolTipRole,
)
STYLE_ROLES = frozenset((FG, BG, FONT, ALIGN, TIP))
DISPLAY = Qt.ItemDataRole.DisplayRole


def countdown_text(row: QueueRow, now: datetime) -> str:
    """还有 12 分 / 已超时 5 分 / 进行中; empty for finished appointments."""
    if rules.is_closed(row.status):
        return ""
    if row.status not in WAITING_FOR_CALL:
        return "进行中"
    seconds = (row.slot_start - now).total_seconds()
    if seconds > 0:
        minutes = math.ceil(seconds / 60)
        if minutes < 60:
            return f"还有 {minutes} 分"
        if minutes < 24 * 60:
            return f"还有 {minutes // 60} 小时 {minutes % 60} 分"
        return f"还有 {minutes // (24 * 60)} 天"
    minutes = int(-seconds // 60)
    if minutes == 0:
        return "已到时间"
    if minutes < 60:
        return f"已超时 {minutes} 分"
    return f"已超时 {minutes // 60} 小时 {minutes % 60} 分"


def is_overdue(row: QueueRow, now: datetime) -> bool:
    return row.status in WAITING_FOR_CALL and now >= row.slot_start


class QueueCells:
    """Texts and styles for one viewer (whose rows are "mine") in one time zone."""

    def __init__(self, officer_id: int | None, tz: str, clock: Callable[[], datetime]) -> None:
        self.officer_id = officer_id
        self.zone = ZoneInfo(tz)
        self.clock = clock
        self.refresh_now()
        self._bold = QFont()
        self._bold.setBold(True)

    def refresh_now(self) -> None:
        """Take the time once per refresh: a repaint asks each cell for several roles, and
        reading the clock (and today's date) for every one of them is what made paints slow."""
        self.now = self.clock()
        self.today = self.now.astimezone(self.zone).date()
        self._cache: dict[int, tuple[QueueRow, list[dict[int, Any] | None]]] = {}

    def value(self, row: QueueRow, col: int, role: int) -> Any:
        """Display text or style of a cell, computed once per row version and clock tick."""
        if role != DISPLAY and role not in STYLE_ROLES:
            return None
        entry = self._cache.get(row.id)
        if entry is None or entry[0] is not row:
            entry = (row, [None] * len(HEADERS))
            self._cache[row.id] = entry
        cell = entry[1][col]
        if cell is None:
            cell = {r: self.style(row, col, r) for r in STYLE_ROLES}
            cell[DISPLAY] = self.text(row, col)
            entry[1][col] = cell
        return cell[role]

    def is_mine(self, row: QueueRow) -> bool:
        return self.officer_id is not None and row.officer_id == self.officer_id

    def text(self, row: QueueRow, column: int) -> str:
        if column == COL_SLOT:
            local = row.slot_start.astimezone(self.zone)
            return local.strftime("%H:%M" if local.date() == self.today else "%m-%d %H:%M")
        if column == COL_COUNTDOWN:
            return countdown_text(row, self.now)
        if column == COL_URGENT:
            if not row.urgent:
                return ""
            reason = URGENT_REASONS.get(row.urgent_reason or "", row.urgent_reason or "")
            return f"加急·{reason}" if reason else "加急"
        if column == COL_STATUS:
            return row.status_label
        if column == COL_CITIZEN:
            return row.citizen_masked
        if column == COL_PHONE:
            return row.phone_masked
        if column == COL_PLATE:
            return row.plate
        if column == COL_VIOLATIONS:
            return str(row.violation_count)
        return f"{row.officer_name}（我）" if self.is_mine(row) else row.officer_name

    def style(self, row: QueueRow, col: int, role: int) -> Any:
        if role not in STYLE_ROLES:
            return None
        done = rules.is_closed(row.status)
        badge = col == COL_URGENT and row.urgent and not done
        overdue = is_overdue(row, self.now)
        mine = self.is_mine(row) and not done
        if role == BG:
            if badge:
                return QBrush(URGENT_BG)
            if overdue:
                return QBrush(OVERDUE_BG)
            return QBrush(MINE_BG) if mine else None
        if role == FG:
            if done:
                return QBrush(DONE_FG)
            if badge:
                return QBrush(URGENT_FG)
            if overdue and col in (COL_SLOT, COL_COUNTDOWN):
                return QBrush(OVERDUE_FG)
            colour = STATUS_COLOURS.get(row.status) if col == COL_STATUS else None
            return QBrush(QColor(colour)) if colour else None
        if role == FONT:
            bold = badge or mine or (overdue and col == COL_COUNTDOWN)
            return self._bold if bold else None
        if role == ALIGN:
            if col in (COL_URGENT, COL_VIOLATIONS, COL_STATUS):
                return int(Qt.AlignmentFlag.AlignCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == TIP and col == COL_STATUS:
            return row.status_label  # a narrow column still tells the whole label
        if role == TIP and col == COL_SLOT:
            start = row.slot_start.astimezone(self.zone)
            end = row.slot_end.astimezone(self.zone)
            return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
        return None
