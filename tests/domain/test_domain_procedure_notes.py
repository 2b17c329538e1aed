"""Texts derived from the notice record: the default 复核意见, the co-sign summary, the notice
with warnings proposed, and the per-violation penalty check against the catalogue kind."""

from __future__ import annotations

import pytest

from officer_console.domain.errors import ValidationError
from officer_console.domain.penalties import PenaltyKind, check_violation_penalty
from officer_console.domain.procedure_notes import (
    RulingProposal,
    cosign_summary,
    default_review_note,
)
from officer_console.domain.procedure_records import HearingChoice
from officer_console.domain.procedure_text import ViolationFacts, notice_text, proposal_totals


def fact(vid: int, code: str, fine: int, points: int, kind: PenaltyKind) -> ViolationFacts:
    return ViolationFacts(
        violation_id=vid,
        code=code,
        behaviour="违反规定停放" if code == "1039" else "超速50%以上",
        occurred="2026年12月01日08时15分",
        location="经十路",
        fine=fine,
        points=points,
        fine_min=20 if kind.allows_warning else 200,
        fine_max=200 if kind.allows_warning else 2000,
        conduct_basis="《道路交通安全法》第五十六条",
        penalty_basis="《道路交通安全法》第九十三条",
        penalty_kind=kind.value,
    )


PARKING = fact(1, "1039", 200, 0, PenaltyKind.WARNING_OR_FINE)
SPEEDING = fact(2, "1721", 2000, 6, PenaltyKind.FINE)


def test_review_note_follows_what_was_recorded() -> None:
    waived = default_review_note(statement=None, waived=True)
    assert "放弃陈述、申辩" in waived and "维持拟处罚意见" in waived
    said = default_review_note(statement="我当时在送病人去医院，很着急", waived=False)
    assert "未提出新的" not in said and "送病人去医院" in said
    assert "不足以改变" in said
    lighter = default_review_note(statement="我只停了一分钟", waived=False, lighter=True)
    assert "予以采纳" in lighter and "维持" not in lighter
    long = default_review_note(statement="很" * 300, waived=False)
    assert "…" in long and len(long) < 200
    hearing = default_review_note(statement=None, waived=True, hearing=HearingChoice.WAIVED)
    assert hearing.endswith("当事人明确放弃听证。")
    warned = default_review_note(statement=None, waived=True, leniency_warned=True)
    assert "首违警告" in warned


def test_cosign_summary_shows_facts_statement_and_proposed_ruling() -> None:
    proposal = RulingProposal({2: 1500}, {2: 6}, (), "经复核，采纳部分申辩，减轻处罚。")
    text = cosign_summary(
        party_masked="张*",
        plate="鲁A12345",
        violations=[SPEEDING],
        statement="当时在送病人去医院",
        waived=False,
        hearing=HearingChoice.WAIVED,
        proposal=proposal,
    )
    for fragment in (
        "张*",
        "经十路",
        "代码1721",
        "送病人去医院",
        "明确放弃听证",
        "罚款1500元，记6分",
        "复核意见：经复核",
    ):
        assert fragment in text
    pending = cosign_summary(
        party_masked="张*",
        plate="鲁A12345",
        violations=[SPEEDING],
        statement=None,
        waived=True,
        hearing=HearingChoice.NOT_APPLICABLE,
        proposal=None,
    )
    assert "当事人明确放弃" in pending and "尚未填写" in pending and "听证" not in pending


def test_notice_proposes_a_warning_in_place_of_the_fine() -> None:
    fine, points, warning = proposal_totals([PARKING, SPEEDING], {1})
    assert (fine, points, warning) == (2000, 6, True)
    text = notice_text(
        party="张三",
        plate="鲁A12345",
        violations=[PARKING, SPEEDING],
        fine_total=fine,
        points_total=points,
        unit_name="济南市公安局交通警察支队",
        warned={1},
    )
    assert "拟给予警告，记0分" in text and "拟处罚款2000元" in text
    assert "其中1项拟给予警告" in text and "听证" in text
    only = notice_text(
        party="张三",
        plate="鲁A12345",
        violations=[PARKING],
        fine_total=0,
        points_total=0,
        unit_name="大队",
        warned={1},
    )
    assert "以上拟给予警告" in only and "拟处罚款" not in only and "听证" not in only


def test_old_case_snapshots_without_penalty_kind_read_as_fine_only() -> None:
    data = PARKING.to_dict()
    del data["penalty_kind"]
    assert not ViolationFacts.from_dict(data).allows_warning


@pytest.mark.parametrize(
    ("kind", "fine", "warning", "ok"),
    [
        (PenaltyKind.WARNING_OR_FINE, 0, True, True),  # 警告: 0 yuan is a warning, not an error
        (PenaltyKind.WARNING_OR_FINE, 0, False, False),
        (PenaltyKind.WARNING_OR_FINE, 100, False, True),
        (PenaltyKind.WARNING_OR_FINE, 10, False, False),  # below the range
        (PenaltyKind.WARNING, 0, True, True),
        (PenaltyKind.WARNING, 50, False, False),
        (PenaltyKind.FINE, 0, True, False),  # [DJF] 99 knows no warning
        (PenaltyKind.FINE, 500, False, True),
    ],
)
def test_violation_penalty_against_catalogue_kind(
    kind: PenaltyKind, fine: int, warning: bool, ok: bool
) -> None:
    def check() -> None:
        check_violation_penalty(
            kind, fine, warning=warning, fine_min=20, fine_max=2000, code="1039"
        )

    if ok:
        check()
    else:
        with pytest.raises(ValidationError, match="违法代码1039"):
            check()
