"""Plain data the renderers take: no ORM rows, no Qt — a caller (wizard, tests, the sample)
builds these from whatever it has. Times are timezone-aware; the renderers print them in the
unit's local time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from officer_console.domain.procedure_records import ProcedureKind

__all__ = [
    "AuditStep",
    "AuditTrail",
    "DecisionDoc",
    "FileHash",
    "InquiryDoc",
    "NoticeDoc",
    "OfficerRef",
    "Party",
    "ServiceConfirmationDoc",
    "ServiceReceiptDoc",
    "SignatureSlot",
    "Unit",
    "VehicleRef",
    "ViolationFact",
]


@dataclass(frozen=True, slots=True)
class Unit:
    """The issuing unit (大队) and its per-unit legal configuration.

    ``review_body`` and ``court`` are configuration (``squads`` table), never hard-coded.
    ``seal_image`` is an optional PNG that IT configures instead of the drawn seal.
    """

    name: str  # 济南市公安局交通警察支队历下区大队
    division_code: str
    review_body: str
    court: str
    timezone: str = "Asia/Shanghai"
    seal_text: str = ""  # text on the seal's arc; defaults to ``name``
    seal_image: Path | None = None
    payment_channels: str = ""  # overrides the legal text's default channel list when set


@dataclass(frozen=True, slots=True)
class OfficerRef:
    name: str
    police_number: str


@dataclass(frozen=True, slots=True)
class Party:
    """当事人 as printed in full on the document (it is the party's own document)."""

    name: str
    id_number: str
    licence_number: str = ""
    licence_file_number: str = ""
    issuing_authority: str = ""
    licence_class: str = ""
    phone: str = ""
    address: str = ""


@dataclass(frozen=True, slots=True)
class VehicleRef:
    plate: str
    vehicle_type: str


@dataclass(frozen=True, slots=True)
class ViolationFact:
    occurred_at: datetime
    location: str
    behaviour: str
    code: str
    conduct_basis: str  # 违反的条款
    penalty_basis: str  # 依据的条款
    fine: int
    points: int


@dataclass(frozen=True, slots=True)
class SignatureSlot:
    """A party signature: a PNG image, or the explicit refusal note — never blank."""

    image_png: bytes | None = field(default=None, repr=False)
    refused: bool = False
    signed_at: datetime | None = None
    pending: bool = False  # a DRAFT shown before signing: prints 待当事人签名 (never signed/stored)

    def __post_init__(self) -> None:
        if self.pending and self.image_png is None and not self.refused:
            return
        if self.pending or (self.image_png is None) == (not self.refused):
            raise ValueError("a signature slot holds either an image or a refusal note")


@dataclass(frozen=True, slots=True)
class AuditStep:
    label: str  # 询问 / 告知 / 裁决 / 协办民警核签 / 确认 / 电子送达
    at: datetime
    officers: str  # "王强（010001）、李明（010002）": the officers who acted in this step
    note: str = ""


@dataclass(frozen=True, slots=True)
class FileHash:
    label: str  # 询问笔录 / 录像1 / 签名图像
    sha256: str
    size: int | None = None


@dataclass(frozen=True, slots=True)
class AuditTrail:
    """办案过程记录: what remote-notarisation platforms attach as a certificate page."""

    steps: tuple[AuditStep, ...]
    call_started_at: datetime | None
    call_ended_at: datetime | None
    recordings: tuple[FileHash, ...] = ()
    signature: FileHash | None = None
    documents: tuple[FileHash, ...] = ()
    service_sent_at: datetime | None = None
    workstation: str = ""


@dataclass(frozen=True, slots=True)
class DecisionDoc:
    """处罚决定书: simple (简易程序) or general (一般程序, two officers)."""

    kind: ProcedureKind
    number: str
    unit: Unit
    party: Party
    vehicle: VehicleRef
    violations: tuple[ViolationFact, ...]
    fine_total: int
    points_total: int
    warning: bool
    cycle_points_after: int
    place: str
    decided_at: datetime
    lead_officer: OfficerRef
    party_signature: SignatureSlot
    assist_officer: OfficerRef | None = None
    verification_url: str = ""
    note: str = ""
    audit: AuditTrail | None = None
    #: The evidence the decision rests on ([157] 49: printed on the general-procedure decision).
    evidence: tuple[str, ...] = ()
    #: How the decision is served after it was announced on video: "sms"/"mini_program"
    #: (electronic, with consent), "paper", or "" (not yet known: no service sentence).
    service_channel: str = ""

    def __post_init__(self) -> None:
        if not self.violations:
            raise ValueError("a decision needs at least one violation")
        if self.kind is ProcedureKind.GENERAL and self.assist_officer is None:
            raise ValueError("the general procedure needs two officers")


@dataclass(frozen=True, slots=True)
class InquiryDoc:
    """询问笔录 of a remote video inquiry."""

    unit: Unit
    party: Party
    started_at: datetime
    ended_at: datetime
    questioner: OfficerRef
    recorder: OfficerRef | None  # None: one officer asked and recorded (printed once)
    qa: tuple[tuple[str, str], ...]
    refused_to_answer: bool
    party_signature: SignatureSlot
    place: str = "远程视频"
    number: str = ""


@dataclass(frozen=True, slots=True)
class NoticeDoc:
    """行政处罚告知笔录."""

    unit: Unit
    party: Party
    vehicle: VehicleRef
    violations: tuple[ViolationFact, ...]
    proposed_fine: int
    proposed_points: int
    warning: bool
    statement: str | None
    waived: bool
    review_result: str
    notified_at: datetime
    officers: tuple[OfficerRef, ...]  # the officers who took part in the notice step
    party_signature: SignatureSlot
    number: str = ""
    hearing_requested: bool = False  # the party's answer, printed where a hearing applies


@dataclass(frozen=True, slots=True)
class ServiceConfirmationDoc:
    """送达地址确认书."""

    unit: Unit
    party: Party
    document_name: str
    document_number: str
    channel: str  # sms | mini_program
    address: str
    confirmed_at: datetime
    sent_at: datetime | None
    officer: OfficerRef
    party_signature: SignatureSlot


@dataclass(frozen=True, slots=True)
class ServiceReceiptDoc:
    """电子送达回证: made and signed after the SMS was accepted — what was sent, how, to where
    (masked), when it was sent and, once it happened, the first full download."""

    unit: Unit
    party_name: str
    document_name: str
    document_number: str
    channel: str  # sms | mini_program
    address_masked: str
    sent_at: datetime
    officer: OfficerRef
    number: str = ""
    provider_reference: str = ""  # the SMS provider's message id, when it gave one
    downloaded_at: datetime | None = None
    made_at: datetime | None = None  # defaults to ``sent_at``
    payment_due: bool = True  # a fine to pay: the receipt prints the payment deadline
