"""The statutory procedure as an immutable state machine: inquiry → notice → ruling →
confirmation → e-service, no step skippable or repeatable.

Every ``complete_*`` method checks the step order and the legal rules of that step and returns
a new :class:`CaseProcedure`; the store persists :meth:`CaseProcedure.to_dict` after each step
so a crashed console or a dropped call resumes exactly where it stopped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from officer_console.domain.errors import RuleViolation, ValidationError
from officer_console.domain.penalties import (
    HEARING_PERIOD_DAYS,
    POINTS_LIMIT,
    SIMPLE_PROCEDURE_MAX_FINE,
    hearing_right,
)
from officer_console.domain.procedure_records import (
    SERVICE_CHANNELS,
    ConfirmationRecord,
    HearingChoice,
    InquiryRecord,
    NoticeRecord,
    ProcedureKind,
    RulingRecord,
    ServiceRecord,
    Step,
    StepRecord,
)
from officer_console.domain.validators import validate_mobile, validate_text

__all__ = [
    "SERVICE_CHANNELS",
    "STEP_ORDER",
    "CaseProcedure",
    "ConfirmationRecord",
    "HearingChoice",
    "InquiryRecord",
    "NoticeRecord",
    "ProcedureKind",
    "RulingRecord",
    "ServiceRecord",
    "Step",
    "check_decision_deadline",
    "hearing_period_end",
    "procedure_kind",
]

STEP_ORDER: tuple[Step, ...] = tuple(Step)
_FORMAT_VERSION = 1


def procedure_kind(
    fine_total_yuan: int, *, suspension: bool = False, revocation: bool = False
) -> ProcedureKind:
    """Simple procedure up to 200 yuan, general above ([157] 43).

    Suspension or revocation needs the physical licence handed in, so it cannot be done
    remotely at all.
    """
    if suspension or revocation:
        raise RuleViolation(
            "暂扣或吊销驾驶证须收缴实体驾驶证，不能远程办理，请告知当事人到交警大队窗口办理",
            code="remote_not_allowed",
        )
    if fine_total_yuan < 0:
        raise ValidationError("fine", "罚款金额不能为负数")
    if fine_total_yuan > SIMPLE_PROCEDURE_MAX_FINE:
        return ProcedureKind.GENERAL
    return ProcedureKind.SIMPLE


def check_decision_deadline(accepted_at: datetime, now: datetime, hours: int = 24) -> None:
    """A fine must be decided within 24 hours of the party accepting processing ([157] 51)."""
    if now - accepted_at > timedelta(hours=hours):
        raise RuleViolation(
            f"已超过当事人接受处理后{hours}小时的决定期限，不能继续作出处罚决定，请报告带班领导",
            code="decision_deadline_passed",
        )


def hearing_period_end(
    notified_at: datetime, tz: tzinfo, days: int = HEARING_PERIOD_DAYS
) -> datetime:
    """First moment after the hearing-request period: "告知后五日内" does not count the day of
    the notice and runs to the end of the fifth local day ([XZCF] 64(1)) — *unverified*
    day-counting convention, kept in this one function."""
    _aware("notified_at", notified_at)
    local_day = notified_at.astimezone(tz).date()
    return datetime.combine(local_day + timedelta(days=days + 1), time(0), tzinfo=tz)


def _hearing_choice(
    entitled: bool, hearing: HearingChoice | None, hearing_requested: bool
) -> HearingChoice:
    if hearing_requested:
        if hearing not in (None, HearingChoice.REQUESTED):
            raise ValidationError("hearing", "听证选择前后矛盾，请重新选择")
        hearing = HearingChoice.REQUESTED
    if not entitled:
        if hearing in (None, HearingChoice.NOT_APPLICABLE):
            return HearingChoice.NOT_APPLICABLE
        raise ValidationError("hearing_requested", "拟罚款不足2000元，当事人不享有听证权利")
    if hearing in (None, HearingChoice.NOT_APPLICABLE):
        raise ValidationError(
            "hearing",
            "拟罚款达到2000元，当事人享有听证权利：请记录当事人要求听证、明确放弃听证，"
            "或未放弃（裁决须待五日听证申请期限届满）",
        )
    return hearing


def _check_amounts(fine: int, points: int, prefix: str) -> None:
    if isinstance(fine, bool) or not isinstance(fine, int) or fine < 0:
        raise ValidationError(f"{prefix}fine", "罚款金额应为不小于0的整数（元）")
    if isinstance(points, bool) or not isinstance(points, int) or not 0 <= points <= POINTS_LIMIT:
        raise ValidationError(f"{prefix}points", f"记分应为0至{POINTS_LIMIT}分")


def _aware(name: str, value: datetime | None) -> None:
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


@dataclass(frozen=True, slots=True)
class CaseProcedure:
    """Where one case stands in the procedure and what every completed step recorded."""

    kind: ProcedureKind
    lead_officer_id: int
    assist_officer_id: int | None = None
    cycle_points_before: int = 0
    accepted_at: datetime | None = None
    inquiry: InquiryRecord | None = None
    notice: NoticeRecord | None = None
    ruling: RulingRecord | None = None
    confirmation: ConfirmationRecord | None = None
    service: ServiceRecord | None = None

    def __post_init__(self) -> None:
        # Structural integrity only (also guards from_dict): records must form a prefix.
        present = [record is not None for record in self._records()]
        if any(present[i + 1] and not present[i] for i in range(len(present) - 1)):
            raise ValueError("procedure records must be completed in order without gaps")
        if self.cycle_points_before < 0:
            raise ValueError("cycle_points_before must not be negative")
        _aware("accepted_at", self.accepted_at)

    @classmethod
    def start(
        cls,
        kind: ProcedureKind,
        lead_officer_id: int,
        *,
        assist_officer_id: int | None = None,
        cycle_points_before: int = 0,
        accepted_at: datetime | None = None,
    ) -> CaseProcedure:
        """Open a procedure; a driver already at 12 points cannot be handled remotely."""
        procedure = cls(kind, lead_officer_id, assist_officer_id, 0, accepted_at)
        return procedure.with_cycle_points_before(cycle_points_before)

    def _records(self) -> tuple[StepRecord | None, ...]:
        return (self.inquiry, self.notice, self.ruling, self.confirmation, self.service)

    @property
    def completed_steps(self) -> tuple[Step, ...]:
        return tuple(s for s, r in zip(STEP_ORDER, self._records(), strict=True) if r is not None)

    @property
    def next_step(self) -> Step | None:
        done = len(self.completed_steps)
        return STEP_ORDER[done] if done < len(STEP_ORDER) else None

    @property
    def is_complete(self) -> bool:
        return self.next_step is None

    @property
    def notified_fine(self) -> int | None:
        return self.notice.proposed_fine if self.notice else None

    @property
    def notified_points(self) -> int | None:
        return self.notice.proposed_points if self.notice else None

    @property
    def ruling_fine(self) -> int | None:
        return self.ruling.fine if self.ruling else None

    @property
    def ruling_points(self) -> int | None:
        return self.ruling.points if self.ruling else None

    def _expect(self, step: Step) -> None:
        expected = self.next_step
        if expected is None:
            raise RuleViolation(
                f"办案程序已全部完成，不能再进行「{step.label}」", code="step_out_of_order"
            )
        if expected is not step:
            raise RuleViolation(
                f"当前应进行「{expected.label}」步骤，不能进行「{step.label}」；"
                "各步骤须依次完成，不能跳过或重复",
                code="step_out_of_order",
            )

    def with_cycle_points_before(self, points: int) -> CaseProcedure:
        """Refresh the running points total; only meaningful until the ruling is made."""
        if self.ruling is not None:
            raise RuleViolation("裁决已作出，不能再修改累积记分", code="step_out_of_order")
        if points < 0:
            raise ValidationError("cycle_points_before", "累积记分不能为负数")
        if points >= POINTS_LIMIT:
            raise RuleViolation(
                f"当事人本记分周期累积记分已达{points}分，须参加学习、考试，不能远程办理",
                code="points_reach_12",
            )
        return replace(self, cycle_points_before=points)

    def complete_inquiry(
        self, identity_verified: bool, qa: Sequence[tuple[str, str]], refused: bool = False
    ) -> CaseProcedure:
        """Identity is verified on video first ([GAXZ] 120); a refusal to answer is noted."""
        self._expect(Step.INQUIRY)
        if not identity_verified:
            raise RuleViolation("须先核验当事人身份，方可询问", code="identity_not_verified")
        pairs = []
        for question, answer in qa:
            pairs.append(
                (
                    validate_text("qa", question, 500, label="询问问题"),
                    validate_text("qa", answer, 2000, required=not refused, label="当事人回答"),
                )
            )
        if not pairs and not refused:
            raise ValidationError("qa", "请记录询问笔录（至少一问一答），或注明当事人拒绝回答")
        return replace(self, inquiry=InquiryRecord(True, tuple(pairs), refused))

    def complete_notice(
        self,
        proposed_fine: int,
        proposed_points: int,
        warning: bool,
        statement: str | None,
        waived: bool,
        *,
        hearing: HearingChoice | None = None,
        hearing_requested: bool = False,
        notified_at: datetime | None = None,
        tz: tzinfo | None = None,
    ) -> CaseProcedure:
        """Notice of facts, basis, proposed penalty and points ([163] 13) and of the rights.

        From 2000 yuan the party's hearing choice is required ([XZCF] 63-64): a request ends
        remote handling (no statement is demanded for it); a waiver is recorded; a party who
        neither requests nor waives keeps the 5-day period and the ruling waits for its end
        (``notified_at`` and the unit's ``tz`` are then required).
        """
        self._expect(Step.NOTICE)
        _check_amounts(proposed_fine, proposed_points, "proposed_")
        if proposed_fine == 0 and not warning:
            raise ValidationError("proposed_fine", "拟作出的处罚应为罚款或警告，至少选择一项")
        if self.kind is ProcedureKind.SIMPLE and proposed_fine > SIMPLE_PROCEDURE_MAX_FINE:
            raise RuleViolation(
                f"罚款超过{SIMPLE_PROCEDURE_MAX_FINE}元须适用一般程序，本案为简易程序",
                code="procedure_kind_mismatch",
            )
        choice = _hearing_choice(hearing_right(proposed_fine), hearing, hearing_requested)
        if choice is HearingChoice.REQUESTED:
            raise RuleViolation(
                "当事人要求听证，本案不能远程办理，请按听证程序转窗口办理", code="hearing_requested"
            )
        text = validate_text("statement", statement, 5000, required=False, label="陈述申辩")
        if not text and not waived:
            raise ValidationError(
                "statement", "请记录当事人的陈述、申辩，或注明当事人放弃陈述、申辩"
            )
        wait_until = None
        if choice is HearingChoice.RESERVED:
            if notified_at is None or tz is None:
                raise ValueError("notified_at and tz are required when the hearing is reserved")
            wait_until = hearing_period_end(notified_at, tz)
        record = NoticeRecord(
            proposed_fine,
            proposed_points,
            warning,
            text or None,
            waived,
            False,
            hearing=choice,
            ruling_not_before=wait_until,
        )
        return replace(self, notice=record)

    def complete_ruling(
        self,
        fine: int,
        points: int,
        warning: bool,
        review_note: str,
        assist_officer_id: int | None,
        *,
        now: datetime | None = None,
    ) -> CaseProcedure:
        """Ruling after review (复核); never heavier than the notice ([XZCF] 45).

        ``assist_officer_id`` (or the one given at :meth:`start`) is mandatory for the general
        procedure ([157] 48). Passing ``now`` also enforces the 24-hour decision limit; when
        the party kept the hearing period open, ``now`` is required, the ruling waits for the
        period's end and the 24 hours count from there.
        """
        self._expect(Step.RULING)
        assert self.notice is not None
        wait_until = self.notice.ruling_not_before
        if self.notice.hearing is HearingChoice.RESERVED:
            if now is None or wait_until is None:
                raise ValueError("a ruling after a reserved hearing right needs now")
            if now < wait_until:
                raise RuleViolation(
                    "当事人未放弃听证，须待听证申请期限届满"
                    f"（{wait_until:%Y年%m月%d日%H时%M分}起）方可裁决；"
                    "期间当事人要求听证的，转窗口按听证程序办理",
                    code="hearing_period_running",
                )
        _check_amounts(fine, points, "")
        if fine == 0 and not warning:
            raise ValidationError("fine", "裁决应为罚款或警告，至少选择一项")
        notice = self.notice
        # A warning that was not notified only stands in place of (part of) the fine.
        added_warning = warning and not notice.warning and fine >= notice.proposed_fine
        if fine > notice.proposed_fine or points > notice.proposed_points or added_warning:
            raise RuleViolation(
                f"裁决不得重于告知的拟处罚（罚款{notice.proposed_fine}元、记{notice.proposed_points}分"
                f"{'、警告' if notice.warning else ''}），不得因当事人陈述申辩而加重处罚",
                code="ruling_exceeds_notice",
            )
        note = validate_text("review_note", review_note, 2000, label="复核意见")
        assist = assist_officer_id if assist_officer_id is not None else self.assist_officer_id
        if assist is not None and assist == self.lead_officer_id:
            raise RuleViolation("协办民警不能与主办民警为同一人", code="assist_officer_same")
        if self.kind is ProcedureKind.GENERAL and assist is None:
            raise RuleViolation(
                "一般程序须由两名民警办理，请指定协办民警", code="assist_officer_required"
            )
        total = self.cycle_points_before + points
        if total >= POINTS_LIMIT:
            raise RuleViolation(
                f"当事人本周期已记{self.cycle_points_before}分，本次记{points}分后累积达到{total}分，"
                "须参加学习、考试，不能远程办理",
                code="points_reach_12",
            )
        if now is not None and self.accepted_at is not None:
            start = max(self.accepted_at, wait_until) if wait_until else self.accepted_at
            check_decision_deadline(start, now)
        record = RulingRecord(fine, points, warning, note, assist)
        return replace(self, ruling=record, assist_officer_id=assist)

    def complete_confirmation(self, signed: bool, refused_to_sign: bool) -> CaseProcedure:
        """The party signs, or the refusal to sign is noted on the document ([157] 44)."""
        self._expect(Step.CONFIRMATION)
        if signed == refused_to_sign:
            raise ValidationError(
                "signed", "请选择当事人已签名确认，或注明当事人拒绝签名（二者选一）"
            )
        return replace(self, confirmation=ConfirmationRecord(signed, refused_to_sign))

    def complete_service(
        self, consent: bool, channel: str, address: str, sent_at: datetime
    ) -> CaseProcedure:
        """E-service needs consent and a confirmed channel/address ([XZCF] 61, [157] 20)."""
        self._expect(Step.SERVICE)
        if not consent:
            raise RuleViolation(
                "当事人未同意电子送达，不能电子送达，请改用其他方式送达",
                code="service_consent_required",
            )
        if channel not in SERVICE_CHANNELS:
            raise ValidationError("channel", f"不支持的送达方式“{channel}”")
        if channel == "sms":
            address = validate_mobile(address)
        else:
            address = validate_text("address", address, 200, label="送达地址", multiline=False)
        if sent_at.utcoffset() is None:
            raise ValueError("sent_at must be timezone-aware")
        if self.accepted_at is not None and sent_at < self.accepted_at:
            raise ValidationError("sent_at", "送达时间不能早于当事人接受处理的时间")
        return replace(self, service=ServiceRecord(True, channel, address, sent_at))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe snapshot for the store (only the completed steps are present)."""
        steps = {
            step.value: record.to_dict()
            for step, record in zip(STEP_ORDER, self._records(), strict=True)
            if record is not None
        }
        return {
            "version": _FORMAT_VERSION,
            "kind": self.kind.value,
            "lead_officer_id": self.lead_officer_id,
            "assist_officer_id": self.assist_officer_id,
            "cycle_points_before": self.cycle_points_before,
            "accepted_at": self.accepted_at.isoformat() if self.accepted_at else None,
            "steps": steps,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CaseProcedure:
        """Inverse of :meth:`to_dict`; corrupt data raises ``ValueError`` rather than guessing."""
        if data.get("version") != _FORMAT_VERSION:
            raise ValueError(f"unsupported procedure format version {data.get('version')!r}")
        steps = data["steps"]
        if not isinstance(steps, Mapping) or not set(steps) <= {s.value for s in Step}:
            raise ValueError("stored procedure steps are malformed")
        accepted = data["accepted_at"]
        return cls(
            kind=ProcedureKind(data["kind"]),
            lead_officer_id=int(data["lead_officer_id"]),
            assist_officer_id=None
            if data["assist_officer_id"] is None
            else int(data["assist_officer_id"]),
            cycle_points_before=int(data["cycle_points_before"]),
            accepted_at=None if accepted is None else datetime.fromisoformat(accepted),
            inquiry=InquiryRecord.from_dict(steps["inquiry"]) if "inquiry" in steps else None,
            notice=NoticeRecord.from_dict(steps["notice"]) if "notice" in steps else None,
            ruling=RulingRecord.from_dict(steps["ruling"]) if "ruling" in steps else None,
            confirmation=(
                ConfirmationRecord.from_dict(steps["confirmation"])
                if "confirmation" in steps
                else None
            ),
            service=ServiceRecord.from_dict(steps["service"]) if "service" in steps else None,
        )
