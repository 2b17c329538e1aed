"""处罚决定书 (simple and general procedure), with the 办案过程记录 page appended.

Every legal sentence comes from :mod:`legal` (versioned by the decision's date); the review
body and court come from the unit. Fields never print blank: missing data shows "—", and the
party's slot holds the signature image or "当事人拒绝签名".
"""

from __future__ import annotations

import io

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from officer_console.documents.audit_page import draw_audit_page
from officer_console.documents.fonts import FONT
from officer_console.documents.layout import FOOTER_Y, PAGE_W, Sheet, local_date, local_time
from officer_console.documents.legal import LegalText, legal_text
from officer_console.documents.model import DecisionDoc, ViolationFact
from officer_console.documents.seal import draw_seal
from officer_console.domain.penalties import points_warning
from officer_console.domain.procedure_records import SERVICE_CHANNELS, ProcedureKind
from officer_console.domain.procedure_text import behaviour_phrase

__all__ = ["decision_title", "points_clause", "render_decision"]


def decision_title(doc: DecisionDoc, legal: LegalText | None = None) -> str:
    text = legal or legal_text(local_date(doc.decided_at, doc.unit.timezone))
    key = "title_simple" if doc.kind is ProcedureKind.SIMPLE else "title_general"
    return text.get("decision", key)


def _penalty(legal: LegalText, fine: int, warning: bool) -> str:
    if warning and fine:
        return legal.get("decision", "penalty_fine_and_warning", fine=fine)
    if warning:
        return legal.get("decision", "penalty_warning")
    return legal.get("decision", "penalty_fine", fine=fine)


def _violation_sentence(
    legal: LegalText, v: ViolationFact, tz: str, *, warning: bool, fine: int
) -> str:
    fact = legal.get(
        "decision",
        "fact",
        time=local_time(v.occurred_at, tz),
        location=v.location,
        behaviour=behaviour_phrase(v.behaviour),
        code=v.code,
    )
    basis = legal.get(
        "decision", "basis", conduct_basis=v.conduct_basis, penalty_basis=v.penalty_basis
    )
    return f"{fact}，{basis}，{_penalty(legal, fine, warning)}，{points_clause(legal, v.points)}。"


def points_clause(legal: LegalText, points: int) -> str:
    """ "依据《…记分管理办法》第十条的规定，记6分" — the article that lists the violation by its
    points ([163] 8–12, a table in the legal wording); 0 points: 不予记分."""
    if points <= 0:
        return legal.get("decision", "no_points")
    try:
        article = legal.get("points_articles", str(points))
    except KeyError:
        article = ""  # a points value no article lists (data error): cite the measure only
    return legal.get("decision", "points", article=article, points=points)


def _party_rows(doc: DecisionDoc) -> list[list[tuple[str, str]]]:
    p, v = doc.party, doc.vehicle
    return [  # 发证机关 and 住址 are long names: a full row each, never wrapped mid-word
        [("被处罚人", p.name), ("身份证明文件号码", p.id_number)],
        [("机动车驾驶证号", p.licence_number or p.id_number), ("档案编号", p.licence_file_number)],
        [("发证机关", p.issuing_authority)],
        [("准驾车型", p.licence_class), ("联系方式", p.phone)],
        [("住址", p.address)],
        [("车辆类型", v.vehicle_type), ("号牌号码", v.plate)],
    ]


