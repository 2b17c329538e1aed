"""重试 after the evidence store was down: what is true, and one click once the store answers.

A step that writes evidence (the ID snapshot, the confirmation's signature, 电子送达's signed
documents, paper service) runs in ONE transaction with its writes to the evidence store; when
the store cannot be written the whole step rolls back — no document is kept on this
workstation and nothing is retried by itself (only call *recordings* are spooled locally and
uploaded later, see docs/evidence.md). So the panel says exactly that, watches the store's
health (``EvidenceStore.describe`` with its write probe: a directory store writes and removes a
probe file, S3 opens and aborts a multipart upload — nothing is left behind) and enables
「重试」 when the store answers again; the click runs the same step with what the page holds.

The probe runs on the session's I/O runner (``Services.io``), never on the op runner (an
unreachable S3 endpoint can take its connect timeouts, which must not hold up database work)
nor on the GUI thread; its result comes back through the runner's queued signal and a 1-second
timer shows it and starts the next probe.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from officer_console.evidence_store import EvidenceStore, StoreUnavailable
from officer_console.gui.common.services import IoRunner
from officer_console.gui.common.widgets import named

__all__ = ["PROBE_SECONDS", "StoreRetry", "unavailable_text"]

PROBE_SECONDS = 3.0  # between two health probes while a retry is offered

_WHAT = {
    "snapshot": ("截取身份证画面", "截图未保存"),
    "confirmation": ("确认", "签名图像未保存，本步骤未完成"),
    "service": ("电子送达", "文书未保存，短信未发送"),
    "paper": ("纸质送达", "决定书未保存，本步骤未完成"),
}


def unavailable_text(step: str, error: StoreUnavailable) -> str:
    """The truth for the officer: the step was undone as a whole, nothing waits to be sent."""
    what, lost = _WHAT.get(step, ("本步骤", "本步骤未完成"))
    return (
        f"{what}未完成，证据存储暂不可用：{error.message.rstrip('。')}。本步骤已整体撤销——{lost}，"
        "本机没有保留待补传的文书，也不会自动重试；案件仍停在本步骤，已填写和签名的内容保留在"
        "页面上。证据存储恢复后点击「重试」即可。"
    )


class StoreRetry(QWidget):
    """objectName ``store_retry_box``: the store's state (``store_retry_status``) and
    ``store_retry_button`` 「重试」, enabled once a health probe succeeds."""

    def __init__(
        self,
        store: EvidenceStore,
        io: IoRunner,
        parent: QWidget | None = None,
        *,
        interval: float = PROBE_SECONDS,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("store_retry_box")
        self.store = store
        self._io = io
        self.interval = interval
        self.step = ""  # the step offered for retry ("" = none)
        self._action: Callable[[], None] | None = None
        self._probing = False  # a probe is queued or running on the I/O runner
        self._result: tuple[bool, str, float] | None = None  # (healthy, problem, when)
        self._last_start = 0.0
        self.status = named(QLabel(self), "store_retry_status")
        self.status.setWordWrap(True)
        self.button = named(QPushButton("重试", self), "store_retry_button")
        self.button.clicked.connect(self._clicked)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.status, 1)
        row.addWidget(self.button)
        self._timer = QTimer(self, interval=1000)
        self._timer.timeout.connect(self._tick)
        self.hide()

    # --- public --------------------------------------------------------------------------
    def offer(self, step: str, action: Callable[[], None]) -> None:
        """The step ``step`` failed on the store: watch its health, then offer ``action``."""
        self.step, self._action = step, action
        self._result = None
        self._last_start = 0.0
        self.button.setEnabled(False)
        self.status.setText("正在检查证据存储……")
        self.show()
        self._timer.start()
        self._tick()

    def withdraw(self) -> None:
        """Nothing to retry any more (another case, or the step is no longer next)."""
        self.step, self._action = "", None
        self._timer.stop()
        self.hide()

    # --- health --------------------------------------------------------------------------
    def _tick(self) -> None:
        result = self._result
        if result is not None:
            healthy, problem, when = result
            stamp = datetime.fromtimestamp(when).strftime("%H:%M:%S")
            if healthy:
                self._timer.stop()
                self.status.setText(f"证据存储已恢复（{stamp} 检查可写入）：点击「重试」继续本步骤")
                self.button.setEnabled(True)
                return
            self.status.setText(f"证据存储仍不可用（{stamp} 检查：{problem}），恢复后可重试")
        if self._probing or self._io.closed:
            return
        if time.monotonic() - self._last_start >= self.interval:
            self._last_start = time.monotonic()
            self._probing = True
            self._io.run(self._probe, self._probed)

    def _probe(self) -> tuple[bool, str, float]:
        """On the I/O runner: (healthy, problem, when)."""
        try:
            report = self.store.describe(probe=True)
            healthy = report.reachable and report.writable
            problem = "；".join(report.problems) or ("" if healthy else "不可写入")
        except Exception as exc:  # a probe must never take the panel down
            healthy, problem = False, str(exc) or type(exc).__name__
        return healthy, problem, time.time()

    def _probed(self, result: tuple[bool, str, float]) -> None:
        self._probing = False
        if self.step:  # withdrawn meanwhile: nothing to show
            self._result = result

    def _clicked(self) -> None:
        action = self._action
        self.withdraw()
        if action is not None:
            action()
