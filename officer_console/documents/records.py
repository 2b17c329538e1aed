"""询问笔录, 行政处罚告知笔录 and 送达地址确认书 — the records made during the procedure.

Same furniture as the decision (unit header, title, field table, legal sentences from the
versioned wording, signature slots that hold an image or the refusal note).
"""

from __future__ import annotations

import io

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from officer_console.documents.fonts import FONT
from officer_console.documents.layout import Sheet, local_date, local_time
from officer_console.documents.legal import LegalText, legal_text
from officer_console.documents.model import (
    InquiryDoc,
    NoticeDoc,
    OfficerRef,
    ServiceConfirmationDoc,
    SignatureSlot,
    Unit,
)
from officer_console.domain.penalties import hearing_right
from officer_console.domain.procedure_records import SERVICE_CHANNELS
from officer_console.domain.procedure_text import behaviour_phrase

__all__ = ["render_inquiry", "render_notice", "render_service"]


def _officer(o: OfficerRef) -> str:
    return f"{o.name}（警号{o.police_number}）"


def _start(unit: Unit, title: str, number: str, subject: str) -> tuple[io.BytesIO, Sheet]:
    buffer = io.BytesIO()
    footer = f"{title}  编号：{number}" if number else title
    sheet = Sheet.create(buffer, title=f"{title} {number}".strip(), subject=subject, footer=footer)
    sheet.y -= 2 * mm
    sheet.centered(unit.name, 15, bold=True, gap=9)
    sheet.centered(title, 18, bold=True, gap=10)
    if number:
        text = f"编号：{number}"
        sheet.y -= 11
        sheet.text(sheet.left + sheet.width - stringWidth(text, FONT, 11), sheet.y, text, 11)
        sheet.y -= 8
    return buffer, sheet


def _sign_block(
    sheet: Sheet,
    legal: LegalText,
    *,
    section: str,
    party_label: str,
    signature: SignatureSlot,
    officers: list[str],
    tz: str,
    closing: str = "",
) -> None:
    """Party signature (or refusal note) on the left, the officers on the right."""
    sheet.need(40 * mm)
    sheet.y -= 6 * mm
    if closing:
        sheet.text(sheet.left, sheet.y, closing, 11)
    sheet.y -= 12 * mm  # room for the signature image above its baseline
    sheet.signature(
        sheet.left,
        sheet.y,
        party_label,
        signature,
        refusal=legal.get(section, "refusal"),
        tz=tz,
    )
    right = sheet.left + sheet.width * 0.56
    for i, line in enumerate(officers):
        sheet.text(right, sheet.y - i * 6 * mm, line, 11)
    sheet.y -= max(len(officers), 2) * 6 * mm + 6 * mm


def _inquiry_officers(doc: InquiryDoc) -> list[tuple[str, OfficerRef]]:
    """询问人/记录人 as two people only when two took part; one officer is named once."""
    if doc.recorder is None or doc.recorder == doc.questioner:
        return [("询问、记录人", doc.questioner)]
    return [("询问人", doc.questioner), ("记录人", doc.recorder)]


def render_inquiry(doc: InquiryDoc) -> bytes:
    """The 询问笔录: only what was asked and answered (the rights statement is the first
    question the officer read, printed once with the answer given)."""
    tz = doc.unit.timezone
    legal = legal_text(local_date(doc.started_at, tz))
    title = legal.get("inquiry", "title")
    buffer, sheet = _start(doc.unit, title, doc.number, f"{doc.unit.name} {title}")
    p = doc.party
    officers = _inquiry_officers(doc)
    sheet.field_table(
        [
            [("询问时间", f"{local_time(doc.started_at, tz)} 至 {local_time(doc.ended_at, tz)}")],
            [("询问地点", doc.place)],
            [(role, _officer(o)) for role, o in officers],
            [("被询问人", p.name), ("身份证明文件号码", p.id_number)],
            [("联系方式", p.phone), ("住址", p.address)],
        ],
        label_w=29 * mm,
    )
    sheet.paragraph(legal.get("inquiry", "identity"))
    for question, answer in doc.qa:
        sheet.paragraph(f"问：{question}")
        sheet.paragraph(f"答：{answer}" if answer else "答：（未回答）")
    if doc.refused_to_answer:
        sheet.paragraph(legal.get("inquiry", "refused"))
    _sign_block(
        sheet,
        legal,
        section="inquiry",
        party_label="被询问人签名：",
        signature=doc.party_signature,
        officers=[f"{role}：{_officer(o)}" for role, o in officers],
        tz=tz,
        closing=legal.get("inquiry", "closing"),
    )
    sheet.finish()
    return buffer.getvalue()


