"""电子送达 with the dispatch SMS providers: at most one SMS per case, ever.

:meth:`DecisionServer.serve` is blocking (a worker thread, never the GUI thread): one
transaction claims the send (:func:`~officer_console.store.procedure.service.prepare_service`),
the provider sends outside any transaction, another transaction records the result. Retrying
``serve`` — a second click, a crash, another workstation — never sends a second SMS.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from officer_console.dispatch.sms.base import SmsError, SmsMessage, SmsProvider, SmsResult
from officer_console.dispatch.templates import DEFAULT_SIGN_NAME
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import read_session, run_in_transaction
from officer_console.store.db.types import utcnow
from officer_console.store.evidence.writing import StoreLike
from officer_console.store.procedure import receipt as procedure_receipt
from officer_console.store.procedure import resend as procedure_resend
from officer_console.store.procedure import service as procedure_service
from officer_console.store.procedure import view as procedure_view
from officer_console.store.procedure.core import CaseChange
from officer_console.store.procedure.documents import CaseDocumentMaker
from officer_console.store.procedure.receipt import ReceiptMaker
from officer_console.store.procedure.view import CaseView

__all__ = ["SERVICE_TEMPLATE_CODE", "SERVICE_TEXT", "DecisionServer", "ServeOutcome"]

log = logging.getLogger("officer_console.dispatch.serve")

SERVICE_TEMPLATE_CODE = "SMS_OFFICER_SERVICE"
SERVICE_TEXT = (
    "【{sign}】您的公安交通管理行政处罚决定书（编号{number}）已电子送达，"
    "请点击 {link} 查看下载，并于十五日内通过交管12123缴纳罚款。"
)
RESEND_TEXT = {
    "sent": "已重新发送文书下载链接（新链接，旧链接已失效）。",
    "failed": "重新发送失败，可再次点击重新发送。",
    "unknown": "重新发送状态未知：请先在短信平台核实，切勿重复发送。",
}
STATE_TEXT = {
    "sent": "处罚决定书已电子送达，短信已发出。",
    "failed": "短信发送失败，可重试送达（不会重复发送）。",
    "unknown": "短信发送状态未知：请先在短信平台核实是否已发出，切勿重复发送。",
}


@dataclass(frozen=True)
class ServeOutcome:
    state: str  # sent | failed | unknown
    message: str
    view: CaseView
    link: str = ""  # shown on the citizen page during the call (only when just sent)
    change: CaseChange | None = None  # the recorded result (None: nothing was written)


class DecisionServer:
    """Serve a case's decision by SMS link; safe to share between threads."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        sms: SmsProvider,
        *,
        evidence_dir: StoreLike,
        link_base: str,
        documents: CaseDocumentMaker,
        sign_name: str = DEFAULT_SIGN_NAME,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._factory = factory
        self.sms = sms
        self._evidence_dir = evidence_dir
        self.documents = documents
        self._link_base = link_base.rstrip("/")
        self._sign = sign_name
        self._clock = clock

    def link(self, token: str) -> str:
        return f"{self._link_base}/api/v1/documents/{token}"

    def serve(
        self, actor: Actor, case_id: int, *, confirm_png: bytes | None, consent: bool
    ) -> ServeOutcome:
        """Claim, store the signed documents (first time only), send, record. The store
        refuses without ``consent`` and the signed address confirmation ``confirm_png``."""
        evidence_dir, provider = self._evidence_dir, self.sms.name

        def prepare(s: Session) -> procedure_service.ServiceJob:
            return procedure_service.prepare_service(
                s,
                actor,
                evidence_dir,
                case_id,
                documents=self.documents,
                confirm_png=confirm_png,
                consent=consent,
                provider=provider,
                body_template=template,
                link_base=self._link_base,
            )

        template = SERVICE_TEXT.replace("{sign}", self._sign)
        job = run_in_transaction(self._factory, prepare)
        if job.state != "send":
            with read_session(self._factory) as s:
                view = procedure_view.load_case(s, case_id)
            state = "sent" if job.state == "sent" else "unknown"
            return ServeOutcome(state, STATE_TEXT[state], view)
        link = self.link(job.token)
        result = self._send(job, link, case_id)
        now = self._clock()

        def record(s: Session) -> CaseChange:
            change = procedure_service.record_service_result(
                s,
                actor,
                case_id,
                accepted=result.accepted,
                outcome_unknown=result.outcome_unknown,
                provider_message_id=result.provider_message_id,
                error=result.message_zh,
                now=now,
            )
            if result.accepted and isinstance(self.documents, ReceiptMaker):
                # the sent time on a signed record: the 电子送达回证, evidence like the others
                procedure_receipt.store_service_receipt(
                    s, actor, evidence_dir, case_id, self.documents, now=now
                )
            return change

        change = run_in_transaction(self._factory, record)
        state = "sent" if result.accepted else "unknown" if result.outcome_unknown else "failed"
        message_zh = (
            STATE_TEXT[state] if result.accepted else f"{STATE_TEXT[state]}（{result.message_zh}）"
        )
        return ServeOutcome(state, message_zh, change.view, link if result.accepted else "", change)

    def _send(self, job: procedure_service.ServiceJob, link: str, case_id: int) -> SmsResult:
        """The provider call, outside any transaction; never raises."""
        message = SmsMessage(
            phone=job.phone,
            template_code=SERVICE_TEMPLATE_CODE,
            params={"number": job.decision_number, "link": link},
            sign_name=self._sign,
            idempotency_key=job.idempotency_key,
        )
        try:
            return self.sms.send(message)
        except SmsError as exc:  # configuration refused before anything was sent
            return SmsResult(False, None, "CONFIG", exc.message, False)
        except Exception:  # a provider bug: the message may or may not have left
            log.exception("SMS provider %s raised while serving case %d", self.sms.name, case_id)
            return SmsResult(False, None, "PROVIDER_ERROR", "短信组件出错", False, True)

    def resend(self, actor: Actor, case_id: int, request: str) -> ServeOutcome:
        """重新发送链接 on the officer's explicit request ``request`` (one id per click): a new
        SMS with a fresh link; the same request retried never sends twice (audited)."""
        template = SERVICE_TEXT.replace("{sign}", self._sign)
        job = run_in_transaction(
            self._factory,
            lambda s: procedure_resend.prepare_resend(
                s,
                actor,
                case_id,
                request=request,
                provider=self.sms.name,
                body_template=template,
                link_base=self._link_base,
            ),
        )
        with read_session(self._factory) as s:
            view = procedure_view.load_case(s, case_id)
        if job.state != "send":
            state = "sent" if job.state == "sent" else "unknown"
            return ServeOutcome(state, RESEND_TEXT[state], view)
        link = self.link(job.token)
        result = self._send(job, link, case_id)
        state = run_in_transaction(
            self._factory,
            lambda s: procedure_resend.record_resend_result(
                s,
                actor,
                case_id,
                job.idempotency_key,
                accepted=result.accepted,
                outcome_unknown=result.outcome_unknown,
                provider_message_id=result.provider_message_id,
                error=result.message_zh,
            ),
        )
        text = (
            RESEND_TEXT[state]
            if result.accepted
            else f"{RESEND_TEXT[state]}（{result.message_zh}）"
        )
        return ServeOutcome(state, text, view, link if result.accepted else "")
