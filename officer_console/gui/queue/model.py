"""The squad queue as a lazily loaded, live-updated table model (Anki's browser table shape).

Pages come from the op runner without blocking: ``fetchMore`` only queues a keyset page
request and rows are inserted when it arrives. Live changes go through ``apply_rows``, which
edits, moves, inserts and removes single rows — never a model reset — so views keep their
selection and scroll position. Cell text that comes from data (statuses, urgent reasons,
countdowns) is Chinese; the model has no widget code and is tested with qtmodeltester.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, QTimer, Signal
from sqlalchemy.orm import Session

from officer_console.gui.common.services import OpRunner
from officer_console.gui.common.widgets import AnyIndex
from officer_console.gui.queue import cells
from officer_console.gui.queue.cells import QueueCells, countdown_text
from officer_console.store.appointments import queue, queue_pages
from officer_console.store.appointments.queue import QueueFilter, QueueRow
from officer_console.store.appointments.queue_pages import SortKey, sort_key
from officer_console.store.db.types import utcnow

__all__ = ["QueueModel", "countdown_text"]
D = Qt.ItemDataRole.DisplayRole


class QueueModel(QAbstractTableModel):
    COL_SLOT, COL_COUNTDOWN, COL_URGENT = cells.COL_SLOT, cells.COL_COUNTDOWN, cells.COL_URGENT
    COL_STATUS, COL_CITIZEN, COL_PHONE = cells.COL_STATUS, cells.COL_CITIZEN, cells.COL_PHONE
    COL_PLATE, COL_VIOLATIONS, COL_OFFICER = (
        cells.COL_PLATE,
        cells.COL_VIOLATIONS,
        cells.COL_OFFICER,
    )
    HEADERS = cells.HEADERS
    ROW_ID_ROLE = Qt.ItemDataRole.UserRole + 1
    VERSION_ROLE = Qt.ItemDataRole.UserRole + 2
    STATUS_ROLE = Qt.ItemDataRole.UserRole + 3
    ROW_ROLE = Qt.ItemDataRole.UserRole + 4

    loading_changed = Signal(bool)
    total_changed = Signal(int)
    load_failed = Signal(object)  # the exception of a failed page or refresh
    rows_refreshed = Signal(list)  # ids a live update touched (changed, added or removed)
    rows_fetched = Signal(list, list)  # fresh rows read by refresh_ids, the ids asked for
    live_update_about_to_apply = Signal()
    live_update_applied = Signal()

    def __init__(
        self,
        runner: OpRunner,
        squad_id: int | None,
        *,
        officer_id: int | None = None,
        tz: str = "Asia/Shanghai",
        clock: Callable[[], datetime] = utcnow,
        page_size: int = 100,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self.squad_id = squad_id
        self.officer_id = officer_id
        self.tz = tz
        self.cells = QueueCells(officer_id, tz, clock)
        self.page_size = page_size
        self.filter = QueueFilter()
        self._rows: list[QueueRow] = []
        self._keys: list[SortKey] = []
        self._pos: dict[int, int] = {}
        self._overdue: set[int] = set()
        self._generation = 0
        self._exhausted = True
        self._loading = False
        self.total = 0
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.tick)

    # --- loading -------------------------------------------------------------------------

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    def set_filter(self, flt: QueueFilter) -> None:
        self.filter = flt
        self.reload()

    def reload(self) -> None:
        """Drop everything and load the first page (a filter change is a real reset)."""
        self._reset([])
        self._exhausted = self.squad_id is None
        if self.squad_id is not None:
            self._request_page(first=True)

    def clear(self) -> None:
        """Forget every row and ignore answers still on their way (screen lock)."""
        self._reset([])
        self._exhausted = True
        self._set_total(0)

    def _reset(self, rows: list[QueueRow]) -> None:
        self._generation += 1
        self._set_loading(False)
        self.beginResetModel()
        self._rows, self._keys = rows, [sort_key(r) for r in rows]
        self._reindex()
        self._overdue = set()
        self.endResetModel()
        self._timer.stop()

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008, N802
        """Queue the next page; never waits for it."""
        if self.canFetchMore(parent):
            self._request_page(first=False)

    def _request_page(self, *, first: bool) -> None:
        squad_id, flt, tz, limit = self.squad_id, self.filter, self.tz, self.page_size
        assert squad_id is not None
        after = self._keys[-1] if self._keys and not first else None
        generation = self._generation

        def work(s: Session) -> tuple[list[QueueRow], int | None]:
            rows = queue_pages.list_page(s, squad_id, flt, after=after, limit=limit, tz=tz)
            total = queue.count_queue(s, squad_id, flt, tz=tz) if first else None
            return rows, total

        self._set_loading(True)
        self._runner.run(
            work,
            lambda result: self._on_page(generation, *result),
            lambda error: self._on_failed(generation, error),
            write=False,
        )

    def _on_page(self, generation: int, rows: list[QueueRow], total: int | None) -> None:
        if generation != self._generation:
            return
        self.cells.refresh_now()
        self._exhausted = len(rows) < self.page_size
        if total is not None:
            self._set_total(total)
        fresh = [r for r in rows if r.id not in self._pos]
        block = [r for r in fresh if not self._keys or sort_key(r) > self._keys[-1]]
        if block:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(block) - 1)
            self._rows.extend(block)
            self._keys.extend(sort_key(r) for r in block)
            self._pos.update((r.id, first + i) for i, r in enumerate(block))
            self.endInsertRows()
        for r in fresh:
            if r.id not in self._pos:
                self._insert_sorted(r, beyond_end=True)
        for r in rows:
            if r.id in self._pos:
                self._update(self._pos[r.id], r)
        self._set_loading(False)
        if self._rows and not self._timer.isActive():
            self._timer.start()

    def _on_failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self._set_loading(False)
            self.load_failed.emit(error)

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    def _set_total(self, total: int) -> None:
        if total != self.total:
            self.total = total
            self.total_changed.emit(total)

    # --- live updates --------------------------------------------------------------------

    def version_of(self, appointment_id: int) -> int | None:
        pos = self._pos.get(appointment_id)
        return None if pos is None else self._rows[pos].version

    def refresh_ids(self, ids: Iterable[int]) -> None:
        """Re-read these appointments (and the count) and apply them in place."""
        wanted = sorted(set(ids))
        if not wanted or self.squad_id is None:
            return
        squad_id, flt, tz, generation = self.squad_id, self.filter, self.tz, self._generation

        def work(s: Session) -> tuple[list[QueueRow], int]:
            return queue.get_rows(s, wanted), queue.count_queue(s, squad_id, flt, tz=tz)

        def done(result: tuple[list[QueueRow], int]) -> None:
            if generation == self._generation:
                self.apply_rows(result[0], requested_ids=wanted)
                self._set_total(result[1])
                self.rows_fetched.emit(result[0], wanted)

        self._runner.run(work, done, lambda e: self._on_failed(generation, e), write=False)

    def apply_rows(self, rows: Sequence[QueueRow], requested_ids: Iterable[int] = ()) -> None:
        """Bring rows up to date in place; ``requested_ids`` missing from ``rows`` are gone."""
        self.live_update_about_to_apply.emit()
        self.cells.refresh_now()
        touched: list[int] = []
        present = {r.id for r in rows}
        for gone in requested_ids:
            if gone not in present and gone in self._pos:
                self._remove(self._pos[gone])
                touched.append(gone)
        for r in rows:
            pos = self._pos.get(r.id)
            keep = self.squad_id is not None and queue_pages.matches(
                r, self.squad_id, self.filter, self.tz
            )
            if pos is not None and r.version < self._rows[pos].version:
                continue  # an older answer overtaken by a newer one
            if pos is None:
                if keep and self._insert_sorted(r, beyond_end=self._exhausted):
                    touched.append(r.id)
            elif not keep:
                self._remove(pos)
                touched.append(r.id)
            elif self._update(pos, r):
                touched.append(r.id)
        if self._rows and not self._timer.isActive():
            self._timer.start()
        self.live_update_applied.emit()
        if touched:
            self.rows_refreshed.emit(touched)

    def _reindex(self, start: int = 0) -> None:
        if start == 0:
            self._pos = {}
        for i in range(start, len(self._rows)):
            self._pos[self._rows[i].id] = i

    def _insert_sorted(self, row: QueueRow, *, beyond_end: bool) -> bool:
        key = sort_key(row)
        at = bisect.bisect_left(self._keys, key)
        if at == len(self._rows) and not beyond_end:
            return False  # past the loaded pages: a later page brings it
        self.beginInsertRows(QModelIndex(), at, at)
        self._rows.insert(at, row)
        self._keys.insert(at, key)
        self._reindex(at)
        self.endInsertRows()
        return True

    def _remove(self, pos: int) -> None:
        self.beginRemoveRows(QModelIndex(), pos, pos)
        gone = self._rows.pop(pos)
        del self._keys[pos]
        del self._pos[gone.id]
        self._overdue.discard(gone.id)
        self._reindex(pos)
        self.endRemoveRows()

    def _update(self, pos: int, row: QueueRow) -> bool:
        old = self._rows[pos]
        if old == row:
            return False
        key = sort_key(row)
        if key != self._keys[pos]:
            pos = self._move(pos, key)
        self._rows[pos] = row
        if (old.status, old.officer_id, old.urgent) != (row.status, row.officer_id, row.urgent):
            first, last = 0, self.columnCount() - 1  # colours of the whole row may change
        else:
            changed = [
                c
                for c in range(self.columnCount())
                if self.cells.text(old, c) != self.cells.text(row, c)
            ]
            first, last = (min(changed), max(changed)) if changed else (0, 0)
        self.dataChanged.emit(self.index(pos, first), self.index(pos, last))
        return True

    def _move(self, pos: int, key: SortKey) -> int:
        """Move the row at ``pos`` to where ``key`` sorts, as a move (selection follows)."""
        others = self._keys[:pos] + self._keys[pos + 1 :]
        target = bisect.bisect_left(others, key)
        if target != pos:
            dest = target if target < pos else target + 1
            self.beginMoveRows(QModelIndex(), pos, pos, QModelIndex(), dest)
            row = self._rows.pop(pos)
            self._keys.pop(pos)
            self._rows.insert(target, row)
            self._keys.insert(target, key)
            self._reindex(min(pos, target))
            self.endMoveRows()
        self._keys[target] = key
        return target

    def tick(self) -> None:
        """Once a second: new countdown texts; whole rows only when one turns overdue."""
        self.cells.refresh_now()
        if not self._rows:
            self._timer.stop()
            return
        last = len(self._rows) - 1
        self.dataChanged.emit(
            self.index(0, self.COL_COUNTDOWN),
            self.index(last, self.COL_COUNTDOWN),
            [D, cells.FG, cells.BG],
        )
        overdue = {r.id for r in self._rows if cells.is_overdue(r, self.cells.now)}
        for flipped in overdue ^ self._overdue:
            pos = self._pos.get(flipped)
            if pos is not None:
                self.dataChanged.emit(self.index(pos, 0), self.index(pos, self.COL_OFFICER))
        self._overdue = overdue

    # --- reading -------------------------------------------------------------------------

    def row_at(self, row: int) -> QueueRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, appointment_id: int) -> int:
        return self._pos.get(appointment_id, -1)

    def ids(self) -> list[int]:
        return [r.id for r in self._rows]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = D) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == D and 0 <= section < 9:
            return self.HEADERS[section]
        return None

    def data(self, index: AnyIndex, role: int = D) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role < self.ROW_ID_ROLE:
            return self.cells.value(row, index.column(), role)
        if role == self.ROW_ID_ROLE:
            return row.id
        if role == self.VERSION_ROLE:
            return row.version
        if role == self.STATUS_ROLE:
            return row.status
        return row if role == self.ROW_ROLE else None
