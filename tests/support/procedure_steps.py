"""One procedure step done the way the console does it (store functions), for the resume
tests: the same code runs in the test process and in a console subprocess killed by -9."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from officer_console.store.db.audit import Actor
from officer_console.store.procedure import cases, records, service
from officer_console.store.procedure.core import CaseChange
from officer_console.store.procedure.view import CaseView
from tests.support.procedure_world import png, signed_png

STEPS = ("inquiry", "notice", "ruling", "confirmation", "service")


def sign(
    s: Session,
    actor: Actor,
    evidence: Path,
    case_id: int,
    step: str,
    *,
    docs: Any,
    signature: bytes | None = None,
) -> CaseChange:
    """The record of ``step`` shown and signed right after the step (a distinct image per
    record unless ``signature`` is given; ``b""`` = the party refuses)."""
    image = signed_png(f"sig-{step}") if signature is None else (signature or None)
    return records.sign_record(
        s, actor, evidence, case_id, step=step, documents=docs,
        signature_png=image, refused=image is None,
    )  # fmt: skip


def do_step(
    s: Session, actor: Actor, view: CaseView, step: str, *, evidence: Path, id_last4: str, docs: Any
) -> CaseChange:
    """Complete ``step`` of ``view``'s case in the session ``s`` (one transaction)."""
    case_id = view.case_id
    if step == "inquiry":
        snap = cases.record_snapshot(s, actor, evidence, case_id, png())
        cases.complete_inquiry(
            s,
            actor,
            case_id,
            name_confirmed=True,
            id_last4=id_last4,
            snapshot_evidence_id=snap,
            qa=[(q, "是") for q in view.questions()],
            admissions={v.violation_id: True for v in view.violations},
        )
        return sign(s, actor, evidence, case_id, "inquiry", docs=docs)
    if step == "notice":
        cases.complete_notice(s, actor, case_id, statement=None, waived=True)
        return sign(s, actor, evidence, case_id, "notice", docs=docs)
    if step == "ruling":
        return cases.complete_ruling(
            s,
            actor,
            case_id,
            fines={v.violation_id: v.fine for v in view.violations},
            points={v.violation_id: v.points for v in view.violations},
            review_note="经复核，维持拟处罚意见。",
        )
    if step == "confirmation":
        return cases.complete_confirmation(
            s, actor, evidence, case_id, signature_png=png(), refused=False
        )
    assert step == "service"
    return service.serve_on_paper(s, actor, evidence, case_id, documents=docs)
