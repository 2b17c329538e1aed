"""Tells the queue which appointments other workstations changed.

SQLite: every second a read-only op compares the change counter and lists rows stamped since
(one indexed read; writers bump the counter in their own transaction, so nothing is missed).
PostgreSQL: a dedicated psycopg connection LISTENs on a background thread and hands each
notification to the GUI thread through a queued signal, usually within milliseconds. Sequence
numbers can commit out of order and a connection can drop, so a slow poll re-reads the last
``POLL_LOOKBACK`` numbers every 10 s and after every (re)connect; already-seen (id, seq) pairs
are not reported twice. ``changed`` carries ids of the watched squad, plus ids ``tracked``
claims (rows that just moved to another squad must leave this squad's view).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

import psycopg
from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from sqlalchemy.orm import Session

from officer_console.gui.services import Services
from officer_console.store import changes, queue, queue_pages

log = logging.getLogger("officer_console.gui.live")


class _Listener:
    """LISTEN loop on its own thread; reconnects until stopped. No Qt objects touched here."""

    def __init__(
        self,
        conninfo: str,
        deliver: Callable[[list[tuple[int, int, int]]], None],
        reconnected: Callable[[], None],
        *,
        wait_s: float = 0.2,
    ) -> None:
        self._conninfo = conninfo
        self._deliver = deliver
        self._reconnected = reconnected
        self._wait_s = wait_s
        self._stop = threading.Event()
        self.connected = threading.Event()
        self._thread = threading.Thread(target=self._run, name="oc-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {changes.CHANNEL}")
                    self.connected.set()
                    self._reconnected()
                    while not self._stop.is_set():
                        # Deliver each one as it comes; the timeout only lets us see _stop.
                        for n in conn.notifies(timeout=self._wait_s):
                            parsed = _parse(n.payload)
                            if parsed is not None:
                                self._deliver([parsed])
                            if self._stop.is_set():
                                break
            except (psycopg.Error, OSError) as exc:
                self.connected.clear()
                log.warning("queue LISTEN connection lost: %s", type(exc).__name__)
                self._stop.wait(2.0)
            except RuntimeError:  # the receiving Qt object is gone: nobody is listening
                return
        self.connected.clear()


def _parse(payload: str) -> tuple[int, int, int] | None:
    """``squad:appointment:seq`` → (appointment, squad, seq)."""
    try:
        squad, appointment, seq = (int(p) for p in payload.split(":"))
    except ValueError:
        log.warning("ignored malformed queue notification")
        return None
    return appointment, squad, seq


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
        self._listener: _Listener | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(fallback_ms if self.backend == "postgresql" else poll_ms)
        self._timer.timeout.connect(self.poll)
        self._burst: list[tuple[int, int, int]] = []
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
            url = self._services.engine.url.set(drivername="postgresql")
            self._listener = _Listener(
                url.render_as_string(hide_password=False), self._notified.emit, self._resync.emit
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
        last, postgres = self._last, self.backend == "postgresql"

        def work(s: Session) -> tuple[int, list[tuple[int, int, int]]]:
            now = changes.current(s)
            if last < 0 or (now == last and not postgres):
                return now, []
            if postgres:
                return now, queue_pages.changes_after(s, max(0, last - changes.POLL_LOOKBACK))
            return now, [(i, sq, now) for i, sq in queue.changed_since(s, last)]

        self._services.runner.run(work, self._on_polled, self._on_poll_failed, write=False)

    def _on_polled(self, result: tuple[int, list[tuple[int, int, int]]]) -> None:
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

    def _on_notified(self, items: list[tuple[int, int, int]]) -> None:
        """Coalesce a burst (a reassignment of many rows) into one ``changed``."""
        if self.running:
            self._burst.extend(items)
            if not self._flush.isActive():
                self._flush.start()

    def _flush_burst(self) -> None:
        items, self._burst = self._burst, []
        if self.running:
            self._report(items)

    def _report(self, items: Iterable[tuple[int, int, int]]) -> None:
        ids: list[int] = []
        for appointment_id, squad_id, seq in items:
            if self.backend == "postgresql" and self._seen.get(appointment_id, -1) >= seq:
                continue
            self._seen[appointment_id] = seq
            if squad_id == self.squad_id or self._tracked(appointment_id):
                ids.append(appointment_id)
        if ids:
            self.changed.emit(sorted(set(ids)))
