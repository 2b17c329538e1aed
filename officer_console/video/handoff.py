"""Crash-safe hand-off of recordings from this workstation's spool to the evidence store.

A recording is written to the spool (``<data dir>/evidence``, playable after a kill) and its
hash stored in the database at hang-up (sidecar status ``stored``). Then, in order:

1. the file is uploaded (``put_file``: multipart and resumable on S3) and the store's copy
   read back and re-hashed against the evidence row's SHA-256;
2. only then the row is marked stored remotely (``EvidenceFile.stored_in``; audited
   ``evidence.stored``) — one transaction, conditional, so a retry never records twice;
3. only then the spool file and its sidecar are removed (the ``local`` store *is* the spool:
   there the file stays and the sidecar says ``uploaded``).

A crash between any two steps is repaired by running the same steps again: the upload finds
the object already there with the same bytes, the row is already marked. Nothing is ever
deleted before step 2 committed. A copy that does not match its row is never marked: the
sidecar says ``mismatch``, the spool file stays, the failure is audited.

:class:`UploadWorker` retries in the background (every ``interval`` seconds and whenever
:func:`kick_uploads` is called, e.g. after a hang-up); the console starts it after sign-in,
once start-up recovery has stored the rows of recordings a killed console left behind.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from officer_console.domain.errors import DomainError
from officer_console.evidence_store.base import (
    EvidenceStore,
    IntegrityFailure,
    StoreUnavailable,
)
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import EvidenceFile
from officer_console.store.evidence import rows
from officer_console.video.recording_files import read_sidecar, sidecar_path, update_sidecar

__all__ = [
    "Outcome",
    "Pending",
    "UploadWorker",
    "hand_off",
    "kick_uploads",
    "pending_uploads",
    "upload_pending",
]

log = logging.getLogger("officer_console.video.handoff")
RunDb = Callable[[Callable[[Session], Any]], Any]
UPLOADED, MISMATCH = "uploaded", "mismatch"


@dataclass(frozen=True)
class Pending:
    path: Path
    evidence_id: int


@dataclass(frozen=True)
class Outcome:
    path: Path
    outcome: str  # "stored", "failed" (retry later), "mismatch" (kept, audited), "gone"
    evidence_id: int | None = None
    message: str = ""


@dataclass(frozen=True)
class _Row:
    key: str
    sha256: str
    size: int
    stored_in: str | None


def pending_uploads(spool: Path) -> list[Pending]:
    """Recordings whose hash is in the database but whose verified copy is not yet in the
    store: sidecar status ``stored`` with an evidence id (oldest first)."""
    found: list[Pending] = []
    if not spool.is_dir():
        return found
    for side in sorted(spool.rglob("*.mp4.json")):
        data = read_sidecar(side.with_suffix(""))
        if data is None or data.get("status") != "stored":
            continue
        with contextlib.suppress(TypeError, ValueError):
            found.append(Pending(side.with_suffix(""), int(data["evidence_id"])))
    return found


def _row(session: Session, evidence_id: int) -> _Row | None:
    row = session.get(EvidenceFile, evidence_id)
    if row is None:
        return None
    return _Row(row.path, row.sha256, row.size, row.stored_in)


def _audit_failure(
    session: Session, actor: Actor, evidence_id: int, action: str, reason: str
) -> None:
    audit.record(
        session,
        actor,
        action,
        entity_type="evidence",
        entity_id=evidence_id,
        outcome="failed",
        detail={"reason": reason},
    )


def _remove_spool_copy(path: Path, store: EvidenceStore, key: str) -> None:
    """After the row says "stored": drop the spool file (never the store's own file)."""
    own = store.local_path(key)
    with contextlib.suppress(OSError):
        if own is not None and own.resolve() == path.resolve():
            update_sidecar(path, status=UPLOADED, stored_in=store.kind)
            return
    path.unlink(missing_ok=True)
    sidecar_path(path).unlink(missing_ok=True)


def hand_off(store: EvidenceStore, run_db: RunDb, actor: Actor, item: Pending) -> Outcome:
    """Upload, verify, mark, remove — for one recording (see the module docstring)."""
    row: _Row | None = run_db(lambda s: _row(s, item.evidence_id))
    if row is None:
        return Outcome(item.path, "failed", item.evidence_id, "证据记录不存在")
    if row.stored_in != store.kind:
        if not item.path.exists():
            run_db(
                lambda s: _audit_failure(
                    s, actor, item.evidence_id, "evidence.upload", "spool file missing"
                )
            )
            update_sidecar(item.path, status="lost")
            return Outcome(item.path, "gone", item.evidence_id, "暂存区中的录像文件已不存在")
        try:
            result = store.put_file(row.key, item.path, sha256=row.sha256)
            if result.size != row.size:
                raise IntegrityFailure(f"证据 {row.key} 的大小与记录不符")
        except IntegrityFailure as exc:
            code = exc.code
            run_db(lambda s: _audit_failure(s, actor, item.evidence_id, "evidence.integrity", code))
            update_sidecar(item.path, status=MISMATCH, reason=exc.message)
            log.error("recording %s does not match its evidence row; kept", item.path.name)
            return Outcome(item.path, MISMATCH, item.evidence_id, exc.message)
        run_db(
            lambda s: rows.mark_stored(
                s, actor, item.evidence_id, store.kind, method=result.verified
            )
        )
    _remove_spool_copy(item.path, store, row.key)
    return Outcome(item.path, "stored", item.evidence_id)


def upload_pending(
    store: EvidenceStore,
    spool: Path,
    run_db: RunDb,
    actor: Actor,
    *,
    stop: threading.Event | None = None,
) -> list[Outcome]:
    """Hand off every pending recording; stops early when the store is unavailable."""
    outcomes: list[Outcome] = []
    for item in pending_uploads(spool):
        if stop is not None and stop.is_set():
            break
        try:
            outcomes.append(hand_off(store, run_db, actor, item))
        except StoreUnavailable as exc:  # the others would fail the same way: retry later
            log.warning("evidence upload postponed: %s", exc.message)
            outcomes.append(Outcome(item.path, "failed", item.evidence_id, exc.message))
            break
        except (OSError, ValueError, SQLAlchemyError, DomainError) as exc:  # ValueError: bad key
            log.warning("evidence upload of %s failed: %r", item.path.name, exc)
            outcomes.append(Outcome(item.path, "failed", item.evidence_id, str(exc)))
    return outcomes


_workers: weakref.WeakSet[UploadWorker] = weakref.WeakSet()


def kick_uploads() -> None:
    """Ask every running worker to look at the spool now (after a hang-up)."""
    for worker in list(_workers):
        worker.kick()


class UploadWorker:
    """A daemon thread running :func:`upload_pending` now, on :meth:`kick`, and every
    ``interval`` seconds; ``pending`` and ``problem`` are for the status bar."""

    def __init__(
        self,
        store: EvidenceStore,
        spool: Path,
        run_db: RunDb,
        actor: Actor,
        *,
        interval: float = 30.0,
    ) -> None:
        self.store = store
        self.spool = spool
        self.run_db = run_db
        self.actor = actor
        self.interval = interval
        self.pending = 0
        self.problem = ""  # the last failure's message; "" when the last round went through
        self.rounds = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            _workers.add(self)
            self._thread = threading.Thread(target=self._run, name="oc-upload", daemon=True)
            self._thread.start()

    def kick(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        _workers.discard(self)
        if self._thread is not None:
            self._thread.join(timeout)

    def run_once(self) -> list[Outcome]:
        outcomes = upload_pending(self.store, self.spool, self.run_db, self.actor, stop=self._stop)
        failed = [o for o in outcomes if o.outcome in {"failed", MISMATCH, "gone"}]
        self.problem = failed[-1].message if failed else ""
        self.pending = len(pending_uploads(self.spool))
        self.rounds += 1
        return outcomes

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.run_once()
            except Exception as exc:  # a bug must not end the retries silently
                log.exception("evidence upload round failed")
                self.problem = str(exc)
            self._wake.wait(self.interval)