def _proposal(legal: LegalText, fine: int, warning: bool, points: int) -> str:
    if warning and fine:
        text = legal.get("notice", "proposal_fine_and_warning", fine=fine)
    elif warning:
        text = legal.get("notice", "proposal_warning")
    else:
        text = legal.get("notice", "proposal_fine", fine=fine)
    return text + legal.get("notice", "proposal_points", points=points)


def render_notice(doc: NoticeDoc) -> bytes:
    tz = doc.unit.timezone
    legal = legal_text(local_date(doc.notified_at, tz))
    title = legal.get("notice", "title")
    buffer, sheet = _start(doc.unit, title, doc.number, f"{doc.unit.name} {title}")
    p, v = doc.party, doc.vehicle
    sheet.field_table(
        [
            [("告知时间", local_time(doc.notified_at, tz)), ("告知地点", "远程视频")],
            [("当事人", p.name), ("身份证明文件号码", p.id_number)],
            [("车辆类型", v.vehicle_type), ("号牌号码", v.plate)],
            [("告知民警", "、".join(_officer(o) for o in doc.officers))],
        ],
        label_w=29 * mm,
    )
    sheet.paragraph(legal.get("notice", "intro"))
    for i, fact in enumerate(doc.violations, start=1):
        sentence = legal.get(
            "notice",
            "fact",
            time=local_time(fact.occurred_at, tz),
            location=fact.location,
            behaviour=behaviour_phrase(fact.behaviour),
            code=fact.code,
        )
        basis = legal.get(
            "decision",
            "basis",
            conduct_basis=fact.conduct_basis,
            penalty_basis=fact.penalty_basis,
        )
        prefix = f"{i}. " if len(doc.violations) > 1 else ""
        sheet.paragraph(f"{prefix}违法事实及理由：{sentence}。法律依据：{basis}。")
    sheet.paragraph(
        "拟处罚意见：" + _proposal(legal, doc.proposed_fine, doc.warning, doc.proposed_points)
    )
    sheet.paragraph(legal.get("notice", "rights"))
    hearing = hearing_right(doc.proposed_fine)
    sheet.paragraph(legal.get("notice", "hearing" if hearing else "no_hearing"))
    if hearing:  # the party's choice is part of what the notice records
        answer = "hearing_requested" if doc.hearing_requested else "hearing_declined"
        sheet.labelled(legal.get("notice", "hearing_label"), legal.get("notice", answer))
    if doc.waived and not doc.statement:
        sheet.labelled(
            legal.get("notice", "statement_label").rstrip("："), legal.get("notice", "waived")
        )
    else:
        sheet.labelled(legal.get("notice", "statement_label").rstrip("："), doc.statement or "—")
    sheet.labelled(legal.get("notice", "review_label").rstrip("："), doc.review_result)
    _sign_block(
        sheet,
        legal,
        section="notice",
        party_label="当事人签名：",
        signature=doc.party_signature,
        officers=[f"告知民警：{_officer(o)}" for o in doc.officers],
        tz=tz,
    )
    sheet.finish()
    return buffer.getvalue()


def render_service(doc: ServiceConfirmationDoc) -> bytes:
    tz = doc.unit.timezone
    legal = legal_text(local_date(doc.confirmed_at, tz))
    title = legal.get("service", "title")
    buffer, sheet = _start(doc.unit, title, "", f"{doc.unit.name} {title}")
    p = doc.party
    channel = SERVICE_CHANNELS.get(doc.channel, doc.channel)
    sheet.field_table(
        [
            [("受送达人", p.name), ("身份证明文件号码", p.id_number)],
            [("送达文书名称", doc.document_name)],
            [("文书编号", doc.document_number)],
            [("送达方式", f"电子送达（{channel}）"), ("送达地址", doc.address)],
            [
                (
                    "发送成功时间",
                    local_time(doc.sent_at, tz) if doc.sent_at else "发送后记入电子送达回证",
                ),
                ("送达民警", _officer(doc.officer)),
            ],
        ],
        label_w=29 * mm,
    )
    sheet.paragraph(legal.get("service", "consent"))
    sheet.paragraph(legal.get("service", "service_rule"))
    _sign_block(
        sheet,
        legal,
        section="service",
        party_label="受送达人签名：",
        signature=doc.party_signature,
        officers=[
            f"送达民警：{_officer(doc.officer)}",
            f"确认时间：{local_time(doc.confirmed_at, tz)}",
        ],
        tz=tz,
    )
    sheet.finish()
    return buffer.getvalue()
