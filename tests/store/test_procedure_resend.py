"""重新发送链接 (SQLite and PostgreSQL): only for a case served by SMS, one new SMS per explicit
request — the same request retried never sends twice — with a fresh link, audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.dispatch.serve_decision import DecisionServer
from officer_console.domain.errors import ConflictError, NotFoundError, ValidationError
from officer_console.store.db import audit
from officer_console.store.db.engine import read_session, transaction
from officer_console.store.db.models import SmsMessage
from officer_console.store.db.types import utcnow
from officer_console.store.evidence import delivery
from tests.store.test_procedure_cases import CountingSms, _serve, _to_service
from tests.support.procedure_world import build


def test_resend_is_explicit_idempotent_and_audited(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    w = build(factory)
    view = _to_service(factory, w, tmp_path)
    sms = CountingSms()
    server = DecisionServer(
        factory,
        sms,
        evidence_dir=tmp_path,
        link_base="https://gw.example.cn",
        documents=None,  # type: ignore[arg-type]
    )
    with pytest.raises(ConflictError):  # not served yet: nothing to re-send
        server.resend(w.lead, view.case_id, "click-0001")
    first = _serve(factory, w, tmp_path, view, sms)
    assert first.state == "sent" and len(sms.sent) == 1
    again = server.resend(w.lead, view.case_id, "click-0002")
    assert again.state == "sent" and len(sms.sent) == 2 and again.link != first.link
    retried = server.resend(w.lead, view.case_id, "click-0002")  # the same click retried
    assert retried.state == "sent" and len(sms.sent) == 2 and retried.link == ""
    with pytest.raises(ValidationError):
        server.resend(w.lead, view.case_id, "x")
    token = again.link.rsplit("/", 1)[1]
    with transaction(factory) as s:  # the new link downloads the same decision
        served = delivery.fetch_document(
            s, token, now=utcnow(), evidence_dir=tmp_path, actor=w.lead
        )
        assert served.number == view.decision_number
    old = first.link.rsplit("/", 1)[1]
    with transaction(factory) as s, pytest.raises(NotFoundError):  # the old link is void
        delivery.fetch_document(s, old, now=utcnow(), evidence_dir=tmp_path, actor=w.lead)
    with read_session(factory) as s:
        assert s.scalar(select(func.count()).select_from(SmsMessage)) == 2
        actions = [e.action for e in audit.events_for(s, "case", view.case_id)]
        assert actions.count("service.resend") == 1 and actions.count("service.sms") == 2
        assert audit.verify_chain(s).ok
