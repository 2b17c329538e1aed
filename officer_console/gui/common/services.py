"""What every window needs: settings, the signed-in officer, the database op runner, the one
change signal and the services built once for the session (the composition root).

The op runner is Anki's pattern: database work is a small function of a ``Session`` that runs
on one worker thread inside a transaction; its result (or error) comes back to the GUI thread
through a queued signal and is handed to ``on_success`` / ``on_failure``. Widgets never touch
the database themselves, and the GUI thread never waits for it.

:class:`IoRunner` is the same delivery for network and file work that must not queue behind
(or hold up) the database: rendering and signing documents, evidence-store probes and copies,
SMS and dialers outside a qasync loop. These are the only two ways the GUI runs work off its
thread; both hand results back through the same queued signal (:class:`_Runner`).

:class:`ChangeHub` is the one application-level change signal: an operation that changed an
appointment publishes ``(id, new version)``; the queue, the case panel and the dispatch panel
listen and re-read only what is older than that version, so one change costs one read of each
kind however many paths (local answer, live-update echo) report it.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Signal
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from officer_console.config import Settings
from officer_console.dispatch.dialers.uri import Opener
from officer_console.domain.errors import DomainError
from officer_console.evidence_store import EvidenceStore, open_store
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import read_session, run_in_transaction
from officer_console.store.db.types import utcnow
from officer_console.store.people.accounts import OfficerInfo

if TYPE_CHECKING:
    from officer_console.dispatch.service import DispatchService
    from officer_console.store.appointments.lifecycle import AppointmentChange

log = logging.getLogger("officer_console.gui")

T = TypeVar("T")
Work = Callable[[Session], T]


class _Runner(QObject):
    """A worker pool whose results come back to the GUI thread through one queued signal.

    The worker never drops the last reference to anything the caller gave it: ``work`` and the
    callbacks (closures over widgets) travel back to the GUI thread with the result and are
    released there. A widget whose last reference went on the worker would be destroyed on
    it, leaving its timers registered with the GUI thread ("QObject::killTimer: Timers cannot
    be stopped from another thread") — a segfault at the next event loop pass.
    """

    # A parcel [callback, payload, job, …], emitted from the worker, emptied on the GUI thread.
    _deliver = Signal(object)
    # An error nobody handled: DomainError → shown as is; anything else → crash dialog.
    unhandled_error = Signal(object)

    def __init__(self, workers: int, prefix: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        app = QCoreApplication.instance()
        if parent is None and app is not None:  # deliveries always land on the GUI thread
            self.moveToThread(app.thread())
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=prefix)
        self._closed = False
        self._deliver.connect(self._on_deliver)

    def _submit(
        self,
        job: Callable[[], T],
        on_success: Callable[[T], None] | None,
        on_failure: Callable[[BaseException], None] | None,
    ) -> Future[T]:
        if self._closed:
            raise RuntimeError(f"{type(self).__name__} is shut down")
        # The only references the worker holds to the caller's objects: emptied when done.
        held: list[Any] = [job, on_success, on_failure]

        def call() -> T:  # not ``submit(job)``: the pool's work item would keep ``job``
            result: T = held[0]()
            return result

        future = self._pool.submit(call)

        def finished(f: Future[T]) -> None:
            # [callback, payload, job, on_success, on_failure]: all of it goes back to the
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
                        log.error("%s job failed", type(self).__name__, exc_info=error)
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

    @property
    def closed(self) -> bool:
        return self._closed

    def shutdown(self, *, wait: bool = True) -> None:
        """Idempotent; pending work is cancelled, running work finishes."""
        if self._closed:
            return
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=True)


class OpRunner(_Runner):
    """Runs ``work(session)`` on the one ``oc-db`` thread; callbacks run on the GUI thread."""

    def __init__(self, factory: sessionmaker[Session], parent: QObject | None = None) -> None:
        super().__init__(1, "oc-db", parent)
        self._factory = factory

    def run(
        self,
        work: Work[T],
        on_success: Callable[[T], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        *,
        write: bool = True,
    ) -> Future[T]:
        """Queue ``work``; ``write=False`` uses a read-only transaction (no writer lock)."""

        def job() -> T:
            if write:
                return run_in_transaction(self._factory, work)
            with read_session(self._factory) as session:
                return work(session)

        return self._submit(job, on_success, on_failure)


class IoRunner(_Runner):
    """Runs ``job()`` (network or file work, no database session) on two ``oc-io`` threads;
    callbacks run on the GUI thread. Separate from the op runner so that a slow timestamp
    server or an unreachable S3 endpoint never holds up database work."""

    def __init__(self, parent: QObject | None = None, *, workers: int = 2) -> None:
        super().__init__(workers, "oc-io", parent)

    def run(
        self,
        job: Callable[[], T],
        on_success: Callable[[T], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> Future[T]:
        return self._submit(job, on_success, on_failure)


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
    #: The shared evidence store, built by the composition root (``gui/shell/app.py``) once for
    #: the session; widgets take it from here and never open a store themselves.
    evidence: EvidenceStore | None = None
    _io: IoRunner | None = field(default=None, init=False, repr=False)
    _dispatch: DispatchService | None = field(default=None, init=False, repr=False)

    def evidence_store(self) -> EvidenceStore:
        """The session's evidence store. A session built without one (tests, benches) opens
        the settings' store here, once; raises DomainError when misconfigured (S3 keys)."""
        if self.evidence is None:
            self.evidence = open_store(self.settings)
        return self.evidence

    @property
    def io(self) -> IoRunner:
        """The session's one I/O runner (created on first use, on the GUI thread)."""
        if self._io is None:
            self._io = IoRunner()
            self._io.unhandled_error.connect(self.runner.unhandled_error)  # one error sink
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
            self._io.shutdown(wait=True)
            self._io = None
        self.runner.shutdown()
        self.engine.dispose()
