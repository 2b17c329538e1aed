"""Which appointments other workstations changed: the store side of live updates (no Qt).

Two sources, both reporting ``(appointment id, squad id, change number)`` triples:

* :func:`read_changes` — one read-only poll (a database session, run by the caller's op
  runner). SQLite compares the change counter and lists rows stamped since; PostgreSQL
  re-reads the last ``POLL_LOOKBACK`` numbers, because sequence numbers can commit out of
  order and a LISTEN connection can drop.
* :class:`ChangeListener` — PostgreSQL only: a dedicated psycopg connection LISTENs on
  ``changes.CHANNEL`` on its own thread and calls ``deliver`` for each notification, usually
  within milliseconds of the commit; it reconnects until stopped and calls ``reconnected``
  after every (re)connect so the caller can poll for what it missed. The callbacks run on the
  listener's thread: a GUI adapts them to a queued signal (``gui/queue/live_updates.py``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from officer_console.store.appointments import queue, queue_pages
from officer_console.store.db import changes

__all__ = ["Change", "ChangeListener", "listen_conninfo", "parse_notification", "read_changes"]

log = logging.getLogger("officer_console.store.db.changes")

Change = tuple[int, int, int]  # (appointment id, squad id, change number)


def read_changes(session: Session, last: int) -> tuple[int, list[Change]]:
    """(change number now, changes after ``last``); ``last < 0`` takes only the baseline."""
    now = changes.current(session)
    postgres = session.get_bind().dialect.name == "postgresql"
    if last < 0 or (now == last and not postgres):
        return now, []
    if postgres:
        return now, queue_pages.changes_after(session, max(0, last - changes.POLL_LOOKBACK))
    return now, [(i, sq, now) for i, sq in queue.changed_since(session, last)]


def parse_notification(payload: str) -> Change | None:
    """``squad:appointment:seq`` → (appointment, squad, seq); None when malformed."""
    try:
        squad, appointment, seq = (int(p) for p in payload.split(":"))
    except ValueError:
        log.warning("ignored malformed queue notification")
        return None
    return appointment, squad, seq


def listen_conninfo(engine: Engine) -> str:
    """A plain psycopg connection string for ``engine``'s PostgreSQL database."""
    url = engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class ChangeListener:
    """LISTEN loop on its own thread (``oc-listen``); reconnects until stopped."""

    def __init__(
        self,
        conninfo: str,
        deliver: Callable[[list[Change]], None],
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
        """Idempotent; joins the thread, which closes its connection."""
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
                            parsed = parse_notification(n.payload)
                            if parsed is not None:
                                self._deliver([parsed])
                            if self._stop.is_set():
                                break
            except (psycopg.Error, OSError) as exc:
                self.connected.clear()
                log.warning("queue LISTEN connection lost: %s", type(exc).__name__)
                self._stop.wait(2.0)
            except RuntimeError:  # the receiver is gone (a deleted Qt object): nobody listens
                return
        self.connected.clear()
