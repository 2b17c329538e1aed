"""The queue's filter row: day, status, officer, plate search and the count.

It only turns widget state into a ``QueueFilter`` and says when that changed; the plate field
waits for a pause in typing so a search is one query, not one per key.

Strings use the "QueuePane" translation context: they were written there first and the
catalogue translates them under that name.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QCoreApplication, QDate, QLocale, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from officer_console.gui.common.widgets import named
from officer_console.store.appointments.queue import ACTIVE_STATUSES, STATUS_LABELS, QueueFilter
from officer_console.store.people.directory import OfficerRef

CHINESE = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
SPECIFIC_DAYS = range(2, 7)  # after today and tomorrow, the rest of the week by date


class QueueFilterBar(QWidget):
    changed = Signal()

    def __init__(self, officer_id: int | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queue_filters")
        self.day_filter = named(QComboBox(self), "day_filter")
        self.status_filter = named(QComboBox(self), "status_filter")
        self.status_filter.addItem(QCoreApplication.translate("QueuePane", "All statuses"), ())
        self.status_filter.addItem(QCoreApplication.translate("QueuePane", "Open"), ACTIVE_STATUSES)
        for status, label in STATUS_LABELS.items():
            self.status_filter.addItem(label, (status,))
        self.officer_filter = named(QComboBox(self), "officer_filter")
        self.officer_filter.addItem(QCoreApplication.translate("QueuePane", "All officers"), None)
        self._fixed_officer_items = 1
        if officer_id is not None:
            self.officer_filter.addItem(QCoreApplication.translate("QueuePane", "Mine"), officer_id)
            self._fixed_officer_items = 2
        self.plate_search = named(QLineEdit(self), "plate_search")
        self.plate_search.setPlaceholderText(
            QCoreApplication.translate("QueuePane", "Search plate")
        )
        self.plate_search.setClearButtonEnabled(True)
        self.plate_search.setMaxLength(12)
        self.count_label = named(QLabel(self), "count_label")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for label, widget in (
            (QCoreApplication.translate("QueuePane", "Day"), self.day_filter),
            (QCoreApplication.translate("QueuePane", "Status"), self.status_filter),
            (QCoreApplication.translate("QueuePane", "Officer"), self.officer_filter),
        ):
            layout.addWidget(QLabel(label, self))
            layout.addWidget(widget)
        layout.addWidget(self.plate_search, 1)
        layout.addWidget(self.count_label)
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(250)
        for combo in (self.day_filter, self.status_filter, self.officer_filter):
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.plate_search.textChanged.connect(lambda _t: self._typing.start())
        self._typing.timeout.connect(self.changed.emit)

    def fill_days(self, today: date) -> None:
        """Today, tomorrow, everything upcoming and the next days by date (kept selection)."""
        kept = self.day_filter.currentData()
        items: list[tuple[str, str]] = [
            (QCoreApplication.translate("QueuePane", "All upcoming"), "upcoming"),
            (QCoreApplication.translate("QueuePane", "Today"), "today"),
            (QCoreApplication.translate("QueuePane", "Tomorrow"), "tomorrow"),
        ]
        for offset in SPECIFIC_DAYS:
            day = today + timedelta(days=offset)
            label = CHINESE.toString(QDate(day.year, day.month, day.day), "M月d日 ddd")
            items.append((label, day.isoformat()))
        self.day_filter.blockSignals(True)
        self.day_filter.clear()
        for text, data in items:
            self.day_filter.addItem(text, data)
        self.day_filter.setCurrentIndex(max(self.day_filter.findData(kept), 0))
        self.day_filter.blockSignals(False)

    def fill_officers(self, officers: list[OfficerRef]) -> None:
        kept = self.officer_filter.currentData()
        self.officer_filter.blockSignals(True)
        while self.officer_filter.count() > self._fixed_officer_items:
            self.officer_filter.removeItem(self._fixed_officer_items)
        for o in officers:
            self.officer_filter.addItem(o.label, o.id)
        self.officer_filter.setCurrentIndex(max(self.officer_filter.findData(kept), 0))
        self.officer_filter.blockSignals(False)

    def current_filter(self, today: date) -> QueueFilter:
        kind = str(self.day_filter.currentData() or "upcoming")
        day: date | None = None
        if kind == "today":
            day = today
        elif kind == "tomorrow":
            day = today + timedelta(days=1)
        elif kind != "upcoming":
            day = date.fromisoformat(kind)
        return QueueFilter(
            day=day,
            from_day=today if day is None else None,
            statuses=tuple(self.status_filter.currentData() or ()),
            officer_id=self.officer_filter.currentData(),
            plate=self.plate_search.text().strip(),
        )

    def clear_plate(self) -> None:
        """Forget a typed plate without triggering a search (screen lock)."""
        self._typing.stop()
        self.plate_search.blockSignals(True)
        self.plate_search.clear()
        self.plate_search.blockSignals(False)
