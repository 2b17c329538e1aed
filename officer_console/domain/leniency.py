"""First-violation leniency (首违警告): a versioned list of codes and conditions per province.

[XZCF] 33 allows no fine for a first, minor, promptly corrected violation; provinces (Shandong
among them) publish lists of codes where a first violation gets a warning instead of a fine.
The lists, codes and conditions differ by province and change over time, so they are data
(``resources/leniency/*.toml``), never code: this module parses a list, picks the one in force,
and assesses one violation against it. The officer always records why it does or does not
apply; a condition the data already contradicts (an earlier identical violation within 12
months) cannot be overridden.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Final

from officer_console.domain.errors import RuleViolation, ValidationError
from officer_console.domain.validators import validate_text

__all__ = [
    "REASON_MAX",
    "Condition",
    "ConditionCheck",
    "LeniencyAssessment",
    "LeniencyDecision",
    "LeniencyList",
    "LeniencyRule",
    "assess",
    "check_decision",
    "decisions_needed",
    "parse_leniency_toml",
    "pick_list",
    "window_start",
]

REASON_MAX: Final = 200


class Condition(StrEnum):
    """Conditions a list may attach to a code. ``FIRST_IN_12_MONTHS`` is checked against the
    violation records; the others only the officer can establish (on video)."""

    FIRST_IN_12_MONTHS = "first_in_12_months"
    NO_ACCIDENT = "no_accident"
    CORRECTED = "corrected"

    @property
    def label(self) -> str:
        return _CONDITION_LABELS[self]

    @property
    def system_checked(self) -> bool:
        return self is Condition.FIRST_IN_12_MONTHS


_CONDITION_LABELS: Final = {
    Condition.FIRST_IN_12_MONTHS: "近12个月内无同类违法记录",
    Condition.NO_ACCIDENT: "未造成道路交通事故",
    Condition.CORRECTED: "已及时纠正违法行为",
}


@dataclass(frozen=True, slots=True)
class LeniencyRule:
    code: str
    conditions: tuple[Condition, ...]
    note: str


@dataclass(frozen=True, slots=True)
class LeniencyList:
    """One published version of a province's list; ``region`` is a division-code prefix."""

    region: str
    version: str
    effective_from: date
    title: str
    rules: Mapping[str, LeniencyRule]

    def covers(self, region: str) -> bool:
        return region.startswith(self.region)


def _fail(message: str) -> ValidationError:
    return ValidationError("leniency", f"首违警告清单有误：{message}")


def parse_leniency_toml(text: str) -> LeniencyList:
    """Parse and validate one list file; a bad file raises a Chinese ``ValidationError``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(f"不是有效的TOML（{exc}）") from None
    meta = data.get("meta")
    if not isinstance(meta, dict):
        raise _fail("缺少 [meta] 段")
    region, version = meta.get("region"), meta.get("version")
    start, title = meta.get("effective_from"), meta.get("title", "")
    if not isinstance(region, str) or not region.isdigit() or not 2 <= len(region) <= 6:
        raise _fail("meta.region 应为2至6位行政区划代码前缀（如山东省为37）")
    if not isinstance(version, str) or not version.strip():
        raise _fail("meta.version 不能为空")
    if not isinstance(start, date):
        raise _fail("meta.effective_from 应为日期（如 2024-01-01）")
    if not isinstance(title, str):
        raise _fail("meta.title 应为文字")
    rules: dict[str, LeniencyRule] = {}
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list):
        raise _fail("rule 应写作 [[rule]] 表数组")
    for index, raw in enumerate(raw_rules, 1):
        rules_entry = _parse_rule(index, raw)
        if rules_entry.code in rules:
            raise _fail(f"第{index}条：违法代码{rules_entry.code}重复出现")
        rules[rules_entry.code] = rules_entry
    return LeniencyList(region, version.strip(), start, title.strip(), rules)


def _parse_rule(index: int, raw: Any) -> LeniencyRule:
    if not isinstance(raw, dict):
        raise _fail(f"第{index}条格式不正确")
    code = raw.get("code")
    if not isinstance(code, str) or not code.isdigit() or not 4 <= len(code) <= 5:
        raise _fail(f"第{index}条：code 应为4至5位违法代码")
    names = raw.get("conditions")
    if not isinstance(names, list) or not names:
        raise _fail(f"第{index}条（代码{code}）：conditions 不能为空")
    conditions = []
    for name in names:
        try:
            conditions.append(Condition(name))
        except ValueError:
            known = "、".join(c.value for c in Condition)
            raise _fail(f"第{index}条（代码{code}）：未知条件“{name}”，应为{known}") from None
    note = raw.get("note", "")
    if not isinstance(note, str):
        raise _fail(f"第{index}条（代码{code}）：note 应为文字")
    return LeniencyRule(code, tuple(dict.fromkeys(conditions)), note.strip())


def pick_list(lists: Iterable[LeniencyList], region: str, on: date) -> LeniencyList | None:
    """The list in force for ``region`` on ``on``: the most specific region, then the newest."""
    matches = [lst for lst in lists if lst.covers(region) and lst.effective_from <= on]
    if not matches:
        return None
    return max(matches, key=lambda lst: (len(lst.region), lst.effective_from))


def window_start(occurred: date) -> date:
    """Start of the 12 months before a violation (29 Feb → 28 Feb of the year before)."""
    try:
        return occurred.replace(year=occurred.year - 1)
    except ValueError:
        return occurred.replace(year=occurred.year - 1, day=28)


@dataclass(frozen=True, slots=True)
class ConditionCheck:
    condition: Condition
    status: str  # "met", "unmet" (the records contradict it), "officer" (to be established)

    @property
    def text(self) -> str:
        suffix = {"met": "（系统核查：符合）", "unmet": "（系统核查：不符合）"}
        return self.condition.label + suffix.get(self.status, "（须民警核实）")

    @property
    def reason(self) -> str:
        """As the reason records it: an officer-established condition is the officer's word."""
        suffix = {"met": "（系统核查）", "unmet": "（系统核查：不符合）"}
        return self.condition.label + suffix.get(self.status, "（民警核实）")