def render_decision(doc: DecisionDoc) -> bytes:
    """The decision as PDF bytes (not yet PDF/A post-processed or signed)."""
    legal = legal_text(local_date(doc.decided_at, doc.unit.timezone))
    tz = doc.unit.timezone
    title = decision_title(doc, legal)
    buffer = io.BytesIO()
    sheet = Sheet.create(
        buffer,
        title=f"{title} {doc.number}",
        subject=f"{doc.unit.name} {doc.number}",
        footer=f"{title}  编号：{doc.number}",
    )
    c = sheet.canvas
    qr_size = 21 * mm
    top = sheet.y
    if doc.verification_url:
        sheet.qr(
            doc.verification_url,
            PAGE_W - sheet.left - qr_size,
            top - qr_size + 6 * mm,
            qr_size,
            "扫码核验",
        )
    if doc.verification_url:  # in the band above the footer of page 1: never pushed away
        c.setFillColorRGB(0.35, 0.35, 0.35)
        sheet.text(sheet.left, FOOTER_Y + 19, legal.get("decision", "verify_hint"), 7.5)
        sheet.text(sheet.left, FOOTER_Y + 9, doc.verification_url, 7.5)
        c.setFillColorRGB(0, 0, 0)
    sheet.y -= 2 * mm
    sheet.centered(doc.unit.name, 15, bold=True, gap=9)
    sheet.centered(title, 18, bold=True, gap=10)
    number = f"编号：{doc.number}"
    sheet.y -= 11
    sheet.text(sheet.left + sheet.width - stringWidth(number, FONT, 11), sheet.y, number, 11)
    sheet.y -= 8
    sheet.field_table(_party_rows(doc), label_w=29 * mm)

    several = len(doc.violations) > 1
    for i, v in enumerate(doc.violations, start=1):
        # With several violations each sentence carries its own penalty; the total follows.
        fine = v.fine if several else doc.fine_total
        # 警告 stands in place of a violation's fine ([DJF] 90 "警告或者罚款"): 0 yuan → 警告.
        sentence = _violation_sentence(legal, v, tz, warning=doc.warning and not fine, fine=fine)
        sheet.paragraph(f"{i}. {sentence}" if several else sentence)
    if several:
        sheet.paragraph(
            legal.get("decision", "total", fine=doc.fine_total, points=doc.points_total)
        )
    if points_warning(doc.cycle_points_after):
        c.setFillColorRGB(0.7, 0, 0)
        sheet.paragraph(
            legal.get("decision", "nine_point_warning", total=doc.cycle_points_after), 10.5
        )
        c.setFillColorRGB(0, 0, 0)
    if doc.evidence:  # [157] 49: the general-procedure decision names its evidence
        sheet.paragraph(legal.get("decision", "evidence_label") + "：")
        for i, item in enumerate(doc.evidence, start=1):
            sheet.paragraph(f"{i}. {item}", 10, indent=2, gap=0)
        sheet.y -= 2
    if doc.fine_total > 0:
        channels = doc.unit.payment_channels or legal.get("decision", "payment_channels")
        sheet.paragraph(legal.get("decision", "payment", channels=channels))
    sheet.paragraph(
        legal.get("decision", "remedies", review_body=doc.unit.review_body, court=doc.unit.court)
    )
    if doc.service_channel == "paper":
        sheet.paragraph(legal.get("decision", "service_paper"))
    elif doc.service_channel:
        channel = SERVICE_CHANNELS.get(doc.service_channel, doc.service_channel)
        sheet.paragraph(legal.get("decision", "service_electronic", channel=channel))
    sheet.labelled("处罚地点", doc.place)
    sheet.labelled("备注", doc.note or "无")

    # Signature block: party on the left, officers, date and seal on the right.
    sheet.need(44 * mm)
    sheet.y -= 8 * mm
    top = sheet.y
    refusal = legal.get("decision", "refusal")
    sheet.text(sheet.left, top, legal.get("decision", "announced"), 11)
    sheet.signature(
        sheet.left, top - 11 * mm, "被处罚人签名：", doc.party_signature, refusal=refusal, tz=tz
    )
    right = sheet.left + sheet.width * 0.56
    officers = [f"{doc.lead_officer.name}（警号{doc.lead_officer.police_number}）"]
    if doc.assist_officer is not None:
        officers.append(f"{doc.assist_officer.name}（警号{doc.assist_officer.police_number}）")
    label = "执法民警：" if doc.kind is ProcedureKind.SIMPLE else "办案民警："
    sheet.text(right, top, label + officers[0], 11)
    if len(officers) > 1:
        sheet.text(right + stringWidth(label, FONT, 11), top - 6 * mm, officers[1], 11)
    date_y = top - 28 * mm
    sheet.text(right, date_y + 7 * mm, doc.unit.name, 10)
    sheet.text(right + 12 * mm, date_y, local_time(doc.decided_at, tz, minutes=False), 11)
    seal_image = ImageReader(str(doc.unit.seal_image)) if doc.unit.seal_image is not None else None
    if doc.party_signature.pending:  # a draft preview never carries the unit's seal
        sheet.text(right + 12 * mm, date_y - 5 * mm, "（草稿，不加盖印章）", 9)
    else:
        draw_seal(
            c,
            right + 30 * mm,
            date_y + 4 * mm,
            17 * mm,
            doc.unit.seal_text or doc.unit.name,
            image=seal_image,
        )
    sheet.y = date_y - 13 * mm
    if doc.audit is not None:
        sheet.new_page()
        draw_audit_page(sheet, doc.audit, legal, tz, number=doc.number)
    sheet.finish()
    return buffer.getvalue()
