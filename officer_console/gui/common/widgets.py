"""Small pieces shared by the queue pane, the reassign dialog and the case panel."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtWidgets import QLabel, QTableView, QWidget
from sqlalchemy.orm import Session

from officer_console.domain.errors import DomainError, PermissionDenied
from officer_console.gui.common.services import OpRunner

T = TypeVar("T")
W = TypeVar("W", bound=QObject)
AnyIndex = QModelIndex | QPersistentModelIndex


def named(obj: W, name: str) -> W:
    """Set the snake_case objectName tests and style sheets find widgets by."""
    obj.setObjectName(name)
    return obj


@dataclass(frozen=True)
class _Denied:
    error: PermissionDenied


def run_keeping_denials(
    runner: OpRunner,
    work: Callable[[Session], T],
    on_success: Callable[[T], None],
    on_failure: Callable[[BaseException], None],
) -> None:
    """Run ``work`` in a write transaction that still commits when it raises
    PermissionDenied: the audited denial must persist (docs/security.md: every denial is audited)."""

    def guarded(session: Session) -> T | _Denied:
        try:
            return work(session)
        except PermissionDenied as exc:
            return _Denied(exc)

    def done(result: T | _Denied) -> None:
        if isinstance(result, _Denied):
            on_failure(result.error)
        else:
            on_success(result)

    runner.run(guarded, done, on_failure, write=True)


def local_text(at: datetime | None, tz: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if at is None else at.astimezone(ZoneInfo(tz)).strftime(fmt)


def user_message(error: BaseException) -> str:
    """Domain errors carry Chinese text for the user; anything else is a bug (crash dialog)."""
    return error.message if isinstance(error, DomainError) else ""


class MessageBar(QLabel):
    """An inline, non-blocking message line: errors stay, notices fade after a while."""

    STYLES: ClassVar[dict[str, str]] = {
        "error": "background:#fdecea; color:#b71c1c; border:1px solid #f5c6c6;",
        "info": "background:#e8f5e9; color:#1b5e20; border:1px solid #c8e6c9;",
        "hint": "background:#f5f5f5; color:#424242; border:1px solid #e0e0e0;",  # neither
    }

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.kind = ""
        self._fade = QTimer(self)
        self._fade.setSingleShot(True)
        self._fade.timeout.connect(self.clear_message)
        self.hide()

    def show_message(self, text: str, kind: str = "info", *, timeout_ms: int = 0) -> None:
        self.kind = kind
        self.setText(text)
        self.setStyleSheet(f"QLabel {{ {self.STYLES[kind]} padding:4px 8px; border-radius:3px; }}")
        self.show()
        if timeout_ms:
            self._fade.start(timeout_ms)
        else:
            self._fade.stop()

    def clear_message(self) -> None:
        self._fade.stop()
        self.kind = ""
        self.clear()
        self.hide()


R = TypeVar("R")


class RecordTableModel(QAbstractTableModel, Generic[R]):
    """A read-only table over a list of records; ``columns`` are (header, cell text) pairs."""

    def __init__(
        self, columns: Sequence[tuple[str, Callable[[R], str]]], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[R] = []

    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        return self._columns[index.column()][1](self._rows[index.row()])

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section][0]
        return None


def fit_rows(view: QTableView) -> None:
    """Size a short table to show all its rows (it lives inside a scroll area)."""
    rows = max(1, view.model().rowCount())
    height = view.horizontalHeader().sizeHint().height()
    height += rows * view.verticalHeader().defaultSectionSize()
    if view.horizontalScrollBarPolicy() != Qt.ScrollBarPolicy.ScrollBarAlwaysOff:
        height += view.horizontalScrollBar().sizeHint().height()
    height += 2 * view.frameWidth() + 2
    view.setFixedHeight(height)
