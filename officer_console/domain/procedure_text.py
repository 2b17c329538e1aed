"""Texts the wizard puts in front of the officer and the citizen: templated inquiry questions
per violation and the notice (告知) read along on the citizen's phone.

Pure functions of plain data so the store, the GUI and the documents render the same words.
The notice covers what [163] 13 and [XZCF] 44, 63 require: facts, reasons, basis, proposed
fine **and points**, the right to state and defend, and the hearing right from 2000 yuan.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Final

from officer_console.domain.penalties import PenaltyKind, hearing_right

__all__ = [
    "NOTICE_MAX_CHARS",
    "ViolationFacts",
    "inquiry_questions",
    "notice_text",
    "proposal_totals",
]

#: The citizen page and the signaling relay accept notices up to this length.
NOTICE_MAX_CHARS: Final = 8000


@dataclass(frozen=True, slots=True)
class ViolationFacts:
    """One violation of the case with its catalogue text and range (fines in whole yuan)."""

    violation_id: int
    code: str
    behaviour: str
    occurred: str  # local time, "2026年12月01日08时15分"
    location: str
    fine: int  # the recorded (proposed) fine
    points: int
    fine_min: int
    fine_max: int
    conduct_basis: str
    penalty_basis: str
    penalty_kind: str = PenaltyKind.FINE.value  # what the article allows (catalogue)

    @property
    def allows_warning(self) -> bool:
        return PenaltyKind(self.penalty_kind).allows_warning

    def to_dict(self) -> dict[str, Any]:
        return {
            "violation_id": self.violation_id,
            "code": self.code,
            "behaviour": self.behaviour,
            "occurred": self.occurred,
            "location": self.location,
            "fine": self.fine,
            "points": self.points,
            "fine_min": self.fine_min,
            "fine_max": self.fine_max,
            "conduct_basis": self.conduct_basis,
            "penalty_basis": self.penalty_basis,
            "penalty_kind": self.penalty_kind,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ViolationFacts:
        # Cases opened before warnings were catalogued have no penalty_kind: fine only.
        return cls(**{k: data[k] for k in cls.__slots__ if k in data})


def inquiry_questions(violations: Sequence[ViolationFacts]) -> list[str]:
    """Sensible default questions (editable by the officer): identity, then per violation."""
    questions = [
        "我们是交警大队民警，现依法对你进行询问，你有申请回避的权利，应当如实回答。你是否听清楚？",
        "请说明你的姓名、身份证号码和联系电话。",
    ]
    for v in violations:
        questions.append(
            f"{v.occurred}，在{v.location}，你驾驶的机动车是否存在“{v.behaviour}”"
            f"（代码{v.code}）的行为？当时是谁驾驶？"
        )
        questions.append("对该违法行为的事实和证据，你是否有异议？")
    questions.append("以上笔录是否与你所述一致？")
    return questions


def notice_text(
    *,
    party: str,
    plate: str,
    violations: Sequence[ViolationFacts],
    fine_total: int,
    points_total: int,
    unit_name: str,
    warned: Collection[int] = (),
) -> str:
    """The 行政处罚告知 text; capped at :data:`NOTICE_MAX_CHARS`.

    ``warned``: violation ids proposed as 警告 (first-violation leniency) instead of a fine;
    ``fine_total`` is then the fines of the others (it decides the hearing right).
    """
    lines = [f"{party}：", "现依法告知你拟作出行政处罚的事实、理由、依据及你享有的权利："]
    for i, v in enumerate(violations, 1):
        penalty = "拟给予警告" if v.violation_id in warned else f"拟处罚款{v.fine}元"
        lines.append(
            f"{i}. 你驾驶{plate}于{v.occurred}在{v.location}实施“{v.behaviour}”（代码{v.code}）"
            f"的违法行为，违反了{v.conduct_basis}，依据{v.penalty_basis}，"
            f"{penalty}，记{v.points}分。"
        )
    if warned and len(warned) == len(violations):
        lines.append(f"以上拟给予警告，合计记{points_total}分。")
    elif warned:
        lines.append(
            f"合计拟处罚款{fine_total}元，记{points_total}分；其中{len(warned)}项拟给予警告。"
        )
    else:
        lines.append(f"合计拟处罚款{fine_total}元，记{points_total}分。")
    lines.append(
        "你有权进行陈述和申辩；对你提出的事实、理由和证据，公安机关交通管理部门将进行复核，不会因你的申辩而加重处罚。"
    )
    if hearing_right(fine_total):
        lines.append("拟罚款数额达到二千元，你有权要求举行听证，可以在被告知之日起五日内提出。")
    lines.append(f"告知单位：{unit_name}")
    return "\n".join(lines)[:NOTICE_MAX_CHARS]


def proposal_totals(
    violations: Sequence[ViolationFacts], warned: Collection[int]
) -> tuple[int, int, bool]:
    """The notice's proposal: (fine total, points total, any warning); a warned violation
    proposes 警告 in place of its fine, its points stay."""
    fine = sum(v.fine for v in violations if v.violation_id not in warned)
    points = sum(v.points for v in violations)
    return fine, points, any(v.violation_id in warned for v in violations)
