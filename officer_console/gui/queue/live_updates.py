"""Tells the queue which appointments other workstations changed: the Qt side of live updates.

The store does the database work (``store/appointments/change_listener.py``): a read-only poll run on the
op runner — every second on SQLite, every 10 s and after every (re)connect on PostgreSQL —
and, on PostgreSQL, a :class:`~officer_console.store.appointments.change_listener.ChangeListener` whose
LISTEN connection calls back on its own thread. This module only adapts those callbacks to a
queued signal, coalesces bursts and filters: already-seen (id, seq) pairs are not reported
twice, and ``changed`` carries ids of the watched squad, plus ids ``tracked`` claims (rows that
just moved to another squad must leave this squad's view).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from officer_console.gui.common.services import Services
from officer_console.store.appointments.change_listener import (
    Change,
    ChangeListener,
    listen_conninfo,
    read_changes,
)
from officer_console.store.db import changes

log = logging.getLogger("officer_console.gui.live")


class ChangeWatcher(QObject):
    changed = Signal(list)  # appointment ids
    _notified = Signal(list)  # from the listener thread; delivered queued on the GUI thread
    _resync = Signal()

    def __init__(
        self,
        services: Services,
        squad_id: int | None,
        parent: QObject | None = None,
        *,
        tracked: Callable[[int], bool] | None = None,
        poll_ms: int = 1000,
        fallback_ms: int = 10_000,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self.squad_id = squad_id
        self._tracked = tracked or (lambda _id: False)
        self.backend = services.engine.dialect.name
        self._last = -1  # highest change number seen; -1: not started
        self._seen: dict[int, int] = {}  # appointment id → last change number reported
        self._polling = False
        self._listener: ChangeListener | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(fallback_ms if self.backend == "postgresql" else poll_ms)
        self._timer.timeout.connect(self.poll)
        self._burst: list[Change] = []
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(15)
        self._flush.timeout.connect(self._flush_burst)
        self._notified.connect(self._on_notified)
        self._resync.connect(self.poll)
        app = QCoreApplication.instance()
        if app is not None:  # the listener thread and its connection end with the app
            app.aboutToQuit.connect(self.stop)

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    @property
    def listening(self) -> bool:
        return self._listener is not None and self._listener.connected.is_set()

    def start(self) -> None:
        if self.running:
            return
        self._last = -1
        self._seen.clear()
        self._timer.start()
        self.poll()  # takes the baseline
        if self.backend == "postgresql":
            self._listener = ChangeListener(
                listen_conninfo(self._services.engine), self._notified.emit, self._resync.emit
            )
            self._listener.start()

    def stop(self) -> None:
        """Idempotent; joins the listener thread, which closes its connection."""
        self._timer.stop()
        self._flush.stop()
        self._burst.clear()
        if self._listener is not None:
            self._listener.stop()
            self._listener = None

    def poll(self) -> None:
        if self._polling or not self.running:
            return
        self._polling = True
        last = self._last
        self._services.runner.run(
            lambda s: read_changes(s, last), self._on_polled, self._on_poll_failed, write=False
        )

    def _on_polled(self, result: tuple[int, list[Change]]) -> None:
        self._polling = False
        now, items = result
        if self._last < 0:
            self._last = now  # baseline: what is on screen was loaded after this point
            return
        self._report(items)
        self._last = max(self._last, now)
        floor = self._last - changes.POLL_LOOKBACK
        if len(self._seen) > 10_000:
            self._seen = {k: v for k, v in self._seen.items() if v >= floor}

    def _on_poll_failed(self, error: BaseException) -> None:
        self._polling = False
        log.warning("queue change poll failed: %s", type(error).__name__)

    def _on_notified(self, items: list[Change]) -> None:
        """Coalesce a burst (a reassignment of many rows) into one ``changed``."""
        if self.running:
            self._burst.extend(items)
            if not self._flush.isActive():
                self._flush.start()

    def _flush_burst(self) -> None:
        items, self._burst = self._burst, []
        if self.running:
            self._report(items)

    def _report(self, items: Iterable[Change]) -> None:
        ids: list[int] = []
        for appointment_id, squad_id, seq in items:
            if self.backend == "postgresql" and self._seen.get(appointment_id, -1) >= seq:
                continue
            self._seen[appointment_id] = seq
            if squad_id == self.squad_id or self._tracked(appointment_id):
                ids.append(appointment_id)
        if ids:
            self.changed.emit(sorted(set(ids)))
