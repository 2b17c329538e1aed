"""A complete sample case (fixture data) and the installer's self-test round trip.

``sample_decision_roundtrip(workdir)`` renders a decision, makes it PDF/A-2b, signs it with a
throwaway demo CA created in ``workdir`` and validates the signature; it raises on any failure
and returns a one-line summary.
"""

from __future__ import annotations

import io
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from officer_console.documents.model import (
    AuditStep,
    AuditTrail,
    DecisionDoc,
    FileHash,
    InquiryDoc,
    NoticeDoc,
    OfficerRef,
    Party,
    ServiceConfirmationDoc,
    ServiceReceiptDoc,
    SignatureSlot,
    Unit,
    VehicleRef,
    ViolationFact,
)
from officer_console.domain.procedure_records import ProcedureKind
from officer_console.domain.procedure_text import opening_statement

__all__ = [
    "sample_decision",
    "sample_decision_roundtrip",
    "sample_inquiry",
    "sample_notice",
    "sample_receipt",
    "sample_service",
    "sample_signature_png",
]

T0 = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # 10:00 in Jinan
UNIT = Unit(
    name="济南市公安局交通警察支队历下区大队",
    division_code="370102",
    review_body="济南市历下区人民政府",
    court="济南市历下区人民法院",
)
LEAD = OfficerRef("王强", "010001")
ASSIST = OfficerRef("李明", "010002")
PARTY = Party(
    name="张伟",
    id_number="11010519491231002X",
    licence_number="11010519491231002X",
    licence_file_number="370100123456",
    issuing_authority="山东省济南市公安局交通警察支队",
    licence_class="C1",
    phone="13812341234",
    address="山东省济南市历下区经十路100号",
)
VEHICLE = VehicleRef("鲁A12345", "小型普通客车")
V_LIGHT = ViolationFact(
    occurred_at=datetime(2026, 11, 20, 0, 35, tzinfo=UTC),
    location="历下区经十路与历山路交叉口",
    behaviour="驾驶机动车违反道路交通信号灯通行",
    code="1625",
    conduct_basis="《中华人民共和国道路交通安全法》第三十八条",
    penalty_basis="《中华人民共和国道路交通安全法》第九十条",
    fine=200,
    points=6,
)
V_BELT = ViolationFact(
    occurred_at=datetime(2026, 11, 22, 9, 10, tzinfo=UTC),
    location="历下区解放路",
    behaviour="驾驶人未按规定使用安全带",
    code="1101",
    conduct_basis="《中华人民共和国道路交通安全法》第五十一条",
    penalty_basis="《中华人民共和国道路交通安全法》第九十条",
    fine=50,
    points=1,
)
V_SPEED = ViolationFact(
    occurred_at=datetime(2026, 11, 25, 6, 5, tzinfo=UTC),
    location="G2京沪高速K452处",
    behaviour="驾驶机动车超过规定时速50%以上",
    code="1721",
    conduct_basis="《中华人民共和国道路交通安全法》第四十二条",
    penalty_basis="《中华人民共和国道路交通安全法》第九十九条",
    fine=1000,
    points=6,
)


