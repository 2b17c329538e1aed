"""render → PDF/A-2b → signature, timed; what the wizard, the viewer and the bench call.

Pure of Qt and SQL like the renderers; the signer is injected (see :mod:`documents.setup`
for the one built from the settings).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from officer_console.documents.model import (
    DecisionDoc,
    InquiryDoc,
    NoticeDoc,
    ServiceReceiptDoc,
)
from officer_console.documents.pdfa import make_pdfa
from officer_console.documents.render import Document, document_kind, render
from officer_console.documents.signing import Signer

__all__ = ["ProducedDocument", "produce", "verification_url"]


def verification_url(base: str, number: str, code: str) -> str:
    """``<base>?n=<number>&c=<code>`` — the QR code's content (``base`` ends in ``/verify``)."""
    return f"{base}?{urlencode({'n': number, 'c': code})}"


@dataclass(frozen=True)
class ProducedDocument:
    kind: str
    data: bytes = field(repr=False)
    level: str
    warning: str
    timings_ms: dict[str, float]


def _created(doc: Document) -> datetime:
    if isinstance(doc, DecisionDoc):
        return doc.decided_at
    if isinstance(doc, InquiryDoc):
        return doc.ended_at
    if isinstance(doc, NoticeDoc):
        return doc.notified_at
    if isinstance(doc, ServiceReceiptDoc):
        return doc.made_at or doc.sent_at
    return doc.confirmed_at


def produce(doc: Document, signer: Signer, *, location: str = "") -> ProducedDocument:
    """The archival, signed PDF of ``doc`` (timings for the bench and the logs)."""
    c0, t0 = time.thread_time(), time.perf_counter()
    pdf = render(doc)
    c1, t1 = time.thread_time(), time.perf_counter()
    archival = make_pdfa(pdf, created=_created(doc))
    c2, t2 = time.thread_time(), time.perf_counter()
    signed = signer.sign(archival, location=location or doc.unit.name)
    c3, t3 = time.thread_time(), time.perf_counter()
    return ProducedDocument(
        kind=document_kind(doc),
        data=signed.data,
        level=signed.level,
        warning=signed.warning,
        timings_ms={
            "render": (t1 - t0) * 1000,
            "pdfa": (t2 - t1) * 1000,
            "sign": (t3 - t2) * 1000,
            "total": (t3 - t0) * 1000,
            # CPU time of this thread: what the work costs on an idle machine.
            "render_cpu": (c1 - c0) * 1000,
            "pdfa_cpu": (c2 - c1) * 1000,
            "sign_cpu": (c3 - c2) * 1000,
            "total_cpu": (c3 - c0) * 1000,
        },
    )
