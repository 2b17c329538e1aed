"""What every window needs: settings, the signed-in officer, the database op runner, the one
change signal and the services built once for the session (the composition root).

The op runner is Anki's pattern: database work is a small function of a ``Session`` that runs
on one worker thread inside a transaction; its result (or error) comes back to the GUI thread
through a queued signal and is handed to ``on_success`` / ``on_failure``. Widgets never touch
the database themselves, and the GUI thread never waits for it.

:class:`ChangeHub` is the one application-level change signal: an operation that changed an
appointment publishes ``(id, new version)``; the queue, the case panel and the dispatch panel
listen and re-read only what is older than that version, so one change costs one read of each
kind however many paths (local answer, live-update echo) report it.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from officer_console.config import Settings
from officer_console.dispatch.dialers.uri import Opener
from officer_console.domain.errors import DomainError
from officer_console.store.accounts import OfficerInfo
from officer_console.store.audit import Actor
from officer_console.store.engine import read_session, run_in_transaction
from officer_console.store.types import utcnow

if TYPE_CHECKING:
    from officer_console.dispatch.service import DispatchService
    from officer_console.store.lifecycle import AppointmentChange

log = logging.getLogger("officer_console.gui")

T = TypeVar("T")
Work = Callable[[Session], T]


class OpRunner(QObject):
    """Runs ``work(session)`` off the GUI thread; callbacks run on the GUI thread.

    The worker never drops the last reference to anything the caller gave it: ``work`` and the
    callbacks (closures over widgets) travel back to the GUI thread with the result and are
    released there. A widget whose last reference went on the worker would be destroyed on
    it, leaving its timers registered with the GUI thread ("QObject::killTimer: Timers cannot
    be stopped from another thread") — a segfault at the next event loop pass.
    """

    # A parcel [callback, payload, work], emitted from the worker, emptied on the GUI thread.
    _deliver = Signal(object)
    # An error nobody handled: DomainError → shown as is; anything else → crash dialog.
    unhandled_error = Signal(object)

    def __init__(self, factory: sessionmaker[Session], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._factory = factory
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oc-db")
        self._closed = False
        self._deliver.connect(self._on_deliver)

    def run(
        self,
        work: Work[T],
        on_success: Callable[[T], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        *,
        write: bool = True,
    ) -> Future[T]:
        """Queue ``work``; ``write=False`` uses a read-only transaction (no writer lock)."""
        if self._closed:
            raise RuntimeError("op runner is shut down")
        factory = self._factory
        # The only references the worker holds to the caller's objects: emptied when done.
        held: list[Any] = [work, on_success, on_failure]

        def job() -> T:
            if write:
                return run_in_transaction(factory, held[0])
            with read_session(factory) as session:
                return held[0](session)

        future = self._pool.submit(job)

        def finished(f: Future[T]) -> None:
            # [callback, payload, work, on_success, on_failure]: all of it goes back to the
            # GUI thread, called or not, and this thread keeps nothing.
            parcel: list[Any] = [None, None, *held]
            held.clear()
            if not f.cancelled() and not self._closed:
                error = f.exception()
                if error is None:
                    if parcel[3] is not None:
                        parcel[:2] = [parcel[3], f.result()]
                else:
                    _detach_frames(error)  # before logging: a kept log record holds no frame
                    if not isinstance(error, DomainError):
                        log.error("database operation failed", exc_info=error)
                    parcel[:2] = [parcel[4] or self.unhandled_error.emit, error]
                del error
            self._deliver.emit(parcel)

        future.add_done_callback(finished)
        return future

    def _on_deliver(self, parcel: list[Any]) -> None:
        callback, payload = parcel[0], parcel[1]
        parcel.clear()
        if self._closed or callback is None:
            return
        try:
            callback(payload)
        except Exception as exc:  # a bug in a callback must not vanish silently
            log.exception("callback failed")
            self.unhandled_error.emit(exc)

    def shutdown(self, *, wait: bool = True) -> None:
        """Idempotent; pending work is cancelled, running work finishes."""
        if self._closed:
            return
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=True)


def _detach_frames(error: BaseException) -> None:
    """Drop the tracebacks of ``error`` and its causes, keeping their text as a note.

    A traceback's frames keep their functions alive (``work``: a closure over widgets) for as
    long as the error lives — in the future the worker thread drops last. The text of where
    it failed stays for the crash dialog (``traceback.format_exception`` prints notes)."""
    seen: set[int] = set()
    pending = [error]
    while pending:
        exc = pending.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        if exc.__traceback__ is not None:
            if exc is error and not isinstance(exc, DomainError):
                where = "".join(traceback.format_tb(exc.__traceback__)).rstrip()
                exc.add_note("Traceback (database thread):\n" + where)
            traceback.clear_frames(exc.__traceback__)
            exc.__traceback__ = None
        pending += [e for e in (exc.__cause__, exc.__context__) if e is not None]


Changed = tuple[int, int | None]  # (appointment id, its version now; None: unknown/gone)


class ChangeHub(QObject):
    """The one application-level change signal; see the module docstring."""

    changed = Signal(list)  # list[Changed]

    def publish(self, items: Iterable[Changed]) -> None:
        batch = [(int(i), None if v is None else int(v)) for i, v in items]
        if batch:
            self.changed.emit(batch)

    def publish_change(self, change: AppointmentChange) -> None:
        self.publish([(change.appointment_id, change.version)])


@dataclass
class Services:
    """Shared by every window of one console session."""

    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    runner: OpRunner
    officer: OfficerInfo | None = None
    clock: Callable[[], datetime] = field(default=utcnow)
    hub: ChangeHub = field(default_factory=ChangeHub)
    _io: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)
    _dispatch: DispatchService | None = field(default=None, init=False, repr=False)

    def io_executor(self) -> Executor:
        """One executor for blocking network work outside a qasync loop (SMS, dialers)."""
        if self._io is None:
            self._io = ThreadPoolExecutor(max_workers=2, thread_name_prefix="oc-io")
        return self._io

    def dispatch_service(self, opener: Opener) -> DispatchService:
        """Built once per session from the settings; raises DomainError when misconfigured."""
        if self._dispatch is None:
            from officer_console.dispatch.factory import build_dispatch_service

            self._dispatch = build_dispatch_service(self.settings, self.factory, opener=opener)
        return self._dispatch

    def actor(self) -> Actor:
        if self.officer is None:
            return Actor.system(self.settings.workstation_name, "console")
        return Actor(
            police_number=self.officer.police_number,
            officer_id=self.officer.id,
            workstation=self.settings.workstation_name,
        )

    def close(self) -> None:
        if self._io is not None:
            self._io.shutdown(wait=True, cancel_futures=True)
            self._io = None
        self.runner.shutdown()
        self.engine.dispose()
