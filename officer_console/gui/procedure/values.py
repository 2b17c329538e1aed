"""What a step page sends: its inputs as the store operation's keywords (one intent).

Kept apart from the widgets (:mod:`.pages`) and the panel: the panel asks
:func:`page_values` and passes the result on unchanged, so what is sent is exactly what the
page shows. :func:`build_pages` makes a fresh set of pages (one per case).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from officer_console.domain.procedure_notes import RulingProposal
from officer_console.gui.procedure.pages import (
    ConfirmationPage,
    InquiryPage,
    NoticePage,
    RulingPage,
    ServicePage,
    StepPage,
)
from officer_console.gui.procedure.record_page import RecordPage

__all__ = ["build_pages", "page_values", "ruling_proposal"]


def build_pages(parent: QWidget) -> dict[str, StepPage]:
    """New pages from their defaults, keyed by step."""
    return {
        "inquiry": InquiryPage(parent),
        "notice": NoticePage(parent),
        "ruling": RulingPage(parent),
        "confirmation": ConfirmationPage(parent),
        "service": ServicePage(parent),
        "record": RecordPage(parent),  # the record of the step just done, to be signed
    }


def page_values(page: StepPage) -> dict[str, Any]:
    """The store keywords of ``page``; ValueError (Chinese) when something must come first."""
    if isinstance(page, InquiryPage):
        return {
            "name_confirmed": page.name_confirmed.isChecked(),
            "id_last4": page.id_last4.text(),
            "snapshot_evidence_id": page.snapshot_id,
            "qa": page.qa(),
            "admissions": {vid: box.isChecked() for vid, box in page.admit.items()},
            "refused": page.refused.isChecked(),
        }
    if isinstance(page, NoticePage):
        return {
            "statement": page.statement.toPlainText().strip() or None,
            "waived": page.waived.isChecked(),
            "hearing": page.hearing.choice(),
            "leniency_reasons": page.leniency.reason_values(),
            "review_note": page.review_note.toPlainText().strip(),
        }
    if isinstance(page, RulingPage):
        warned = {vid for vid, box in page.warnings.items() if box.isChecked()}
        return {
            "fines": {vid: 0 if vid in warned else box.value() for vid, box in page.fines.items()},
            "points": {vid: box.value() for vid, box in page.points.items()},
            "review_note": page.review_note.toPlainText().strip(),
            "warning": bool(warned),
        }
    if isinstance(page, RecordPage):
        return page.values()
    if isinstance(page, ConfirmationPage):
        refused = page.refused.isChecked()
        png = None if refused else page.signature.accepted
        if png is None and not refused:
            raise ValueError("请先采用当事人的签名，或注明当事人拒绝签名")
        return {"signature_png": png, "refused": refused}
    if isinstance(page, ServicePage):
        if not page.consent.isChecked():
            return {"paper": True}
        if page.signature.accepted is None:
            raise ValueError("请先采用当事人在送达地址确认书上的签名")
        return {"paper": False, "consent": True, "confirm_png": page.signature.accepted}
    raise TypeError(f"unknown page {page!r}")


def ruling_proposal(values: dict[str, Any]) -> RulingProposal:
    """The ruling page's values as the proposal a co-signer is asked to approve."""
    fines = values["fines"]
    warned = frozenset(v for v, fine in fines.items() if values["warning"] and fine == 0)
    return RulingProposal(fines, values["points"], warned, values["review_note"])
