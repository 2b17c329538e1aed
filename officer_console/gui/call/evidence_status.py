"""The status bar's pending-upload count, and the console's upload worker.

Self-contained so the main window needs no change: the composition root (``gui/shell/app.py``)
adds the label to the status bar once the worker runs. The worker is a thread
(:class:`~officer_console.video.handoff.UploadWorker`); the label only reads two of its
attributes once a second, so no signal crosses threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget
from sqlalchemy.orm import Session

from officer_console.evidence_store import EvidenceStore
from officer_console.evidence_store.factory import spool_dir
from officer_console.gui.common.services import Services
from officer_console.video.handoff import UploadWorker

T = TypeVar("T")


def start_upload_worker(services: Services, store: EvidenceStore | None = None) -> UploadWorker:
    """Start the background hand-off of this workstation's spool (raises DomainError when
    the configured store cannot be opened, e.g. missing S3 keys). ``store``: the one the
    composition root built; by default the session's (:meth:`Services.evidence_store`)."""
    settings = services.settings
    store = store or services.evidence_store()
    runner = services.runner

    def run_db(work: Callable[[Session], Any]) -> Any:
        # on_failure given: a failed round is retried, not shown in the crash dialog.
        return runner.run(work, None, lambda _exc: None).result()

    worker = UploadWorker(
        store,
        spool_dir(settings),
        run_db,
        services.actor(),
        interval=settings.evidence_upload_retry_seconds,
    )
    worker.start()
    return worker


class PendingUploadsLabel(QLabel):
    """「待上传证据: N」; the last upload problem (if any) in the tooltip."""

    def __init__(self, worker: UploadWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pending_uploads_label")
        self.setContentsMargins(8, 0, 8, 0)
        self.worker = worker
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def refresh(self) -> None:
        worker = self.worker
        if worker.rounds == 0:
            self.setText("证据上传: 检查中…")
            self.setToolTip("")
            return
        text = f"待上传证据: {worker.pending}"
        if worker.problem:
            text += "（上传受阻，稍后自动重试）"
        self.setText(text)
        self.setToolTip(
            worker.problem
            or f"录像在本机暂存，核验上传到证据存储（{worker.store.kind}）后才从本机删除"
        )
