"""Document viewer: previews and served documents in a ``QPdfView``, print, re-send link.

Rendering and signing take tens of milliseconds to seconds (a timestamp server) and never
run on the GUI thread: :meth:`DocumentViewer.produce` runs the pipeline on the session's
:class:`~officer_console.gui.common.services.IoRunner` (given to the constructor), which hands the
signed PDF back through its queued signal. The viewer does no
database work; "re-send link" is only a signal (``resend_requested``) for the panel that owns
the case, which re-sends through its services.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QShowEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from officer_console.documents.pipeline import ProducedDocument, produce
from officer_console.documents.render import Document
from officer_console.documents.signing import Signer
from officer_console.gui.common.confirm import ask
from officer_console.gui.common.services import IoRunner

__all__ = ["DocumentViewer"]

log = logging.getLogger("officer_console.gui.common.document_viewer")
PRINT_DPI = 300


class DocumentViewer(QWidget):
    """``document_viewer``: toolbar (print, re-send link), status line, the PDF pages."""

    resend_requested = Signal(str)  # the document number
    produced = Signal(object)  # ProducedDocument, after it is shown
    failed = Signal(str)  # Chinese message

    def __init__(self, parent: QWidget | None = None, *, io: IoRunner | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("document_viewer")
        self._io = io  # needed by produce() only; showing and printing run on the GUI thread
        self._closed = False
        self._number = ""
        self._data = b""
        self._buffer: QBuffer | None = None
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setObjectName("document_pdf_view")
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.document)
        self.title = QLabel("", self)
        self.title.setObjectName("document_title")
        self.status = QLabel("", self)
        self.status.setObjectName("document_status")
        self.status.setWordWrap(True)
        self.print_button = QPushButton("打印…", self)
        self.print_button.setObjectName("document_print")
        self.resend_button = QPushButton("重新发送链接", self)
        self.resend_button.setObjectName("document_resend")
        self.resend_button.setToolTip("重新向当事人发送文书下载链接")
        for button in (self.print_button, self.resend_button):
            button.setEnabled(False)
        self.print_button.clicked.connect(self._print_dialog)
        self.resend_button.clicked.connect(self._ask_resend)
        self.confirm_box: QMessageBox | None = None
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(self.print_button)
        bar.addWidget(self.resend_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.view, 1)

    def _ask_resend(self) -> None:
        """It sends an SMS to the citizen: ask first."""
        number = self._number
        self.confirm_box = ask(
            self,
            "resend_link_confirm",
            title="重新发送链接",
            text=f"将再次向当事人发送文书 {number} 的下载链接短信（计入短信记录并审计）。"
            "\n确定发送吗？",
            yes_text="发送",
            on_yes=lambda: self.resend_requested.emit(number),
        )

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        """Never taller or wider than the screen's free area (760×900 on a 768 px screen)."""
        screen = self.screen()
        if screen is not None and self.isWindow():
            self.fit_to(screen.availableGeometry())
        super().showEvent(event)

    def fit_to(self, free: QRect) -> None:
        """Shrink (and move) the window so that its frame lies within ``free``."""
        frame = self.frameGeometry().size() - self.geometry().size()
        width = min(self.width(), free.width() - frame.width())
        height = min(self.height(), free.height() - frame.height())
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
            self.move(free.topLeft())

    # --- showing -----------------------------------------------------------------------------

    @property
    def page_count(self) -> int:
        return int(self.document.pageCount())

    @property
    def data(self) -> bytes:
        return self._data

    def show_pdf(
        self, data: bytes, title: str, number: str = "", *, resendable: bool = False
    ) -> bool:
        """Show ``data``; False (and a status message) when it is not a readable PDF."""
        buffer = QBuffer(self)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.close()
        self.document.load(buffer)
        if self._buffer is not None:
            self._buffer.deleteLater()
        self._buffer = buffer
        ok = self.document.status() == QPdfDocument.Status.Ready and self.page_count > 0
        self._data = data if ok else b""
        self._number = number
        self.title.setText(title)
        self.print_button.setEnabled(ok)
        self.resend_button.setEnabled(ok and resendable and bool(number))
        if not ok:
            self.status.setText("文书无法显示：文件已损坏或不是PDF")
        return ok

    # --- producing off the GUI thread -----------------------------------------------------------

    def produce(
        self,
        doc: Document,
        signer: Signer,
        title: str,
        number: str = "",
        *,
        resendable: bool = False,
    ) -> Future[ProducedDocument]:
        """Render, archive and sign ``doc`` on the I/O runner, then show it."""
        if self._io is None:
            raise RuntimeError("DocumentViewer.produce needs the session's IoRunner")
        self.status.setText("正在生成并签名文书…")
        self.print_button.setEnabled(False)
        return self._io.run(
            lambda: produce(doc, signer),
            lambda result: self._produced(result, title, number, resendable),
            self._production_failed,
        )

    def _produced(
        self, result: ProducedDocument, title: str, number: str, resendable: bool
    ) -> None:
        if self._closed:
            return
        if self.show_pdf(result.data, title, number, resendable=resendable):
            note = f"已签名（{result.level}），{len(result.data) // 1024} KB"
            self.status.setText(note + (f"；{result.warning}" if result.warning else ""))
            self.produced.emit(result)

    def _production_failed(self, error: BaseException) -> None:
        if self._closed:
            return
        message = getattr(error, "message", None) or f"文书生成失败：{type(error).__name__}"
        log.error("document production failed", exc_info=error)
        self.status.setText(message)
        self.failed.emit(message)

    # --- printing ----------------------------------------------------------------------------------

    def _print_dialog(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setObjectName("document_print_dialog")
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> int:
        """Print every page (rasterised at 300 dpi, fitted to the paper); returns pages."""
        count = self.page_count
        if not count:
            return 0
        painter = QPainter()
        if not painter.begin(printer):
            self.status.setText("无法连接打印机")
            return 0
        try:
            for index in range(count):
                if index:
                    printer.newPage()
                points = self.document.pagePointSize(index)
                size = QSize(
                    round(points.width() / 72 * PRINT_DPI), round(points.height() / 72 * PRINT_DPI)
                )
                image = self.document.render(index, size)
                target = painter.viewport()
                scaled = size.scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
                painter.drawImage(QRect(target.topLeft(), scaled), image)
        finally:
            painter.end()
        self.status.setText(f"已发送到打印机：{count} 页")
        return count

    def shutdown(self) -> None:
        """Ignore work still running on the I/O runner (it is the session's); idempotent."""
        if self._closed:
            return
        self._closed = True
        self.document.close()

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self.shutdown()
        super().closeEvent(event)
