"""办案过程记录: the certificate page appended to the decision — each step's time and
officers, the call's start and end, the SHA-256 of the recordings, the signature image and the
other documents, and the service time."""

from __future__ import annotations

from reportlab.lib.units import mm

from officer_console.documents.layout import Sheet, local_time
from officer_console.documents.legal import LegalText
from officer_console.documents.model import AuditTrail, FileHash

__all__ = ["draw_audit_page"]


def _when(value: object, tz: str) -> str:
    from datetime import datetime

    if isinstance(value, datetime):
        local = local_time(value, tz)
        return local + f"{value.second:02d}秒"
    return "—"


def _hash_rows(items: tuple[FileHash, ...] | list[FileHash]) -> list[list[tuple[str, str]]]:
    rows = []
    for item in items:
        size = f"\n大小：{item.size}字节" if item.size is not None else ""
        rows.append([(item.label, f"SHA-256：{item.sha256}{size}")])
    return rows


def draw_audit_page(
    sheet: Sheet, trail: AuditTrail, legal: LegalText, tz: str, *, number: str
) -> None:
    """Draw the record starting at the sheet's cursor (a fresh page)."""
    sheet.centered(legal.get("audit", "title"), 16, bold=True, gap=4)
    sheet.centered(f"（处罚决定书编号：{number}）", 10, gap=8)
    sheet.paragraph(legal.get("audit", "intro"), 9.5, leading=1.45)
    sheet.y -= 2
    steps = [
        [(s.label, f"{_when(s.at, tz)}  {s.officers}{'  ' + s.note if s.note else ''}")]
        for s in trail.steps
    ]
    sheet.y -= 6
    sheet.text(sheet.left, sheet.y - 10, "一、办案步骤", 11, bold=True)
    sheet.y -= 16
    sheet.field_table(steps or [[("步骤", "—")]], size=9.5, label_w=26 * mm)
    sheet.y -= 4
    sheet.text(sheet.left, sheet.y - 10, "二、视频通话与送达", 11, bold=True)
    sheet.y -= 16
    sheet.field_table(
        [
            [
                ("通话开始", _when(trail.call_started_at, tz)),
                ("通话结束", _when(trail.call_ended_at, tz)),
            ],
            [
                (
                    "送达时间",
                    _when(trail.service_sent_at, tz)
                    if trail.service_sent_at
                    else "作出决定时尚未送达，发送成功时间记入电子送达回证",
                ),
                ("工作站", trail.workstation or "—"),
            ],
        ],
        size=9.5,
        label_w=20 * mm,
    )
    sheet.y -= 4
    sheet.text(sheet.left, sheet.y - 10, "三、电子证据哈希值", 11, bold=True)
    sheet.y -= 16
    files = list(trail.recordings)
    if trail.signature is not None:
        files.append(trail.signature)
    files.extend(trail.documents)
    sheet.field_table(_hash_rows(files) or [[("证据", "—")]], size=8.5, label_w=26 * mm)
