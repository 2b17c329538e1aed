"""What the public verification says — kept apart from the gateway's upload handling.

:func:`verify_answer` turns the archive lookup and the signature report into the JSON answer.
It names the document that was uploaded (title and its own number) and, when the upload came
from one decision's page (``requested``), says plainly when the file is another document — a
record of the same case or of another case — instead of reporting it under the decision's
number. :func:`payment_rows` is what the page shows about paying: the deadline (service date
+ 15 days) and, after it, the late-payment surcharge accrued so far (3 %/day, capped at the
fine), from :mod:`officer_console.domain.penalties`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from officer_console.documents.signing import SignatureReport
from officer_console.domain.penalties import days_overdue, late_penalty, payment_deadline
from officer_console.domain.procedure_text import record_number

__all__ = ["DOCUMENT_TITLES", "payment_rows", "uploaded_document", "verify_answer"]

#: Evidence kinds of the signed documents → titles (mirrors ``store.documents.DOCUMENT_KINDS``).
DOCUMENT_TITLES = {
    "decision": "处罚决定书",
    "inquiry_record": "询问笔录",
    "notice_record": "行政处罚告知笔录",
    "service_confirm": "送达地址确认书",
    "eservice_receipt": "电子送达回证",
}


#: Records made and signed at their steps, before the ruling took the decision number: they
#: print no number of their own (the answer names them by title and their case's decision).
STEP_RECORDS = frozenset({"inquiry_record", "notice_record"})


def uploaded_document(kind: str, decision_number: str) -> dict[str, str]:
    """The uploaded document as the answer names it: kind, title, its own number, and the
    number of the decision of its case."""
    if kind == "decision":
        number = decision_number
    elif kind in STEP_RECORDS:  # made at 询问/告知, before the case had a number
        number = ""
    else:
        number = record_number(decision_number, kind)
    return {
        "kind": kind,
        "name": DOCUMENT_TITLES.get(kind, "文书"),
        "number": number,
        "decision_number": decision_number,
    }


def _identity(doc: dict[str, str]) -> str:
    return f"{doc['name']}（编号{doc['number']}）" if doc["number"] else doc["name"]


def verify_answer(
    sha: str,
    found: tuple[str, str] | None,
    report: SignatureReport,
    have_roots: bool,
    *,
    archive_intact: bool = True,
    requested: str = "",
) -> dict[str, Any]:
    """The JSON answer of ``POST /api/v1/verify``.

    ``found``: (kind, decision number of its case) of the archived document with this hash.
    ``requested``: the decision number of the page the upload came from ("" = not given).
    ``authentic`` is about the uploaded file; ``same_document`` says whether it is the
    requested decision (true when nothing was requested)."""
    failed: list[str] = []
    if found is None:
        failed.append("hash_mismatch")
    if not report.valid:
        failed.append("signature_invalid")
    if found is not None and not archive_intact:
        failed.append("archive_altered")
    problem = report.problem if have_roots or not report.present else "系统未配置受信任的签名证书"
    doc = None if found is None else uploaded_document(*found)
    same = (
        doc is None or not requested or (doc["kind"] == "decision" and doc["number"] == requested)
    )
    if failed == ["archive_altered"]:
        message = "核验未通过：系统存档的文书文件缺失或已被改动，请联系出具文书的交警大队核查。"
    elif not failed:
        assert doc is not None
        message = f"核验通过：该文件是{_identity(doc)}，与系统存档完全一致，电子签名有效。"
        if not same:
            whose = "本案" if doc["decision_number"] == requested else "另一案件"
            message = (
                f"您上传的不是本页的处罚决定书（编号{requested}），而是{whose}的{_identity(doc)}："
                "该文件与系统存档一致，电子签名有效。如需核验处罚决定书，请上传处罚决定书文件。"
            )
    elif found is None and report.valid:
        message = "核验未通过：电子签名有效，但该文件与系统存档的文书不一致（可能不是本系统出具的最终文书）。"
    elif found is None:
        message = f"核验未通过：该文件与系统存档的文书不一致；{problem}。"
    else:
        message = f"核验未通过：文件与存档一致，但电子签名校验失败：{problem}。"
    return {
        "authentic": not failed,
        "same_document": same,
        "requested_number": requested or None,
        "sha256": sha,
        "hash_match": found is not None,
        "signature_valid": bool(report.valid),
        "failed": failed,
        "document": doc,
        "signer": report.signer,
        "signed_at": report.signed_at.isoformat() if report.signed_at else None,
        "timestamped": bool(report.timestamped),
        "problem": "" if report.valid else problem,
        "message": message,
    }


def _day(value: date) -> str:
    return f"{value.year}年{value.month:02d}月{value.day:02d}日"


def payment_rows(
    fine: int, sent_at: datetime | None, tz: str, today: date
) -> list[tuple[str, str]]:
    """(label, value) rows about paying the fine, as of ``today`` (the unit's local date).

    Nothing for a warning without a fine. Before service: the period starts at service. After
    the deadline: the surcharge accrued so far (whether it was paid is not known here)."""
    if fine <= 0:
        return []
    if sent_at is None:
        return [("缴款期限", "自送达之日起十五日内（尚未送达）")]
    served_on = sent_at.astimezone(ZoneInfo(tz)).date()
    deadline = payment_deadline(served_on)
    rows = [("缴款期限", f"{_day(deadline)}前（送达之日起十五日内）")]
    late = days_overdue(served_on, today)
    if late > 0:
        amount = late_penalty(fine, late)
        capped = "，已达上限" if amount >= Decimal(fine) else ""
        rows.append(
            (
                "逾期加处罚款",
                f"截至{_day(today)}已逾期{late}日，按每日罚款数额的百分之三计"
                f"{amount}元（不超过罚款数额{fine}元{capped}）；已缴纳的请以缴款凭证为准",
            )
        )
    return rows
