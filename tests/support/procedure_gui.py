"""Drive the real ProcedurePanel like an officer would (tests and bench/procedure.py).

Every click and every field edit goes through :class:`Officer`, which counts them; ``wait``
is the caller's event-pumping poller (qtbot in tests, a processEvents loop in the bench).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QWidget,
)

from officer_console.gui.procedure.panel import ProcedurePanel
from tests.support.procedure_world import png, signed_png

Wait = Callable[[Callable[[], bool]], None]


@dataclass
class FakeChannel:
    """The citizen's side of the call: records what the console sent, signs on request."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    on_signature: Callable[[bytes], None] | None = None
    on_rejoin: Callable[[], None] | None = None
    auto_sign: bool = True

    def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)
        if message["type"] == "request_signature" and self.auto_sign and self.on_signature:
            # a stroke of its own per request: each document is signed with its own image
            self.on_signature(signed_png(f"request-{len(self.sent)}"))

    def snapshot(self) -> bytes | None:
        return png(64, 48)

    def kinds(self) -> list[str]:
        return [m["type"] for m in self.sent]


class Officer:
    """Counts interactions: clicks and fields edited."""

    def __init__(self, panel: ProcedurePanel, wait: Wait) -> None:
        self.panel = panel
        self.wait = wait
        self.interactions = 0
        self.step_times: list[float] = []  # completion click → next page ready (seconds)

    def find(self, cls: type[QWidget], name: str) -> Any:
        widget = self.panel.findChild(cls, name)
        assert widget is not None, name
        return widget

    def click(self, name: str) -> None:
        button = self.find(QAbstractButton, name)
        self.wait(lambda: button.isEnabled() and not self.panel._busy)
        self.interactions += 1
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)

    def tick(self, name: str) -> None:
        box = self.find(QCheckBox, name)
        self.interactions += 1
        box.setChecked(not box.isChecked())

    def choose(self, name: str) -> None:
        """Pick a radio option (one interaction)."""
        button = self.find(QRadioButton, name)
        self.interactions += 1
        button.setChecked(True)

    def type(self, name: str, text: str) -> None:
        widget = self.find(QWidget, name)
        self.interactions += 1
        if isinstance(widget, QLineEdit):
            widget.setText(text)
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(text)

    def answer(self, row: int, text: str) -> None:
        table = self.panel.pages["inquiry"].qa_table  # type: ignore[attr-defined]
        self.interactions += 1
        table.item(row, 1).setText(text)

    def complete(self, step: str, next_page: str) -> None:
        """Click the step's completion button and time until the next page is shown."""
        self._timed(f"complete_{step}_button", next_page)

    def adopt(self, prefix: str, next_page: str) -> None:
        """「签名清晰，采用并完成」 once the signature requested as the page opened is shown:
        one interaction that adopts it and completes the page (timed like a completion)."""
        accept = self.find(QAbstractButton, f"{prefix}accept_signature_button")
        self.wait(accept.isEnabled)  # the image came back and is shown
        self._timed(f"{prefix}accept_signature_button", next_page)

    def _timed(self, button: str, next_page: str) -> None:
        ready: dict[str, float] = {}

        def shown(page: str) -> None:
            ready[page] = time.perf_counter()  # stamped when the page is filled and shown

        self.panel.page_ready.connect(shown)
        started = time.perf_counter()
        self.click(button)
        try:
            self.wait(lambda: next_page in ready or self.panel.message.kind == "error")
        finally:
            self.panel.page_ready.disconnect(shown)
        assert next_page in ready, self.panel.message.text()
        self.step_times.append(ready[next_page] - started)

    def page(self) -> str:
        return self.panel.stack.currentWidget().objectName().removeprefix("procedure_page_")


def walk_simple_case(officer: Officer, id_last4: str, *, general: bool = False) -> None:
    """One violation, pre-filled defaults: 开始办理 → … → 电子送达 (general: co-sign is done
    by the caller between ruling page and its completion)."""
    panel = officer.panel
    ready: list[str] = []
    panel.page_ready.connect(ready.append)
    officer.click("start_procedure_button")
    officer.wait(lambda: "inquiry" in ready)
    panel.page_ready.disconnect(ready.append)
    officer.click("snapshot_button")
    officer.wait(lambda: panel.pages["inquiry"].snapshot_id is not None)  # type: ignore[attr-defined]
    officer.tick("name_confirmed")
    officer.type("id_last4", id_last4)
    rows = panel.pages["inquiry"].qa_table.rowCount()  # type: ignore[attr-defined]
    for row in range(rows):
        officer.answer(row, "是的，是我本人驾驶。" if row else "听清楚了。")
    for box in list(panel.pages["inquiry"].admit.values()):  # type: ignore[attr-defined]
        officer.interactions += 1
        box.setChecked(True)
    officer.complete("inquiry", "record")
    sign_record(officer, "notice")
    officer.tick("waived")
    if panel.view is not None and panel.view.hearing_right:  # from 2000 yuan: asked, recorded
        officer.choose("hearing_waived")
    officer.complete("notice", "record")
    sign_record(officer, "ruling")


def sign_record(officer: Officer, next_page: str) -> None:
    """The record of the step just done: shown, its signature requested as the page opened and
    signed on the phone, then adopted — which also saves it (one interaction)."""
    officer.adopt("record_", next_page)


def finish_case(officer: Officer) -> None:
    """Ruling (defaults) → decision signature adopted → consent → address signature adopted,
    which serves the decision."""
    if officer.page() == "ruling":
        officer.complete("ruling", "confirmation")
    officer.adopt("", "service")  # the decision's signature, requested as 确认 opened
    officer.tick("consent_checkbox")  # consent given: the address confirmation is asked for
    officer.adopt("service_", "done")  # 采用并送达: adopted, then served (电子送达)


def desk(panel: ProcedurePanel) -> QWidget:
    """The live-case layout at 1366×768: the video pane (with hang-up) beside the panel."""
    from PySide6.QtWidgets import QHBoxLayout

    from officer_console.gui.call.video_pane import VideoPane

    window = QWidget()
    window.setObjectName("procedure_desk")
    row = QHBoxLayout(window)
    row.setContentsMargins(4, 4, 4, 4)
    row.addWidget(VideoPane(window), 1)
    panel.setParent(window)
    panel.setFixedWidth(600)
    row.addWidget(panel)
    window.resize(1366, 768)
    return window
