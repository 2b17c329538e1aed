"""Demo cases made through the wizard's own service functions (never by inserting rows).

After ``seed_demo``: a simple case signed and served by SMS link (demo outbox), a simple case
refused to sign and served on paper, a general case co-signed by a second officer and served,
and a case stopped at 告知 to show resuming. Each step is its own transaction, exactly as the
console runs them, so the stored documents verify against their evidence hashes.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.dispatch.serve_decision import DecisionServer
from officer_console.dispatch.sms.base import SmsProvider
from officer_console.domain.errors import DomainError
from officer_console.store import lifecycle, rooms
from officer_console.store.audit import Actor
from officer_console.store.engine import run_in_transaction
from officer_console.store.models import (
    Appointment,
    AppointmentViolation,
    Case,
    Citizen,
    Officer,
    ViolationRecord,
)
from officer_console.store.procedure import cases as pc
from officer_console.store.procedure import cosign as procedure_cosign
from officer_console.store.procedure import presence
from officer_console.store.procedure import records as pc_records
from officer_console.store.procedure import service as procedure_service
from officer_console.store.procedure.core import CaseChange
from officer_console.store.procedure.documents import CaseDocumentMaker
from officer_console.store.procedure.files import StoreLike
from officer_console.store.procedure.view import CaseView
from officer_console.store.types import utcnow

__all__ = ["DemoCase", "seed_demo_cases"]

#: (view, signature PNG or None, refused to sign) → decision PDF


@dataclass(frozen=True)
class DemoCase:
    case_id: int
    appointment_id: int
    kind: str
    outcome: str  # completed | paper_pending | open (stopped at 告知)


def _png(kind: str) -> bytes:
    """A small PNG: an 'ID card' for the snapshot or a scribble for a signature."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 200) if kind == "id" else (300, 120), "white")
    draw = ImageDraw.Draw(image)
    if kind == "id":
        draw.rectangle((20, 20, 300, 180), outline=(40, 90, 160), width=4)
        draw.rectangle((220, 50, 285, 130), fill=(200, 200, 200))
    else:  # each document its own stroke: a signature is given for one document only
        dy = sum(kind.encode()) % 25
        pts = [(20, 80), (70, 30), (110, 90), (160, 35), (210, 85), (270, 40)]
        draw.line([(x, y + dy - 12) for x, y in pts], "black", 5)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def _candidates(session: Session) -> list[tuple[int, int, int, int]]:
    """(appointment, officer, violation count, fine total) of claimed appointments."""
    rows = session.execute(
        select(
            Appointment.id,
            Appointment.officer_id,
            func.count(ViolationRecord.id),
            func.sum(ViolationRecord.fine),
        )
        .join(AppointmentViolation, AppointmentViolation.appointment_id == Appointment.id)
        .join(ViolationRecord, ViolationRecord.id == AppointmentViolation.violation_id)
        .where(Appointment.status == "claimed", Appointment.officer_id.is_not(None))
        .group_by(Appointment.id, Appointment.officer_id)
        .order_by(Appointment.id)
    ).all()
    return [(int(a), int(o or 0), int(n), int(f or 0)) for a, o, n, f in rows]


