"""电子送达回证: the signed record of the electronic service itself, made after the SMS was
accepted — the document served, channel, masked address, the system's sent time (the service
date, [157] 56, which starts the 15-day payment period) and the first full download once it
happened. No party signature: the party does nothing at this step; the unit's e-seal signs it.
"""

from __future__ import annotations

from reportlab.lib.units import mm

from officer_console.documents.layout import local_date, local_time
from officer_console.documents.legal import legal_text
from officer_console.documents.model import ServiceReceiptDoc
from officer_console.documents.records import _officer, _start
from officer_console.domain.penalties import payment_deadline
from officer_console.domain.procedure_records import SERVICE_CHANNELS

__all__ = ["render_receipt"]


def _seconds(value: object, tz: str) -> str:
    from datetime import datetime

    assert isinstance(value, datetime)
    return local_time(value, tz) + f"{value.second:02d}秒"


def render_receipt(doc: ServiceReceiptDoc) -> bytes:
    tz = doc.unit.timezone
    legal = legal_text(local_date(doc.sent_at, tz))
    title = legal.get("receipt", "title")
    buffer, sheet = _start(doc.unit, title, doc.number, f"{doc.unit.name} {title}")
    channel = SERVICE_CHANNELS.get(doc.channel, doc.channel)
    downloaded = (
        _seconds(doc.downloaded_at, tz)
        if doc.downloaded_at is not None
        else legal.get("receipt", "not_downloaded")
    )
    rows = [
        [("受送达人", doc.party_name)],
        [("送达文书名称", doc.document_name)],
        [("文书编号", doc.document_number)],
        [("送达方式", f"电子送达（{channel}）"), ("送达地址", doc.address_masked)],
        [("发送成功时间", _seconds(doc.sent_at, tz))],
        [("首次完整下载", downloaded)],
    ]
    if doc.provider_reference:
        rows.append([("平台回执编号", doc.provider_reference)])
    if doc.payment_due:
        deadline = payment_deadline(local_date(doc.sent_at, tz))
        rows.append([("缴款期限", f"{deadline.year}年{deadline.month:02d}月{deadline.day:02d}日")])
    rows.append([("送达民警", _officer(doc.officer))])
    sheet.paragraph(legal.get("receipt", "intro"))
    sheet.field_table(rows, label_w=29 * mm)
    sheet.paragraph(legal.get("receipt", "service_rule"))
    made = doc.made_at or doc.sent_at
    sheet.need(20 * mm)
    sheet.y -= 8 * mm
    right = sheet.left + sheet.width * 0.56
    sheet.text(right, sheet.y, doc.unit.name, 10)
    sheet.text(right, sheet.y - 6 * mm, f"生成时间：{_seconds(made, tz)}", 10)
    sheet.y -= 14 * mm
    sheet.finish()
    return buffer.getvalue()
