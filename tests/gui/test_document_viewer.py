"""The document viewer offscreen: produced off the GUI thread, shown, printed, re-send."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from officer_console.documents.democa import DemoPki, create_demo_pki
from officer_console.documents.pipeline import ProducedDocument
from officer_console.documents.sample import sample_decision
from officer_console.documents.signing import Pkcs12Signer, SignedPdf
from officer_console.gui.common.document_viewer import DocumentViewer
from officer_console.gui.common.services import IoRunner
from tests.support.answer import answer_yes
from tests.support.shots import shots_dir


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    return create_demo_pki(tmp_path_factory.mktemp("pki"))


class ThreadRecordingSigner:
    """The real signer, noting which thread it ran on."""

    def __init__(self, pki: DemoPki) -> None:
        self.inner = Pkcs12Signer(pki.unit_p12, pki.password)
        self.thread: threading.Thread | None = None

    def sign(self, pdf: bytes, *, reason: str = "", location: str = "") -> SignedPdf:
        self.thread = threading.current_thread()
        return self.inner.sign(pdf, location=location)


@pytest.fixture
def viewer(qtbot: QtBot) -> Iterator[DocumentViewer]:
    io = IoRunner()  # the session's I/O runner, as Services.io hands it out
    widget = DocumentViewer(io=io)
    qtbot.addWidget(widget)
    widget.resize(820, 900)
    widget.show()
    yield widget
    io.shutdown()


def test_produce_off_gui_thread_show_and_resend(
    qtbot: QtBot, viewer: DocumentViewer, pki: DemoPki, tmp_path: Path
) -> None:
    signer = ThreadRecordingSigner(pki)
    doc = sample_decision()
    with qtbot.waitSignal(viewer.produced, timeout=30_000) as blocker:
        viewer.produce(doc, signer, "简易程序处罚决定书", doc.number, resendable=True)
    result: ProducedDocument = blocker.args[0]
    assert signer.thread is not None and signer.thread is not threading.main_thread()
    assert signer.thread.name.startswith("oc-io")  # the one I/O runner, no pool of its own
    assert viewer.page_count == 2  # decision + 办案过程记录
    assert viewer.data == result.data
    assert "已签名（PAdES-B-B）" in viewer.status.text()
    assert viewer.print_button.isEnabled() and viewer.resend_button.isEnabled()
    with qtbot.assertNotEmitted(viewer.resend_requested):
        viewer.resend_button.click()  # an SMS to the citizen: it asks first
    with qtbot.waitSignal(viewer.resend_requested) as resend:
        answer_yes(viewer.confirm_box, "resend_link_confirm")
    assert resend.args == [doc.number]
    qtbot.wait(300)
    assert viewer.grab().save(str(shots_dir(tmp_path) / "document_viewer.png"))


def test_print_to_pdf_printer(viewer: DocumentViewer, pki: DemoPki, tmp_path: Path) -> None:
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPrintSupport import QPrinter

    from officer_console.documents.pipeline import produce

    data = produce(sample_decision(), Pkcs12Signer(pki.unit_p12, pki.password)).data
    assert viewer.show_pdf(data, "决定书", "1")
    assert not viewer.resend_button.isEnabled()  # not resendable unless the owner says so
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    assert viewer.print_to(printer) == 2
    printed = QPdfDocument()
    printed.load(str(out))
    assert printed.pageCount() == 2
    printed.close()


def test_broken_pdf_and_failed_signing_are_messages(
    qtbot: QtBot, viewer: DocumentViewer, tmp_path: Path
) -> None:
    assert not viewer.show_pdf(b"%PDF-1.7 broken", "x")
    assert "无法显示" in viewer.status.text()
    assert not viewer.print_button.isEnabled()

    class Broken:
        def sign(self, pdf: bytes, *, reason: str = "", location: str = "") -> SignedPdf:
            from officer_console.documents.signing import SigningError

            raise SigningError("单位签名证书无法打开")

    with qtbot.waitSignal(viewer.failed, timeout=30_000) as failed:
        viewer.produce(sample_decision(), Broken(), "x")
    assert failed.args == ["单位签名证书无法打开"]
