"""Demo cases made through the wizard's own service functions (never by inserting rows).

After ``seed_demo``: a simple case signed and served by SMS link (demo outbox), a simple case
refused to sign and served on paper, a general case co-signed by a second officer and served,
a case stopped at 告知 to show resuming, a first violation decided as 警告 (首违警告, no payment
terms), a 2000-yuan case whose party waived the hearing (放弃听证) on the notice record, a
paper-served case with its 送达回证 recorded, and a case ruled and then handed over to the
window with its decision (转窗口办理, decision carried), and a case resumed after a dropped
call (询问 in the first call, the rest after a fresh code in the second; one recording each). Each step is its own transaction, exactly as the
console runs them, so the stored documents verify against their evidence hashes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.demo import case_pick
from officer_console.dispatch.serve_decision import DecisionServer
from officer_console.dispatch.sms.base import SmsProvider
from officer_console.domain.errors import DomainError
from officer_console.domain.penalties import HEARING_THRESHOLD_YUAN
from officer_console.domain.procedure import HearingChoice
from officer_console.domain.procedure_notes import default_review_note
from officer_console.store.appointments import lifecycle
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import run_in_transaction
from officer_console.store.db.models import (
    Appointment,
    Case,
    Citizen,
    Officer,
    VideoSession,
)
from officer_console.store.db.types import utcnow
from officer_console.store.evidence.writing import StoreLike
from officer_console.store.gateway import rooms
from officer_console.store.procedure import cases as pc
from officer_console.store.procedure import cosign as procedure_cosign
from officer_console.store.procedure import handover, presence
from officer_console.store.procedure import records as pc_records
from officer_console.store.procedure import service as procedure_service
from officer_console.store.procedure.core import CaseChange
from officer_console.store.procedure.documents import CaseDocumentMaker
from officer_console.store.procedure.view import CaseView

__all__ = ["DemoCase", "RecordCall", "seed_demo_cases"]

#: Stores one call's recording segment: (actor, appointment id, case id) → evidence id. The
#: demo seeding passes a real recorder (``demo.recording``, built from the video layer);
#: without one the resumed case has its two calls but no recordings.
RecordCall = Callable[[Actor, int, int], int]

#: (view, signature PNG or None, refused to sign) → decision PDF


@dataclass(frozen=True)
class DemoCase:
    case_id: int
    appointment_id: int
    kind: str
    outcome: str  # completed | paper_pending | open (stopped at 告知)


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
        self.record_call: RecordCall | None = None
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
        png = case_pick.png(f"signature-{step}") if signed else None
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
            self.factory,
            lambda s: pc.record_snapshot(s, actor, evidence, case_id, case_pick.png("id")),
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
        # From 2000 yuan the party is asked about a hearing: the demo's party waives it.
        hearing = HearingChoice.WAIVED if view.hearing_right else None
        self.run(
            lambda s: pc.complete_notice(
                s, actor, case_id, statement=None, waived=True, hearing=hearing
            )
        )
        return self.sign_record(actor, case_id, "notice", signed=signed)

    def finish(self, actor: Actor, view: CaseView, *, signed: bool, consent: bool) -> str:
        case_id, evidence = view.case_id, self.evidence
        warned = view.warned  # 首违警告 proposed at the notice: ruled as 警告 (no fine)
        fines = {v.violation_id: 0 if v.violation_id in warned else v.fine for v in view.violations}
        points = {v.violation_id: v.points for v in view.violations}
        notice = view.step_data.get("notice", {})
        note = default_review_note(
            statement=notice.get("statement"),
            waived=bool(notice.get("waived")),
            hearing=HearingChoice(notice.get("hearing") or HearingChoice.NOT_APPLICABLE.value),
            leniency_warned=bool(warned),
        )
        view = self.run(
            lambda s: pc.complete_ruling(
                s,
                actor,
                case_id,
                fines=fines,
                points=points,
                review_note=note,
                warning=bool(warned),
            )
        )
        if view.stop_code:
            return view.status
        signature = case_pick.png("signature-confirmation") if signed else None
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
            actor, case_id, confirm_png=case_pick.png("signature-service"), consent=True
        )
        return outcome.view.status

    def record_paper(self, actor: Actor, case_id: int) -> str:
        """The window served the decision by hand: 直接送达 with the scanned 送达回证."""
        evidence = self.evidence
        with self.factory() as s:
            case = s.get(Case, case_id)
            appt = s.get(Appointment, case.appointment_id) if case else None
            citizen = s.get(Citizen, appt.citizen_id) if appt else None
            assert citizen is not None
            recipient = citizen.name
        view = self.run(
            lambda s: handover.record_paper_service(
                s,
                actor,
                evidence,
                case_id,
                method="direct",
                served_on=utcnow().date(),
                recipient=recipient,
                receipt=case_pick.png("id"),
            )
        )
        return view.status

    def ruled_then_handed_over(self, actor: Actor, view: CaseView) -> str:
        """Ruled, then the party dropped for good: 转窗口办理 with the decision carried to
        the window (served there on paper); it never reaches 确认/送达 remotely."""
        case_id = view.case_id
        fines = {v.violation_id: v.fine for v in view.violations}
        points = {v.violation_id: v.points for v in view.violations}
        view = self.run(
            lambda s: pc.complete_ruling(
                s,
                actor,
                case_id,
                fines=fines,
                points=points,
                review_note="当事人明确放弃陈述、申辩，经复核，违法事实清楚，维持拟处罚意见。",
            )
        )
        view = self.run(
            lambda s: handover.hand_over_case(
                s,
                actor,
                case_id,
                reason_code="technical",
                text="裁决后当事人视频中断，多次联系未能恢复",
                decision="carry",
            )
        )
        return view.status

    def dropped_and_resumed(self, actor: Actor, view: CaseView) -> CaseView:
        """询问 in the first call; the citizen's network drops and the officer hangs up (the
        call's recording is stored, segment 1); 重新发送验证码 and 开始视频 again, the citizen
        rejoins with the fresh code and the case continues at 告知 (segment 2 at the end)."""
        appointment_id, case_id = view.appointment_id, view.case_id
        view = self.inquiry_and_notice(actor, view, notice=False)
        if self.record_call is not None:
            self.record_call(actor, appointment_id, case_id)

        def drop(s: Session) -> CaseChange:
            room = s.scalar(
                select(VideoSession.room_id)
                .where(VideoSession.appointment_id == appointment_id, VideoSession.status == "open")
                .order_by(VideoSession.id.desc())
                .limit(1)
            )
            if room is not None:
                rooms.mark_citizen(s, room, None)  # the citizen's page left (network lost)
                rooms.close_room(s, room)  # the officer hung up
            appt = s.get(Appointment, appointment_id)
            assert appt is not None
            change = lifecycle.dispatch(s, appointment_id, actor, expected_version=appt.version)
            lifecycle.open_video(s, appointment_id, actor, expected_version=change.version)
            new_room, _secret = rooms.open_room(s, actor, appointment_id)
            rooms.mark_citizen(s, new_room, utcnow())  # rejoined with the fresh code
            return pc.start_case(s, actor, appointment_id)  # the existing case, as saved

        view = self.run(drop)
        self.run(lambda s: pc.complete_notice(s, actor, case_id, statement=None, waived=True))
        return self.sign_record(actor, case_id, "notice", signed=True)

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
    record_call: RecordCall | None = None,
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
    seeder.record_call = record_call
    with factory() as s:
        candidates = case_pick.candidates(s)
        lenient = case_pick.lenient_appointments(s)
    fine_only = [c for c in candidates if c[2] == 1 and c[3] <= 200 and c[0] not in lenient]
    pools = {
        "simple": fine_only,
        "warning": [c for c in candidates if c[2] == 1 and c[0] in lenient],
        "general": [c for c in candidates if 200 < c[3] < 2000],
        "hearing": [c for c in candidates if c[3] >= HEARING_THRESHOLD_YUAN],
    }
    plans = [("simple", "signed_served"), ("simple", "refused_paper"), ("simple", "at_notice")]
    plans += [("simple", "paper_recorded"), ("simple", "handed_over"), ("simple", "resumed")]
    plans += [("warning", "signed_served"), ("hearing", "cosigned_served")]
    made: list[DemoCase] = []
    used: set[int] = set()
    for kind, plan in [*plans, ("general", "cosigned_served")]:
        pool = [c for c in pools[kind] if c[0] not in used]
        for appointment_id, officer_id, _n, _fine in pool:
            used.add(appointment_id)
            try:
                actor, view = seeder.open_case(appointment_id, officer_id)
                if not view.is_open:
                    continue  # the data stops this one (e.g. points); try the next
                if plan == "resumed":
                    view = seeder.dropped_and_resumed(actor, view)
                    status = seeder.finish(actor, view, signed=True, consent=True)
                    if seeder.record_call is not None:
                        seeder.record_call(actor, appointment_id, view.case_id)
                    made.append(DemoCase(view.case_id, appointment_id, "resumed", status))
                    break
                if plan == "handed_over":
                    view = seeder.inquiry_and_notice(actor, view, notice=True)
                    status = seeder.ruled_then_handed_over(actor, view)
                    made.append(DemoCase(view.case_id, appointment_id, kind, status))
                    break
                if plan == "at_notice":
                    view = seeder.inquiry_and_notice(actor, view, notice=False)
                    made.append(DemoCase(view.case_id, appointment_id, kind, "open"))
                    break
                signed = plan != "refused_paper"
                view = seeder.inquiry_and_notice(actor, view, notice=True, signed=signed)
                if kind == "warning" and not view.warned:
                    continue  # an earlier identical violation rules leniency out: next one
                if kind in ("general", "hearing") and not seeder.cosign(actor, view):
                    continue
                paper = plan in ("refused_paper", "paper_recorded")
                status = seeder.finish(actor, view, signed=not paper, consent=not paper)
                if plan == "paper_recorded":
                    status = seeder.record_paper(actor, view.case_id)
            except DomainError:
                continue
            made.append(DemoCase(view.case_id, appointment_id, kind, status))
            break
    return made
