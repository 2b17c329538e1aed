"""What each procedure step records, as immutable, JSON-round-trippable dataclasses.

Kept apart from the state machine in :mod:`procedure` so that the rules there stay readable;
import them from either module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

__all__ = [
    "SERVICE_CHANNELS",
    "ConfirmationRecord",
    "HearingChoice",
    "InquiryRecord",
    "NoticeRecord",
    "ProcedureKind",
    "RulingRecord",
    "ServiceReceiptFacts",
    "ServiceRecord",
    "Step",
    "StepRecord",
]


class Step(StrEnum):
    """The five statutory steps, in order."""

    INQUIRY = "inquiry"
    NOTICE = "notice"
    RULING = "ruling"
    CONFIRMATION = "confirmation"
    SERVICE = "service"

    @property
    def label(self) -> str:
        return _STEP_LABELS[self]


_STEP_LABELS: Final = {
    Step.INQUIRY: "询问",
    Step.NOTICE: "告知",
    Step.RULING: "裁决",
    Step.CONFIRMATION: "确认",
    Step.SERVICE: "电子送达",
}


class ProcedureKind(StrEnum):
    SIMPLE = "simple"
    GENERAL = "general"

    @property
    def label(self) -> str:
        return "简易程序" if self is ProcedureKind.SIMPLE else "一般程序"


class HearingChoice(StrEnum):
    """What the party said about a hearing at the notice ([XZCF] 63-64).

    ``RESERVED``: entitled, neither requested nor waived — the party keeps the 5-day period,
    so the ruling waits for it to end (a party who lets it pass is taken to have waived).
    """

    NOT_APPLICABLE = "not_applicable"
    REQUESTED = "requested"
    WAIVED = "waived"
    RESERVED = "reserved"

    @property
    def label(self) -> str:
        return _HEARING_LABELS[self]


_HEARING_LABELS: Final = {
    HearingChoice.NOT_APPLICABLE: "不适用听证",
    HearingChoice.REQUESTED: "当事人要求听证",
    HearingChoice.WAIVED: "当事人明确放弃听证",
    HearingChoice.RESERVED: "当事人未放弃听证（待听证申请期限届满）",
}


#: E-service channels: the bound phone (SMS link) or the mini-program account.
SERVICE_CHANNELS: Final[dict[str, str]] = {"sms": "短信", "mini_program": "微信小程序"}


def _get(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    """Read a stored field, failing loudly on corrupt data instead of resuming wrongly."""
    value = data[key]
    if isinstance(value, bool) and kind is int:
        raise ValueError(f"stored field {key!r} should be an int, got a bool")
    if not isinstance(value, kind):
        raise ValueError(f"stored field {key!r} has type {type(value).__name__}")
    return value


def _get_datetime(data: Mapping[str, Any], key: str) -> datetime:
    value = datetime.fromisoformat(_get(data, key, str))
    if value.tzinfo is None:
        raise ValueError(f"stored field {key!r} is a naive datetime")
    return value


@dataclass(frozen=True, slots=True)
class InquiryRecord:
    identity_verified: bool
    qa: tuple[tuple[str, str], ...]
    refused: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "identity_verified": self.identity_verified,
            "qa": [[question, answer] for question, answer in self.qa],
            "refused": self.refused,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InquiryRecord:
        pairs = []
        for pair in _get(data, "qa", list):
            if not (
                isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
            ):
                raise ValueError("stored field 'qa' must hold [question, answer] pairs")
            pairs.append((pair[0], pair[1]))
        return cls(
            identity_verified=_get(data, "identity_verified", bool),
            qa=tuple(pairs),
            refused=_get(data, "refused", bool),
        )


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    proposed_fine: int
    proposed_points: int
    warning: bool
    statement: str | None
    waived: bool
    hearing_requested: bool
    hearing: HearingChoice = HearingChoice.NOT_APPLICABLE
    #: With ``HearingChoice.RESERVED``: the first moment a ruling may be made.
    ruling_not_before: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "proposed_fine": self.proposed_fine,
            "proposed_points": self.proposed_points,
            "warning": self.warning,
            "statement": self.statement,
            "waived": self.waived,
            "hearing_requested": self.hearing_requested,
            "hearing": self.hearing.value,
            "ruling_not_before": (
                self.ruling_not_before.isoformat() if self.ruling_not_before else None
            ),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NoticeRecord:
        # Snapshots saved before the hearing choice existed carry only hearing_requested.
        requested = _get(data, "hearing_requested", bool)
        fallback = HearingChoice.REQUESTED if requested else HearingChoice.NOT_APPLICABLE
        hearing = HearingChoice(data["hearing"]) if "hearing" in data else fallback
        wait = data.get("ruling_not_before")
        return cls(
            proposed_fine=_get(data, "proposed_fine", int),
            proposed_points=_get(data, "proposed_points", int),
            warning=_get(data, "warning", bool),
            statement=_get(data, "statement", (str, type(None))),
            waived=_get(data, "waived", bool),
            hearing_requested=requested,
            hearing=hearing,
            ruling_not_before=None if wait is None else _get_datetime(data, "ruling_not_before"),
        )


@dataclass(frozen=True, slots=True)
class RulingRecord:
    fine: int
    points: int
    warning: bool
    review_note: str
    assist_officer_id: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "fine": self.fine,
            "points": self.points,
            "warning": self.warning,
            "review_note": self.review_note,
            "assist_officer_id": self.assist_officer_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RulingRecord:
        assist = data["assist_officer_id"]
        if assist is not None:
            assist = _get(data, "assist_officer_id", int)
        return cls(
            fine=_get(data, "fine", int),
            points=_get(data, "points", int),
            warning=_get(data, "warning", bool),
            review_note=_get(data, "review_note", str),
            assist_officer_id=assist,
        )


@dataclass(frozen=True, slots=True)
class ConfirmationRecord:
    signed: bool
    refused_to_sign: bool

    def to_dict(self) -> dict[str, Any]:
        return {"signed": self.signed, "refused_to_sign": self.refused_to_sign}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConfirmationRecord:
        return cls(
            signed=_get(data, "signed", bool),
            refused_to_sign=_get(data, "refused_to_sign", bool),
        )


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    consent: bool
    channel: str
    address: str
    sent_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "consent": self.consent,
            "channel": self.channel,
            "address": self.address,
            "sent_at": self.sent_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ServiceRecord:
        return cls(
            consent=_get(data, "consent", bool),
            channel=_get(data, "channel", str),
            address=_get(data, "address", str),
            sent_at=_get_datetime(data, "sent_at"),
        )


StepRecord = InquiryRecord | NoticeRecord | RulingRecord | ConfirmationRecord | ServiceRecord


@dataclass(frozen=True, slots=True)
class ServiceReceiptFacts:
    """What the 电子送达回证 prints, as the store knows it after the SMS was accepted (plain
    values, so the store can hand it to the documents layer without importing it)."""

    unit: Mapping[str, str]  # name, division_code, review_body, court, timezone
    party_name: str
    decision_number: str
    decision_title: str  # 公安交通管理简易程序处罚决定书 / 公安交通管理行政处罚决定书
    channel: str  # sms | mini_program
    address_masked: str  # 138****1234
    sent_at: datetime
    officer: tuple[str, str]  # (name, police number) of the serving officer
    payment_due: bool = True
    provider_reference: str = ""
    downloaded_at: datetime | None = None
    made_at: datetime | None = None
