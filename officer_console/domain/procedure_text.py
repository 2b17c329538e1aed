"""Texts the wizard puts in front of the officer and the citizen: templated inquiry questions
per violation and the notice (告知) read along on the citizen's phone.

Pure functions of plain data so the store, the GUI and the documents render the same words.
The notice covers what [163] 13 and [XZCF] 44, 63 require: facts, reasons, basis, proposed
fine **and points**, the right to state and defend, and the hearing right from 2000 yuan.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Final

from officer_console.domain.penalties import PenaltyKind, hearing_right

__all__ = [
    "NOTICE_MAX_CHARS",
    "RECORD_SUFFIXES",
    "ViolationFacts",
    "behaviour_phrase",
    "default_review_body",
    "inquiry_questions",
    "notice_text",
    "opening_statement",
    "proposal_totals",
    "record_number",
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


#: Record numbers: the decision number of the case plus a suffix per record, so a record is
#: never mistaken for the decision (the verification page names what was uploaded).
RECORD_SUFFIXES: Final[dict[str, str]] = {
    "inquiry_record": "-1",
    "notice_record": "-2",
    "service_confirm": "-3",
    "eservice_receipt": "-4",
}


def record_number(decision_number: str, kind: str) -> str:
    """The number printed on a record of the case (``decision`` keeps the decision's own)."""
    if not decision_number:
        return ""
    return decision_number + RECORD_SUFFIXES.get(kind, "")


def behaviour_phrase(behaviour: str) -> str:
    """The catalogue's behaviour (often ending in 的, "超过规定时速未达20%的") as it reads before
    "（代码…）的违法行为": one 的, not two."""
    return behaviour.strip().removesuffix("的")


_UNIT = re.compile(r"^(?P<city>.+?市)公安局交通警察支队(?P<district>.+?[区县市])大队$")


def default_review_body(unit_name: str) -> str:
    """The review body when a squad has none configured (DOMAIN.md: since the revised 行政复议法,
    in force 2024-01-01, the people's government of the level the unit serves): a 大队 named
    "…市公安局交通警察支队××区大队" → "…市××区人民政府"; otherwise "" (the admin must set it)."""
    match = _UNIT.match(unit_name.strip())
    if match is None:
        return ""
    return f"{match['city']}{match['district']}人民政府"


def opening_statement(unit_name: str = "", officers: str = "") -> str:
    """The rights statement the officer reads before the questions ([GAXZ]: who the officers
    are, recusal, the duty to answer truthfully, the recording). It is the wizard's first
    question: the record prints it once, as read, with the answer given."""
    who = f"我们是{unit_name}的民警{officers}" if unit_name else "我们是交警大队民警"
    return (
        f"{who}，现依法对你进行询问，询问全过程同步录音录像。你有申请办案民警回避的权利，"
        "有陈述和申辩的权利；你应当如实回答询问，对与本案无关的问题有拒绝回答的权利。你听清楚了吗？"
    )


def inquiry_questions(
    violations: Sequence[ViolationFacts], *, unit_name: str = "", officers: str = ""
) -> list[str]:
    """Sensible default questions (editable by the officer): the rights statement, identity,
    then per violation."""
    questions = [
        opening_statement(unit_name, officers),
        "请说明你的姓名、身份证号码和联系电话。",
    ]
    for v in violations:
        questions.append(
            f"{v.occurred}，在{v.location}，你驾驶的机动车是否存在“{behaviour_phrase(v.behaviour)}”"
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
            f"{i}. 你驾驶{plate}于{v.occurred}在{v.location}实施“{behaviour_phrase(v.behaviour)}”（代码{v.code}）"
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