def sample_signature_png(width: int = 360, height: int = 120) -> bytes:
    """A hand-writing-like stroke on a transparent background (what the citizen page sends)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    points = [
        (20 + t * 3.2, height / 2 + 28 * math.sin(t / 6.0) * math.cos(t / 17.0)) for t in range(100)
    ]
    draw.line(points, fill=(20, 20, 20, 255), width=5, joint="curve")
    draw.line([(60, 30), (90, 95), (130, 25)], fill=(20, 20, 20, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


RECORDING_SHA = "a3" * 32


def _trail(signature_png: bytes | None, *, general: bool = False) -> AuditTrail:
    import hashlib

    cosign = (
        (AuditStep("协办民警核签", T0 + timedelta(minutes=10, seconds=40), "李明（010002）"),)
        if general
        else ()
    )
    return AuditTrail(
        steps=(
            AuditStep("身份核验", T0 + timedelta(minutes=1), "王强（010001）"),
            AuditStep("询问", T0 + timedelta(minutes=6), "王强（010001）"),
            AuditStep("告知", T0 + timedelta(minutes=9), "王强（010001）", "当事人放弃陈述、申辩"),
            AuditStep("裁决", T0 + timedelta(minutes=11), "王强（010001）"),
            *cosign,
            AuditStep("确认", T0 + timedelta(minutes=12), "王强（010001）"),
        ),
        call_started_at=T0,
        call_ended_at=T0 + timedelta(minutes=14),
        recordings=(FileHash("录像1（MP4）", RECORDING_SHA, 18_734_112),),
        signature=(
            FileHash("签名图像", hashlib.sha256(signature_png).hexdigest(), len(signature_png))
            if signature_png
            else None
        ),
        documents=(
            FileHash("询问笔录", "5e" * 32, 41_223),
            FileHash("行政处罚告知笔录", "c0" * 32, 43_010),
            FileHash("送达地址确认书", "7d" * 32, 38_901),
        ),
        service_sent_at=None,  # the decision is made before it is sent: see the receipt
        workstation="LX-CONSOLE-01",
    )


def sample_decision(
    *,
    general: bool = False,
    several: bool = False,
    refused: bool = False,
    cycle_points_after: int | None = None,
    verification_url: str = "https://jj.example.gov.cn/verify?n=37010220260000001&c=K7QX3M9TPA",
    with_audit: bool = True,
    service_channel: str = "sms",
) -> DecisionDoc:
    """A realistic decision; the switches cover the test matrix."""
    violations = (V_LIGHT, V_BELT) if several else (V_LIGHT,)
    if general:
        violations = (*violations, V_SPEED)
    fine = sum(v.fine for v in violations)
    points = sum(v.points for v in violations)
    png = None if refused else sample_signature_png()
    signature = (
        SignatureSlot(refused=True)
        if refused
        else SignatureSlot(png, signed_at=T0 + timedelta(minutes=12))
    )
    return DecisionDoc(
        kind=ProcedureKind.GENERAL if general else ProcedureKind.SIMPLE,
        number="37010220260000001",
        unit=UNIT,
        party=PARTY,
        vehicle=VEHICLE,
        violations=violations,
        fine_total=fine,
        points_total=points,
        warning=False,
        cycle_points_after=points if cycle_points_after is None else cycle_points_after,
        place="远程视频处理（济南市公安局交通警察支队历下区大队）",
        decided_at=T0 + timedelta(minutes=11),
        lead_officer=LEAD,
        assist_officer=ASSIST if general else None,
        party_signature=signature,
        verification_url=verification_url,
        audit=_trail(png, general=general) if with_audit else None,
        evidence=_evidence(violations) if general else (),
        service_channel=service_channel,
    )


def _evidence(violations: tuple[ViolationFact, ...]) -> tuple[str, ...]:
    from officer_console.documents.layout import local_time

    return (
        *(
            f"交通技术监控记录（{local_time(v.occurred_at, UNIT.timezone)}，{v.location}，"
            f"代码{v.code}）"
            for v in violations
        ),
        "询问笔录（编号37010220260000001-1）",
        "行政处罚告知笔录（编号37010220260000001-2）",
        f"视频录像（远程视频处理全过程，SHA-256：{RECORDING_SHA}）",
    )


def sample_inquiry(*, refused: bool = False) -> InquiryDoc:
    png = None if refused else sample_signature_png()
    return InquiryDoc(
        unit=UNIT,
        party=PARTY,
        started_at=T0 + timedelta(minutes=2),
        ended_at=T0 + timedelta(minutes=6),
        questioner=LEAD,
        recorder=None,
        qa=(
            (opening_statement(UNIT.name, "王强（警号010001）"), "听清楚了。"),
            ("你的姓名、身份证号码？", "张伟，11010519491231002X。"),
            ("2026年11月20日8时35分，鲁A12345号小型普通客车是否由你驾驶？", "是我驾驶的。"),
            ("你当时是否闯了红灯？", "当时信号灯刚变红，我没来得及停下。"),
            ("你还有什么要补充的吗？", "没有了。"),
        ),
        refused_to_answer=False,
        party_signature=SignatureSlot(refused=True) if refused else SignatureSlot(png),
        number="37010220260000001-1",
    )


def sample_notice(*, waived: bool = True) -> NoticeDoc:
    return NoticeDoc(
        unit=UNIT,
        party=PARTY,
        vehicle=VEHICLE,
        violations=(V_LIGHT,),
        proposed_fine=200,
        proposed_points=6,
        warning=False,
        statement=None if waived else "当时信号灯刚变红，来不及停车，请求从轻处罚。",
        waived=waived,
        review_result="经复核，当事人所述不影响违法事实的认定，维持拟处罚意见。",
        notified_at=T0 + timedelta(minutes=8),
        officers=(LEAD,),
        party_signature=SignatureSlot(sample_signature_png()),
        number="37010220260000001-2",
    )


def sample_service() -> ServiceConfirmationDoc:
    return ServiceConfirmationDoc(
        unit=UNIT,
        party=PARTY,
        document_name="公安交通管理简易程序处罚决定书",
        document_number="37010220260000001",
        channel="sms",
        address="13812341234",
        confirmed_at=T0 + timedelta(minutes=12, seconds=30),
        sent_at=None,  # signed at consent, before the SMS: the receipt records the sent time
        officer=LEAD,
        party_signature=SignatureSlot(sample_signature_png()),
    )


def sample_receipt(*, downloaded: bool = True) -> ServiceReceiptDoc:
    sent = T0 + timedelta(minutes=13, seconds=20)
    return ServiceReceiptDoc(
        unit=UNIT,
        party_name=PARTY.name,
        document_name="公安交通管理简易程序处罚决定书",
        document_number="37010220260000001",
        channel="sms",
        address_masked="138****1234",
        sent_at=sent,
        officer=LEAD,
        number="37010220260000001-4",
        provider_reference="SMS-20261205-0001",
        downloaded_at=T0 + timedelta(minutes=41, seconds=5) if downloaded else None,
        made_at=T0 + timedelta(minutes=41, seconds=6) if downloaded else sent,
    )


def sample_decision_roundtrip(workdir: Path) -> str:
    """Render, PDF/A, sign with a throwaway demo CA in ``workdir``, validate; raise on failure."""
    import time

    from officer_console.documents.democa import create_demo_pki
    from officer_console.documents.pdfa import make_pdfa
    from officer_console.documents.render import render
    from officer_console.documents.signing import Pkcs12Signer, validate_signature

    started = time.perf_counter()
    workdir.mkdir(parents=True, exist_ok=True)
    pki = create_demo_pki(workdir / "signing")
    doc = replace(sample_decision(), note="安装自检样本，非真实案件")
    pdf = make_pdfa(render(doc))
    signed = Pkcs12Signer(pki.unit_p12, pki.password).sign(pdf)
    (workdir / "sample-decision.pdf").write_bytes(signed.data)
    report = validate_signature(signed.data, [pki.ca_cert])
    if not report.valid:
        raise RuntimeError(f"样本决定书签名校验失败：{report.problem}")
    ms = (time.perf_counter() - started) * 1000
    return (
        f"样本决定书已生成、签名并校验通过（{len(signed.data)} 字节，{signed.level}，{ms:.0f} ms）"
    )
