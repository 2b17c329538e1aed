"""What every window needs: settings, the signed-in officer and the database op runner.

The op runner is Anki's pattern: database work is a small function of a ``Session`` that runs
on one worker thread inside a transaction; its result (or error) comes back to the GUI thread
through a queued signal and is handed to ``on_success`` / ``on_failure``. Widgets never touch
the database themselves, and the GUI thread never waits for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from officer_console.config import Settings
from officer_console.domain.errors import DomainError
from officer_console.store.accounts import OfficerInfo
from officer_console.store.audit import Actor
from officer_console.store.engine import read_session, run_in_transaction
from officer_console.store.types import utcnow

log = logging.getLogger("officer_console.gui")

T = TypeVar("T")
Work = Callable[[Session], T]


class OpRunner(QObject):
    """Runs ``work(session)`` off the GUI thread; callbacks run on the GUI thread."""

    # (callback, payload): emitted from the worker, delivered queued on the GUI thread.
    _deliver = Signal(object, object)
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

        def job() -> T:
            if write:
                return run_in_transaction(self._factory, work)
            with read_session(self._factory) as session:
                return work(session)

        future = self._pool.submit(job)

        def finished(f: Future[T]) -> None:
            if f.cancelled() or self._closed:
                return
            error = f.exception()
            if error is None:
                if on_success is not None:
                    self._deliver.emit(on_success, f.result())
                return
            if not isinstance(error, DomainError):
                log.error("database operation failed", exc_info=error)
            self._deliver.emit(on_failure or self.unhandled_error.emit, error)

        future.add_done_callback(finished)
        return future

    def _on_deliver(self, callback: Callable[[Any], None], payload: object) -> None:
        if self._closed:
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


@dataclass
class Services:
    """Shared by every window of one console session."""

    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    runner: OpRunner
    officer: OfficerInfo | None = None
    clock: Callable[[], datetime] = field(default=utcnow)

    def actor(self) -> Actor:
        if self.officer is None:
            return Actor.system(self.settings.workstation_name, "console")
        return Actor(
            police_number=self.officer.police_number,
            officer_id=self.officer.id,
            workstation=self.settings.workstation_name,
        )

    def close(self) -> None:
        self.runner.shutdown()
        self.engine.dispose()
