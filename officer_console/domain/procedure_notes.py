"""Texts derived from what the notice recorded: the 复核意见 the ruling page starts from, and
the summary a co-signing officer reads before approving a general-procedure ruling.

The review note must follow the record ([XZCF] 45: the statement is reviewed, the penalty not
increased because of it): a note saying the party "raised nothing new" after he made a
statement would contradict the notice record. The co-signer approves a ruling, so he must see
its facts, what the party said and the ruling proposed ([157] 48, [XZCF] 42).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from officer_console.domain.procedure_records import HearingChoice
from officer_console.domain.procedure_text import ViolationFacts

__all__ = ["QUOTE_MAX", "RulingProposal", "cosign_summary", "default_review_note"]

#: How much of the statement the default note and the co-sign summary quote.
QUOTE_MAX: Final = 60


def _quote(statement: str) -> str:
    flat = " ".join(statement.split())
    return flat if len(flat) <= QUOTE_MAX else flat[: QUOTE_MAX - 1] + "…"


def default_review_note(
    *,
    statement: str | None,
    waived: bool,
    hearing: HearingChoice = HearingChoice.NOT_APPLICABLE,
    lighter: bool = False,
    leniency_warned: bool = False,
) -> str:
    """The pre-filled 复核意见 (the officer edits it; it is only a starting point).

    ``lighter``: the ruling the page proposes is lighter than the notice (the defence was
    accepted in part); ``leniency_warned``: the notice proposed 首违警告.
    """
    parts = []
    if statement and statement.strip():
        quoted = _quote(statement)
        if lighter:
            parts.append(
                f"经复核，当事人陈述、申辩称“{quoted}”，其理由部分成立，予以采纳，减轻处罚。"
            )
        else:
            parts.append(
                f"经复核，当事人陈述、申辩称“{quoted}”，所提事实、理由和证据不足以改变违法事实的认定，"
                "维持拟处罚意见。"
            )
    elif waived:
        parts.append("当事人明确放弃陈述、申辩，经复核，违法事实清楚、证据确凿，")
        parts.append("依法予以减轻。" if lighter else "维持拟处罚意见。")
    if hearing is HearingChoice.WAIVED:
        parts.append("当事人明确放弃听证。")
    elif hearing is HearingChoice.RESERVED:
        parts.append("当事人在听证申请期限内未要求听证。")
    if leniency_warned:
        parts.append("符合首违警告条件，给予警告。")
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class RulingProposal:
    """The ruling the lead officer asks the co-signer to approve (per violation id)."""

    fines: Mapping[int, int]
    points: Mapping[int, int]
    warned: Collection[int]
    review_note: str

    @property
    def fine_total(self) -> int:
        return sum(self.fines.values())

    @property
    def points_total(self) -> int:
        return sum(self.points.values())


def cosign_summary(
    *,
    party_masked: str,
    plate: str,
    violations: Sequence[ViolationFacts],
    statement: str | None,
    waived: bool,
    hearing: HearingChoice,
    proposal: RulingProposal | None,
) -> str:
    """Facts, statement and proposed ruling as the approver reads them (names masked)."""
    lines = [f"当事人：{party_masked}　号牌：{plate}", "违法事实："]
    for i, v in enumerate(violations, 1):
        lines.append(f"{i}. {v.occurred}在{v.location}，{v.behaviour}（代码{v.code}）")
    if statement and statement.strip():
        lines.append(f"陈述申辩：{_quote(statement)}")
    elif waived:
        lines.append("陈述申辩：当事人明确放弃")
    else:
        lines.append("陈述申辩：（尚未告知）")
    if hearing is not HearingChoice.NOT_APPLICABLE:
        lines.append(f"听证：{hearing.label}")
    if proposal is None:
        lines.append("拟裁决：（主办民警尚未填写）")
        return "\n".join(lines)
    lines.append("拟裁决：")
    for v in violations:
        fine = proposal.fines.get(v.violation_id, 0)
        pts = proposal.points.get(v.violation_id, 0)
        penalty = "警告" if v.violation_id in proposal.warned else f"罚款{fine}元"
        lines.append(f"  代码{v.code}：{penalty}，记{pts}分")
    lines.append(f"  合计：罚款{proposal.fine_total}元，记{proposal.points_total}分")
    if proposal.review_note.strip():
        lines.append(f"复核意见：{proposal.review_note.strip()}")
    return "\n".join(lines)