class _Seeder:
    def __init__(
        self,
        factory: sessionmaker[Session],
        sms: SmsProvider,
        *,
        evidence_dir: StoreLike,
        password: str,
        documents: CaseDocumentMaker,
        link_base: str,
        workstation: str,
    ) -> None:
        self.factory, self.evidence, self.password = factory, evidence_dir, password
        self.documents, self.workstation = documents, workstation
        self.server = DecisionServer(
            factory, sms, evidence_dir=evidence_dir, link_base=link_base, documents=documents
        )

    def run(self, work: Callable[[Session], CaseChange]) -> CaseView:
        """One operation in its own transaction; the case as saved. The demo's console is
        live: it beats on the call's room with each step (presence needs a fresh beat)."""

        def beating(s: Session) -> CaseChange:
            change = work(s)
            presence.console_beat(s, None, change.view.appointment_id)
            return change

        return run_in_transaction(self.factory, beating).view

    def actor(self, officer_id: int) -> Actor:
        with self.factory() as s:
            officer = s.get(Officer, officer_id)
            assert officer is not None
            return Actor(officer.police_number, officer.id, self.workstation)

    def open_case(self, appointment_id: int, officer_id: int) -> tuple[Actor, CaseView]:
        actor = self.actor(officer_id)

        def to_call(s: Session) -> CaseChange:
            appt = s.get(Appointment, appointment_id)
            assert appt is not None
            change = lifecycle.dispatch(s, appointment_id, actor, expected_version=appt.version)
            lifecycle.open_video(s, appointment_id, actor, expected_version=change.version)
            # the demo's citizen is on video, as the gateway records it (presence rules)
            room_id, _secret = rooms.open_room(s, actor, appointment_id)
            rooms.mark_citizen(s, room_id, utcnow())
            return pc.start_case(s, actor, appointment_id)

        return actor, self.run(to_call)

    def sign_record(self, actor: Actor, case_id: int, step: str, *, signed: bool) -> CaseView:
        """The step's record shown and signed (or the refusal noted) right after the step."""
        evidence, docs = self.evidence, self.documents
        png = _png(f"signature-{step}") if signed else None
        return self.run(
            lambda s: pc_records.sign_record(
                s,
                actor,
                evidence,
                case_id,
                step=step,
                documents=docs,
                signature_png=png,
                refused=not signed,
            )
        )

    def inquiry_and_notice(
        self, actor: Actor, view: CaseView, *, notice: bool, signed: bool = True
    ) -> CaseView:
        case_id, evidence = view.case_id, self.evidence
        snap = run_in_transaction(
            self.factory, lambda s: pc.record_snapshot(s, actor, evidence, case_id, _png("id"))
        )
        with self.factory() as s:
            case = s.get(Case, case_id)
            appt = s.get(Appointment, case.appointment_id) if case else None
            citizen = s.get(Citizen, appt.citizen_id) if appt else None
            assert citizen is not None
            last4 = citizen.id_number[-4:]
        qa = [(q, "是，是我本人驾驶，对事实没有异议。") for q in view.questions()]
        admissions = {v.violation_id: True for v in view.violations}
        view = self.run(
            lambda s: pc.complete_inquiry(
                s,
                actor,
                case_id,
                name_confirmed=True,
                id_last4=last4,
                snapshot_evidence_id=snap,
                qa=qa,
                admissions=admissions,
            )
        )
        view = self.sign_record(actor, case_id, "inquiry", signed=signed)
        if not notice:
            return view
        self.run(lambda s: pc.complete_notice(s, actor, case_id, statement=None, waived=True))
        return self.sign_record(actor, case_id, "notice", signed=signed)

    def finish(self, actor: Actor, view: CaseView, *, signed: bool, consent: bool) -> str:
        case_id, evidence = view.case_id, self.evidence
        fines = {v.violation_id: v.fine for v in view.violations}
        points = {v.violation_id: v.points for v in view.violations}
        view = self.run(
            lambda s: pc.complete_ruling(
                s,
                actor,
                case_id,
                fines=fines,
                points=points,
                review_note="经复核，当事人未提出新的事实、理由和证据，维持拟处罚意见。",
            )
        )
        if view.stop_code:
            return view.status
        signature = _png("signature-confirmation") if signed else None
        view = self.run(
            lambda s: pc.complete_confirmation(
                s, actor, evidence, case_id, signature_png=signature, refused=not signed
            )
        )
        if not consent:
            docs = self.documents
            view = self.run(
                lambda s: procedure_service.serve_on_paper(
                    s, actor, evidence, case_id, documents=docs
                )
            )
            return view.status
        outcome = self.server.serve(
            actor, case_id, confirm_png=_png("signature-service"), consent=True
        )
        return outcome.view.status

    def cosign(self, actor: Actor, view: CaseView) -> bool:
        case_id = view.case_id
        with self.factory() as s:
            helpers = procedure_cosign.assistants(s, case_id)
        if not helpers:
            return False
        helper = self.actor(helpers[-1].officer_id)
        rid = run_in_transaction(
            self.factory,
            lambda s: procedure_cosign.request_cosign(s, actor, case_id, helper.officer_id or 0),
        ).request_id
        run_in_transaction(
            self.factory,
            lambda s: procedure_cosign.decide(s, helper, rid, approve=True, password=self.password),
        )
        return True


def seed_demo_cases(
    factory: sessionmaker[Session],
    sms: SmsProvider,
    *,
    evidence_dir: StoreLike,
    password: str,
    documents: CaseDocumentMaker,
    link_base: str = "http://127.0.0.1:8470",
    workstation: str = "demo-seed",
) -> list[DemoCase]:
    """Make the demo's finished and resumable cases; skips a scenario the data cannot fit."""
    seeder = _Seeder(
        factory,
        sms,
        evidence_dir=evidence_dir,
        password=password,
        documents=documents,
        link_base=link_base,
        workstation=workstation,
    )
    with factory() as s:
        candidates = _candidates(s)
    simple = [c for c in candidates if c[2] == 1 and c[3] <= 200]
    general = [c for c in candidates if 200 < c[3] < 2000]
    plans = [("simple", "signed_served"), ("simple", "refused_paper"), ("simple", "at_notice")]
    made: list[DemoCase] = []
    used: set[int] = set()
    for kind, plan in [*plans, ("general", "cosigned_served")]:
        pool = [c for c in (simple if kind == "simple" else general) if c[0] not in used]
        for appointment_id, officer_id, _n, _fine in pool:
            used.add(appointment_id)
            try:
                actor, view = seeder.open_case(appointment_id, officer_id)
                if not view.is_open:
                    continue  # the data stops this one (e.g. points); try the next
                if plan == "at_notice":
                    view = seeder.inquiry_and_notice(actor, view, notice=False)
                    made.append(DemoCase(view.case_id, appointment_id, kind, "open"))
                    break
                signed = plan != "refused_paper"
                view = seeder.inquiry_and_notice(actor, view, notice=True, signed=signed)
                if kind == "general" and not seeder.cosign(actor, view):
                    continue
                status = seeder.finish(
                    actor, view, signed=plan != "refused_paper", consent=plan != "refused_paper"
                )
            except DomainError:
                continue
            made.append(DemoCase(view.case_id, appointment_id, kind, status))
            break
    return made
