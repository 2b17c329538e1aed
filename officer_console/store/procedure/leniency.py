"""First-violation leniency (首违警告) and warnings in the store: what needs the database.

* At 开始办理 each violation is assessed against the list in force (``resources/leniency``,
  :mod:`officer_console.domain.leniency`) with the party's identical violations of the 12
  months before it; the result lives in ``cases.state["leniency"]`` with the proposal as the
  initial decision, so the notice proposes 警告 where the list applies.
* At 告知 the officer may change a decision (:func:`decide`) — the notice text follows — and
  records every reason when completing the notice (:func:`notice_decisions`).
* At 裁决 :func:`check_ruling` checks each violation against its catalogue penalty kind and
  the notice: 0 yuan with 警告 where the article allows a warning, never heavier than notified.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from officer_console.domain.errors import ConflictError, RuleViolation, ValidationError
from officer_console.domain.leniency import (
    LeniencyAssessment,
    LeniencyList,
    assess,
    check_decision,
    decisions_needed,
    parse_leniency_toml,
    pick_list,
    window_start,
)
from officer_console.domain.penalties import PenaltyKind, check_violation_penalty
from officer_console.domain.procedure import Step
from officer_console.domain.procedure_text import ViolationFacts
from officer_console.paths import resource
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import Case, Vehicle, ViolationRecord
from officer_console.store.procedure.core import CaseChange, changed, open_case

__all__ = [
    "check_ruling",
    "decide",
    "initial_state",
    "load_lists",
    "notice_decisions",
    "warned",
]


@functools.cache
def _lists_in(folder: Path) -> tuple[LeniencyList, ...]:
    return tuple(
        parse_leniency_toml(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.toml"))
    )


def load_lists(directory: Path | None = None) -> tuple[LeniencyList, ...]:
    """Every list file of ``directory`` (default: the shipped ``resources/leniency``)."""
    folder = directory or resource("leniency")
    return _lists_in(folder.resolve()) if folder.is_dir() else ()


def _prior_same_code(session: Session, record: ViolationRecord, tz: ZoneInfo) -> int:
    """Identical violations of the same owner's vehicles in the 12 months before ``record``."""
    vehicle = session.get(Vehicle, record.vehicle_id)
    owner = vehicle.owner_id if vehicle else None
    start_day = window_start(record.occurred_at.astimezone(tz).date())
    start = datetime.combine(start_day, time(0), tzinfo=tz)
    vehicles = (
        select(Vehicle.id).where(Vehicle.owner_id == owner)
        if owner is not None
        else select(Vehicle.id).where(Vehicle.id == record.vehicle_id)
    )
    count = session.scalar(
        select(func.count())
        .select_from(ViolationRecord)
        .where(
            ViolationRecord.id != record.id,
            ViolationRecord.code == record.code,
            ViolationRecord.vehicle_id.in_(vehicles),
            ViolationRecord.occurred_at >= start,
            ViolationRecord.occurred_at < record.occurred_at,
        )
    )
    return int(count or 0)


def initial_state(
    session: Session,
    facts: Sequence[ViolationFacts],
    tz: ZoneInfo,
    on: datetime,
    *,
    lists: Sequence[LeniencyList] | None = None,
) -> dict[str, Any]:
    """The assessments at 开始办理, each decided as proposed until the officer says otherwise."""
    items = []
    day = on.astimezone(tz).date()
    for fact in facts:
        if not fact.allows_warning:
            continue  # a list entry for a fine-only article cannot lawfully propose a warning
        record = session.get(ViolationRecord, fact.violation_id)
        assert record is not None
        lst = pick_list(load_lists() if lists is None else lists, record.region, day)
        prior = _prior_same_code(session, record, tz) if lst and fact.code in lst.rules else 0
        found = assess(lst, fact.violation_id, fact.code, prior_same_code=prior)
        if found is not None:
            items.append(
                {**found.to_dict(), "applies": found.proposed, "reason": found.default_reason}
            )
    return {"items": items}


def assessments(state: Mapping[str, Any]) -> list[tuple[LeniencyAssessment, bool, str]]:
    """(assessment, applies, reason) per assessed violation; none for older cases."""
    items = (state.get("leniency") or {}).get("items", [])
    return [(LeniencyAssessment.from_dict(i), bool(i["applies"]), str(i["reason"])) for i in items]


