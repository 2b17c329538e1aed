"""First-violation leniency (首违警告): the list as versioned data, assessment and decisions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from officer_console.domain.catalogue import lookup, parse_catalogue_csv
from officer_console.domain.errors import RuleViolation, ValidationError
from officer_console.domain.leniency import (
    Condition,
    LeniencyAssessment,
    assess,
    check_decision,
    decisions_needed,
    parse_leniency_toml,
    pick_list,
    window_start,
)

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
SHIPPED = RESOURCES / "leniency" / "37-2024-01-01.toml"


def toml(
    region: str = "37", start: str = "2024-01-01", version: str = "v1", rules: str = ""
) -> str:
    body = rules or '[[rule]]\ncode = "1039"\nconditions = ["first_in_12_months", "no_accident"]\n'
    meta = f'[meta]\nregion = "{region}"\nversion = "{version}"\neffective_from = {start}\n'
    return meta + 'title = "测试清单"\n\n' + body


def test_shipped_shandong_list_parses_and_names_catalogue_codes_that_allow_a_warning() -> None:
    lst = parse_leniency_toml(SHIPPED.read_text(encoding="utf-8"))
    assert lst.region == "37" and lst.effective_from == date(2024, 1, 1)
    assert "1039" in lst.rules and lst.covers("370100") and not lst.covers("110100")
    catalogue = parse_catalogue_csv(
        (RESOURCES / "catalogue" / "violations_370100.csv").read_text(encoding="utf-8")
    )
    for code in lst.rules:  # a list naming a fine-only code would propose an unlawful warning
        entry = lookup(catalogue, "370100", code, date(2024, 6, 1))
        assert entry.penalty_kind.allows_warning, code


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("not toml [", "TOML"),
        ('[meta]\nregion = "x"\nversion = "1"\neffective_from = 2024-01-01\n', "region"),
        ('[meta]\nregion = "37"\nversion = ""\neffective_from = 2024-01-01\n', "version"),
        ('[meta]\nregion = "37"\nversion = "1"\neffective_from = "soon"\n', "effective_from"),
        (toml(rules='[[rule]]\ncode = "12"\nconditions = ["no_accident"]\n'), "4至5位"),
        (toml(rules='[[rule]]\ncode = "1039"\nconditions = []\n'), "conditions"),
        (toml(rules='[[rule]]\ncode = "1039"\nconditions = ["lucky"]\n'), "未知条件"),
        (
            toml(rules='[[rule]]\ncode = "1039"\nconditions = ["no_accident"]\n' * 2),
            "重复",
        ),
    ],
)
def test_bad_lists_are_refused_in_chinese(text: str, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        parse_leniency_toml(text)


def test_the_list_in_force_is_the_most_specific_then_the_newest() -> None:
    old = parse_leniency_toml(toml(version="2023", start="2023-01-01"))
    new = parse_leniency_toml(toml(version="2024", start="2024-07-01"))
    city = parse_leniency_toml(toml(region="3701", version="济南", start="2024-09-01"))
    lists = [old, new, city]
    assert pick_list(lists, "370100", date(2023, 6, 1)) is old
    assert pick_list(lists, "370100", date(2024, 7, 1)) is new
    assert pick_list(lists, "370100", date(2024, 9, 1)) is city
    assert pick_list(lists, "370200", date(2024, 9, 1)) is new
    assert pick_list(lists, "110100", date(2024, 9, 1)) is None
    assert pick_list(lists, "370100", date(2022, 12, 31)) is None


def test_window_start_is_twelve_months_back() -> None:
    assert window_start(date(2024, 6, 11)) == date(2023, 6, 11)
    assert window_start(date(2024, 2, 29)) == date(2023, 2, 28)


def test_first_violation_is_proposed_and_a_prior_one_rules_it_out() -> None:
    lst = parse_leniency_toml(toml())
    first = assess(lst, 7, "1039", prior_same_code=0)
    assert first is not None and first.proposed
    assert [c.status for c in first.checks] == ["met", "officer"]
    assert "近12个月内无同类违法记录（系统核查）" in first.default_reason
    assert "未造成道路交通事故（民警核实）" in first.default_reason
    assert [c.text for c in first.checks][1] == "未造成道路交通事故（须民警核实）"
    again = assess(lst, 7, "1039", prior_same_code=1)
    assert again is not None and not again.proposed
    assert again.default_reason.startswith(
        "不适用首违警告：近12个月内无同类违法记录（系统核查：不符合）"
    )
    assert assess(lst, 7, "1625", prior_same_code=0) is None  # not on the list
    assert assess(None, 7, "1039", prior_same_code=0) is None  # no list in force
    assert LeniencyAssessment.from_dict(first.to_dict()) == first


def test_officer_decisions_need_reasons_and_cannot_override_the_records() -> None:
    lst = parse_leniency_toml(toml())
    first = assess(lst, 7, "1039", prior_same_code=0)
    again = assess(lst, 8, "1039", prior_same_code=2)
    assert first is not None and again is not None
    assert check_decision(first, True, "首次违法，未造成事故").applies
    refused = check_decision(first, False, "当事人称当时造成了剐蹭")  # officer: condition fails
    assert not refused.applies and "剐蹭" in refused.reason
    with pytest.raises(ValidationError, match="首违警告理由"):
        check_decision(first, True, "   ")
    with pytest.raises(RuleViolation) as info:
        check_decision(again, True, "民警认为可以从轻")
    assert info.value.code == "leniency_not_allowed"
    assert decisions_needed([first, again], {7: (True, "符合"), 8: (False, "12个月内有同类违法")})
    with pytest.raises(ValidationError, match="请记录是否适用"):
        decisions_needed([first, again], {7: (True, "符合")})
    with pytest.raises(ValidationError, match="不在首违警告清单"):
        decisions_needed([first], {7: (True, "符合"), 9: (True, "符合")})


def test_condition_labels_are_chinese() -> None:
    assert {c.label for c in Condition} == {
        "近12个月内无同类违法记录",
        "未造成道路交通事故",
        "已及时纠正违法行为",
    }