@dataclass(frozen=True, slots=True)
class LeniencyAssessment:
    """One violation against the list in force; ``proposed`` → the notice proposes 警告."""

    violation_id: int
    code: str
    list_version: str
    note: str
    checks: tuple[ConditionCheck, ...]

    @property
    def proposed(self) -> bool:
        return all(check.status != "unmet" for check in self.checks)

    @property
    def default_reason(self) -> str:
        """The reason the officer starts from (editable): the conditions as checked."""
        head = "符合首违警告条件：" if self.proposed else "不适用首违警告："
        parts = [c.reason for c in self.checks if self.proposed or c.status == "unmet"]
        return (head + "；".join(parts) + "。")[:REASON_MAX]

    def to_dict(self) -> dict[str, Any]:
        return {
            "violation_id": self.violation_id,
            "code": self.code,
            "list_version": self.list_version,
            "note": self.note,
            "checks": [[c.condition.value, c.status] for c in self.checks],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LeniencyAssessment:
        checks = tuple(ConditionCheck(Condition(name), status) for name, status in data["checks"])
        if any(c.status not in ("met", "unmet", "officer") for c in checks):
            raise ValueError("stored leniency check has an unknown status")
        return cls(
            int(data["violation_id"]),
            str(data["code"]),
            str(data["list_version"]),
            str(data["note"]),
            checks,
        )


def assess(
    lst: LeniencyList | None, violation_id: int, code: str, *, prior_same_code: int
) -> LeniencyAssessment | None:
    """``prior_same_code``: identical violations of the party in the 12 months before this one.
    None when no list is in force or the code is not on it (then nothing is to be recorded)."""
    if prior_same_code < 0:
        raise ValueError("prior_same_code must not be negative")
    rule = lst.rules.get(code) if lst is not None else None
    if lst is None or rule is None:
        return None
    checks = []
    for condition in rule.conditions:
        if condition.system_checked:
            checks.append(ConditionCheck(condition, "unmet" if prior_same_code else "met"))
        else:
            checks.append(ConditionCheck(condition, "officer"))
    return LeniencyAssessment(violation_id, code, lst.version, rule.note, tuple(checks))


@dataclass(frozen=True, slots=True)
class LeniencyDecision:
    """The officer's decision for one assessed violation, with the reason recorded."""

    applies: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"applies": self.applies, "reason": self.reason}


def check_decision(assessment: LeniencyAssessment, applies: bool, reason: str) -> LeniencyDecision:
    """A reason is always required; leniency the records rule out cannot be granted."""
    text = validate_text("leniency_reason", reason, REASON_MAX, label="首违警告理由")
    if applies and not assessment.proposed:
        unmet = "、".join(c.condition.label for c in assessment.checks if c.status == "unmet")
        raise RuleViolation(
            f"违法代码{assessment.code}不符合首违警告条件（{unmet}），不能给予首违警告",
            code="leniency_not_allowed",
        )
    return LeniencyDecision(applies, text)


def decisions_needed(
    assessments: Sequence[LeniencyAssessment], decisions: Mapping[int, tuple[bool, str]]
) -> dict[int, LeniencyDecision]:
    """Every assessed violation needs the officer's decision and reason; nothing else may
    carry one."""
    wanted = {a.violation_id: a for a in assessments}
    extra = set(decisions) - set(wanted)
    if extra:
        raise ValidationError("leniency", "所选违法记录不在首违警告清单内，不能记录首违警告")
    result = {}
    for vid, assessment in wanted.items():
        if vid not in decisions:
            raise ValidationError(
                "leniency", f"违法代码{assessment.code}在首违警告清单内：请记录是否适用及理由"
            )
        applies, reason = decisions[vid]
        result[vid] = check_decision(assessment, applies, reason)
    return result