def warned(state: Mapping[str, Any]) -> frozenset[int]:
    """Violation ids the notice proposes as 警告 (leniency applied)."""
    return frozenset(a.violation_id for a, applies, _r in assessments(state) if applies)


def decide(
    session: Session, actor: Actor, case_id: int, violation_id: int, *, applies: bool, reason: str
) -> CaseChange:
    """Change one leniency decision before the notice is completed (the notice text follows);
    audited, and refused where the records rule leniency out."""
    case = open_case(session, actor, case_id, Step.NOTICE)
    state = dict(case.state)
    items = [dict(i) for i in (state.get("leniency") or {}).get("items", [])]
    item = next((i for i in items if i["violation_id"] == violation_id), None)
    if item is None:
        raise ValidationError("leniency", "该违法行为不在首违警告清单内")
    decision = check_decision(LeniencyAssessment.from_dict(item), applies, reason)
    item.update(applies=decision.applies, reason=decision.reason)
    state["leniency"] = {**state["leniency"], "items": items}
    done = session.execute(
        update(Case)
        .where(Case.id == case.id, Case.version == case.version)
        .values(state=state, version=Case.version + 1)
        .returning(Case.version)
    ).scalar_one_or_none()
    if done is None:
        raise ConflictError("该案件已在其他工作站更新，已刷新")
    session.refresh(case)
    audit.record(
        session,
        actor,
        "case.leniency",
        entity_type="case",
        entity_id=case.id,
        detail={
            "violation_id": violation_id,
            "code": item["code"],
            "applies": decision.applies,
            "list_version": item["list_version"],
        },
    )
    return changed(session, case)


def notice_decisions(state: Mapping[str, Any], reasons: Mapping[int, str]) -> dict[str, Any]:
    """The decisions as the notice records them; ``reasons`` (edited by the officer) replace
    the stored ones. Every assessed violation needs one, with a reason."""
    found = assessments(state)
    given = {a.violation_id: (applies, reasons.get(a.violation_id, r)) for a, applies, r in found}
    if set(reasons) - set(given):
        raise ValidationError("leniency", "所选违法记录不在首违警告清单内，不能记录首违警告理由")
    decided = decisions_needed([a for a, _x, _r in found], given)
    return {
        str(a.violation_id): {
            "code": a.code,
            "list_version": a.list_version,
            "checks": [[c.condition.value, c.status] for c in a.checks],
            **decided[a.violation_id].to_dict(),
        }
        for a, _x, _r in found
    }


def check_ruling(
    violations: Sequence[Mapping[str, Any]],
    state: Mapping[str, Any],
    fines: Mapping[int, int],
    points: Mapping[int, int],
    *,
    warning: bool,
) -> frozenset[int]:
    """Each violation within its catalogue kind and range and ≤ the notice; returns the ids
    ruled as 警告 (0 yuan with ``warning``). A violation the notice proposed as 警告 cannot be
    fined at the ruling ([XZCF] 45)."""
    notified_warned = warned(state)
    ruled_warned = set()
    for v in violations:
        vid, code = v["violation_id"], v["code"]
        if vid not in fines or vid not in points:
            raise ValidationError("fines", f"请填写违法代码{code}的罚款和记分")
        fine, pts = fines[vid], points[vid]
        notified_fine = 0 if vid in notified_warned else v["fine"]
        if fine > notified_fine or pts > v["points"]:
            notified = "警告" if vid in notified_warned else f"罚款{notified_fine}元"
            raise RuleViolation(
                f"违法代码{code}的裁决（罚款{fine}元、记{pts}分）重于告知的拟处罚"
                f"（{notified}、记{v['points']}分），不得因当事人陈述申辩而加重处罚",
                code="ruling_exceeds_notice",
            )
        kind = PenaltyKind(v.get("penalty_kind", PenaltyKind.FINE.value))
        check_violation_penalty(
            kind, fine, warning=warning, fine_min=v["fine_min"], fine_max=v["fine_max"], code=code
        )
        if fine == 0:
            ruled_warned.add(vid)
    return frozenset(ruled_warned)
