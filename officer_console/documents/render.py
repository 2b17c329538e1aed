"""One entry point: ``render(doc)`` picks the form for the document's type."""

from __future__ import annotations

from officer_console.documents.decision import render_decision
from officer_console.documents.model import (
    DecisionDoc,
    InquiryDoc,
    NoticeDoc,
    ServiceConfirmationDoc,
    ServiceReceiptDoc,
)
from officer_console.documents.receipt import render_receipt
from officer_console.documents.records import render_inquiry, render_notice, render_service

__all__ = ["Document", "document_kind", "render"]

Document = DecisionDoc | InquiryDoc | NoticeDoc | ServiceConfirmationDoc | ServiceReceiptDoc

#: Evidence kinds (``evidence_files.kind``) of the rendered documents.
_KINDS: dict[type, str] = {
    DecisionDoc: "decision",
    InquiryDoc: "inquiry_record",
    NoticeDoc: "notice_record",
    ServiceConfirmationDoc: "service_confirm",
    ServiceReceiptDoc: "eservice_receipt",
}


def document_kind(doc: Document) -> str:
    return _KINDS[type(doc)]


def render(doc: Document) -> bytes:
    """PDF bytes of ``doc`` (before PDF/A post-processing and signing)."""
    if isinstance(doc, DecisionDoc):
        return render_decision(doc)
    if isinstance(doc, InquiryDoc):
        return render_inquiry(doc)
    if isinstance(doc, NoticeDoc):
        return render_notice(doc)
    if isinstance(doc, ServiceReceiptDoc):
        return render_receipt(doc)
    return render_service(doc)
