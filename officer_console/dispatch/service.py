"""One click "call and text": code + SMS + call, each step recorded, audited and retryable.

(a) One transaction issues the code, creates the ``dispatches`` row and the ``sms_messages``
row (unique idempotency key) and moves the appointment to *contacting*; both steps are born
claimed (``sending``) by this caller, which saves two transactions per click. (b) The SMS goes
out in a worker thread and (c) the call on the event loop, at the same time, each outside any
transaction, and each result is recorded in a transaction of its own. A retry first claims a
``queued|failed`` step with a conditional UPDATE that only one caller wins (:mod:`.steps`).
A row left in ``sending`` (crash, lost answer) reads as *unknown* and is never re-sent
automatically: one dispatch never sends two messages.

The plain code lives only in this process's memory until it expires (the database keeps the
hash), so a retry can resend the same code; after a restart or expiry a fresh dispatch is needed.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from officer_console.dispatch import codes, records, steps
from officer_console.dispatch.dialers.base import CallRequest, CallResult, Dialer
from officer_console.dispatch.records import (
    DispatchOutcome,
    FreshDispatchNeeded,
    StepStatus,
    StepUpdate,
    load_outcome,
)
from officer_console.dispatch.sms.base import SmsError, SmsMessage, SmsProvider, SmsResult
from officer_console.dispatch.templates import SmsTemplate
from officer_console.domain.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDenied,
)
from officer_console.domain.masking import mask_phone
from officer_console.store.appointments import lifecycle
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import read_session, run_in_transaction
from officer_console.store.db.models import Appointment, Dispatch
from officer_console.store.db.models import SmsMessage as SmsRow
from officer_console.store.db.types import utcnow

__all__ = [
    "DispatchOutcome",
    "DispatchService",
    "FreshDispatchNeeded",
    "Progress",
    "StepUpdate",
]

log = logging.getLogger("officer_console.dispatch.service")

Progress = Callable[[StepUpdate], None]


@dataclass(frozen=True)
class _Prepared:
    dispatch_id: int
    version: int
    message: SmsMessage
    call: steps.CallJob
    expires_at: datetime
    status: str = "contacting"  # 办理中 stays 办理中 when a code is re-sent


class DispatchService:
    """Stateless apart from the in-memory codes; safe to share between threads and tasks.

    ``progress`` callbacks may run on worker threads: a GUI must marshal them (a Qt signal).
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        sms: SmsProvider,
        dialer: Dialer,
        *,
        template: SmsTemplate | None = None,
        join_link: str = "http://127.0.0.1:8470/join",
        valid_minutes: int = 10,
        max_per_phone_per_hour: int = 5,
        officer_extension: str = "",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._factory = factory
        self.sms = sms
        self.dialer = dialer
        self._template = template or SmsTemplate()
        self.join_link = join_link
        self._valid_minutes = valid_minutes
        self._max_per_phone = max_per_phone_per_hour
        self._extension = officer_extension
        self._clock = clock
        self._messages: dict[int, tuple[SmsMessage, datetime]] = {}
        self._lock = threading.Lock()

    # -- the operation ---------------------------------------------------------------------
    async def dispatch(
        self,
        actor: Actor,
        appointment_id: int,
        expected_version: int,
        progress: Progress | None = None,
    ) -> DispatchOutcome:
        """Issue a code, text and call; raises DomainError only when nothing was dispatched."""
        report = _safe(progress)
        report(StepUpdate(None, "code", "sending"))
        try:
            prep = await asyncio.to_thread(self.prepare, actor, appointment_id, expected_version)
        except DomainError as exc:
            report(StepUpdate(None, "code", "failed", exc.message))
            raise
        did = prep.dispatch_id
        minutes = self._valid_minutes
        report(StepUpdate(did, "code", "sent", f"验证码已生成，{minutes} 分钟内有效"))
        report(StepUpdate(did, "sms", "queued"))
        report(StepUpdate(did, "call", "queued"))
        sms, call = await asyncio.gather(
            asyncio.to_thread(self._deliver_sms, actor, did, prep.message, report),
            self._ring(actor, did, prep.call, report),
        )
        return DispatchOutcome(
            dispatch_id=did,
            appointment_id=appointment_id,
            appointment_version=prep.version,
            appointment_status=prep.status,
            code=StepStatus("sent", "验证码有效"),
            sms=sms,
            call=call,
            code_expires_at=prep.expires_at,
        )

    async def retry(
        self, actor: Actor, dispatch_id: int, progress: Progress | None = None
    ) -> DispatchOutcome:
        """Repeat only the failed steps; a sent or unknown SMS is never sent again."""
        report = _safe(progress)
        have_code = self._cached(dispatch_id) is not None
        try:
            sms_due, call_due = await asyncio.to_thread(
                run_in_transaction,
                self._factory,
                lambda s: steps.plan_retry(
                    s, actor, dispatch_id, have_code=have_code, now=self._clock()
                ),
            )
        except PermissionDenied as exc:
            refused: DomainError = exc
            await asyncio.to_thread(
                run_in_transaction,
                self._factory,
                lambda s: steps.audit_denied(
                    s, actor, dispatch_id, refused, action="dispatch.retry", entity_type="dispatch"
                ),
            )
            raise
        jobs = []
        if sms_due:
            jobs.append(asyncio.to_thread(self.send_sms, actor, dispatch_id, report))
        if call_due:
            jobs.append(self.place_call(actor, dispatch_id, report))
        await asyncio.gather(*jobs)
        return await asyncio.to_thread(self.outcome, dispatch_id)

    def outcome(self, dispatch_id: int) -> DispatchOutcome:
        with read_session(self._factory) as session:
            return load_outcome(session, dispatch_id, now=self._clock())

    # -- (a) the transaction ---------------------------------------------------------------
    def prepare(self, actor: Actor, appointment_id: int, expected_version: int) -> _Prepared:
        """Code, dispatch and SMS rows and the move to *contacting*, all or nothing."""
        try:
            prep = run_in_transaction(
                self._factory, lambda s: self._prepare(s, actor, appointment_id, expected_version)
            )
        except (PermissionDenied, codes.CodeRejected) as exc:
            denied: DomainError = exc
            run_in_transaction(
                self._factory, lambda s: steps.audit_denied(s, actor, appointment_id, denied)
            )
            raise
        self._remember(prep.dispatch_id, prep.message, prep.expires_at)
        return prep

    def _prepare(
        self, session: Session, actor: Actor, appointment_id: int, expected_version: int
    ) -> _Prepared:
        appt = session.get(Appointment, appointment_id)
        if appt is None:
            raise NotFoundError("预约不存在")
        if actor.officer_id is None or appt.officer_id != actor.officer_id:
            raise PermissionDenied("只有认领该预约的民警可以呼叫群众")
        if appt.version != expected_version:
            raise ConflictError("该预约已被其他工作站修改，请刷新后重试")
        now = self._clock()
        # The status change first: the lifecycle's rules decide whether a dispatch is allowed.
        moved = lifecycle.dispatch(
            session, appointment_id, actor, expected_version=expected_version, now=now
        )
        version = moved.version
        issued = codes.issue_code(
            session,
            actor,
            appointment_id,
            valid_minutes=self._valid_minutes,
            now=now,
            max_per_phone_per_hour=self._max_per_phone,
        )
        phone = str(appt.citizen.phone)
        row = Dispatch(
            appointment_id=appointment_id,
            officer_id=actor.officer_id,
            code_id=issued.code_id,
            sms_status="sending",  # claimed for this caller: nobody else may send or call
            call_status="sending",
            created_at=now,
        )
        session.add(row)
        session.flush()
        key = f"oc-{row.id}-{secrets.token_hex(4)}"
        message = self._template.message(
            provider=self.sms.name,
            phone=phone,
            code=issued.code,
            squad=appt.squad.name,
            link=self.join_link,
            idempotency_key=key,
            minutes=self._valid_minutes,
        )
        session.add(
            SmsRow(
                appointment_id=appointment_id,
                dispatch_id=row.id,
                idempotency_key=key,
                provider=self.sms.name,
                phone=phone,
                body="",
                status="sending",
                created_at=now,
            )
        )
        audit.record(
            session,
            actor,
            "dispatch.create",
            entity_type="appointment",
            entity_id=appointment_id,
            detail={
                "dispatch_id": row.id,
                "code_id": issued.code_id,
                "sms_provider": self.sms.name,
                "dialer": self.dialer.name,
                "phone": mask_phone(phone),
            },
        )
        job = steps.CallJob(appointment_id, phone)
        return _Prepared(row.id, version, message, job, issued.expires_at, moved.status)

    # -- (b) the SMS -----------------------------------------------------------------------
    def send_sms(
        self, actor: Actor, dispatch_id: int, progress: Progress | None = None
    ) -> StepStatus:
        """Send a queued or failed SMS at most once (blocking: call it in a worker thread)."""
        report = _safe(progress)
        message = self._cached(dispatch_id)
        state = run_in_transaction(
            self._factory,
            lambda s: steps.claim_sms(s, dispatch_id, have_message=message is not None),
        )
        if state != "sending" or message is None:
            status = StepStatus(state, steps.blocked_text(state))
            report(StepUpdate(dispatch_id, "sms", status.state, status.message))
            return status
        return self._deliver_sms(actor, dispatch_id, message, report)

    def _deliver_sms(
        self, actor: Actor, dispatch_id: int, message: SmsMessage, report: Progress
    ) -> StepStatus:
        """Send a claimed SMS, then record the result in a transaction of its own."""
        report(StepUpdate(dispatch_id, "sms", "sending"))
        try:
            result = self.sms.send(message)
        except SmsError as exc:
            result = SmsResult(False, None, "CONFIG", exc.message, False)
        except Exception:  # a provider bug: the message may or may not have left
            log.exception("SMS provider %s raised", self.sms.name)
            text = "短信组件出错，发送状态未知。"
            result = SmsResult(False, None, "PROVIDER_ERROR", text, False, True)
        state = "sent" if result.accepted else "unknown" if result.outcome_unknown else "failed"
        try:
            run_in_transaction(
                self._factory, lambda s: steps.record_sms(s, actor, dispatch_id, state, result)
            )
        except Exception:
            log.exception("could not record the SMS result of dispatch %d", dispatch_id)
            state = "unknown"
        text = result.message_zh
        if result.accepted:
            text = records.sms_text("sent", self.sms.name, result.provider_message_id, None)
        report(StepUpdate(dispatch_id, "sms", state, text))
        return StepStatus(state, text)

    # -- (c) the call ----------------------------------------------------------------------
    async def place_call(
        self, actor: Actor, dispatch_id: int, progress: Progress | None = None
    ) -> StepStatus:
        """Place a queued or failed call; one in progress or placed is left alone."""
        report = _safe(progress)
        job = await asyncio.to_thread(
            run_in_transaction, self._factory, lambda s: steps.claim_call(s, dispatch_id)
        )
        if isinstance(job, str):
            status = StepStatus(job, steps.blocked_text(job))
            report(StepUpdate(dispatch_id, "call", status.state, status.message))
            return status
        return await self._ring(actor, dispatch_id, job, report)

    async def _ring(
        self, actor: Actor, dispatch_id: int, job: steps.CallJob, report: Progress
    ) -> StepStatus:
        report(StepUpdate(dispatch_id, "call", "sending"))
        request = CallRequest(job.phone, str(job.appointment_id), self._extension)
        try:
            result = await self.dialer.place_call(request)
        except Exception:
            log.exception("dialer %s raised", self.dialer.name)
            result = CallResult("failed", "呼叫组件出错，未能确认是否已呼出。", False, "exception")
        try:
            await asyncio.to_thread(
                run_in_transaction,
                self._factory,
                lambda s: steps.record_call(
                    s, actor, job, dispatch_id=dispatch_id, dialer=self.dialer.name, result=result
                ),
            )
        except Exception:
            log.exception("could not record the call result of dispatch %d", dispatch_id)
        report(StepUpdate(dispatch_id, "call", result.status, result.message_zh))
        return StepStatus(result.status, result.message_zh)

    # -- the in-memory codes ---------------------------------------------------------------
    def _remember(self, dispatch_id: int, message: SmsMessage, expires_at: datetime) -> None:
        now = self._clock()
        with self._lock:
            for key in [k for k, (_, exp) in self._messages.items() if exp <= now]:
                del self._messages[key]
            self._messages[dispatch_id] = (message, expires_at)

    def _cached(self, dispatch_id: int) -> SmsMessage | None:
        with self._lock:
            entry = self._messages.get(dispatch_id)
        if entry is None or entry[1] <= self._clock():
            return None
        return entry[0]


def _safe(progress: Progress | None) -> Progress:
    """A progress callback that cannot break the operation it reports on."""

    def report(update_: StepUpdate) -> None:
        if progress is None:
            return
        try:
            progress(update_)
        except Exception:
            log.exception("progress callback failed")

    return report
