"""The queue's table (objectName ``queue_view``): sized once from sample texts, and holding
its place while live updates insert and remove rows above what the officer is reading.

Columns are sized from :data:`COLUMN_SAMPLES` (no per-row measuring with 100,000 rows). Before
:class:`~officer_console.gui.queue.model.QueueModel` applies a live update the table notes
which row is at the top of the viewport and where; afterwards it scrolls so that row is back
in the same place — a colleague's claim never makes the list jump.
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from officer_console.domain import appointment as rules
from officer_console.gui.queue.model import QueueModel

__all__ = ["COLUMN_SAMPLES", "QueueTable"]

# Sample texts that size each column (no per-row measuring with 100,000 rows).
COLUMN_SAMPLES = (
    "12-31 23:59",
    "已超时 12 小时 59 分",
    "加急·清分",
    max(rules.STATUS_LABELS.values(), key=len),  # the longest label (转窗口办理) fits whole
    "欧阳**",
    "138****1234",
    "鲁A12345D",
    "违法",
    "欧阳娜娜（我）",
)


class QueueTable(QTableView):
    """``queue_view``: whole-row selection (several rows only where ``multi``), fixed rows."""

    def __init__(self, model: QueueModel, parent: QWidget | None = None, *, multi: bool) -> None:
        super().__init__(parent)
        self.setObjectName("queue_view")
        self._model = model
        self._anchor: tuple[int, int] | None = None  # (appointment id, its viewport y)
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(
            QAbstractItemView.SelectionMode.ExtendedSelection
            if multi
            else QAbstractItemView.SelectionMode.SingleSelection
        )
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setWordWrap(False)
        self.setShowGrid(False)
        self.verticalHeader().hide()
        rows = self.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 12)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        metrics = self.fontMetrics()
        for col, sample in enumerate(COLUMN_SAMPLES):
            title = QueueModel.HEADERS[col]
            width = max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(title))
            header.resizeSection(col, width + 18)
        header.setStretchLastSection(True)
        model.live_update_about_to_apply.connect(self.remember_anchor)
        model.live_update_applied.connect(self.restore_anchor)

    def remember_anchor(self) -> None:
        bar = self.verticalScrollBar()
        top = self.rowAt(0)
        row = self._model.row_at(top)
        self._anchor = None
        if bar.value() > 0 and row is not None:
            self._anchor = (row.id, self.rowViewportPosition(top))

    def restore_anchor(self) -> None:
        if self._anchor is None:
            return
        appointment_id, offset = self._anchor
        self._anchor = None
        row = self._model.row_of(appointment_id)
        if row < 0:
            return
        self.doItemsLayout()
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + self.rowViewportPosition(row) - offset)
