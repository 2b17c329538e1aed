"""The audit chain: append in the caller's transaction, verify, detect tampering."""

from __future__ import annotations

import pytest
from sqlalchemy import text, update
from sqlalchemy.orm import Session, sessionmaker

from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import AuditEvent, Squad

ACTOR = Actor(police_number="370102001", officer_id=None, workstation="ws-1")


def _append(factory: sessionmaker[Session], n: int) -> None:
    with transaction(factory) as s:
        for i in range(n):
            audit.record(s, ACTOR, "test.event", entity_type="thing", entity_id=i, detail={"i": i})


def test_chain_verifies_and_ids_are_gap_free(factory: sessionmaker[Session]) -> None:
    _append(factory, 5)
    _append(factory, 3)
    with factory() as s:
        report = audit.verify_chain(s)
        seqs = [e.chain_seq for e in s.query(AuditEvent).order_by(AuditEvent.id)]
    assert report.ok, report.reason
    assert report.checked == 8
    assert seqs == list(range(1, 9))


def test_rolled_back_change_leaves_no_audit_row(factory: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), transaction(factory) as s:
        s.add(Squad(code="X1", name="测试", unit_name="测试", division_code="370102"))
        audit.record(s, ACTOR, "squad.create")
        raise RuntimeError("boom")
    with factory() as s:
        assert s.query(AuditEvent).count() == 0
        assert s.query(Squad).count() == 0
        assert audit.verify_chain(s).ok
    _append(factory, 1)
    with factory() as s:
        assert audit.verify_chain(s).ok


def test_tampered_detail_is_reported_at_its_row(factory: sessionmaker[Session]) -> None:
    _append(factory, 6)
    with transaction(factory) as s:
        s.execute(update(AuditEvent).where(AuditEvent.id == 4).values(outcome="denied"))
    with factory() as s:
        report = audit.verify_chain(s)
    assert not report.ok
    assert report.first_broken_id == 4


def test_deleted_row_is_reported(factory: sessionmaker[Session]) -> None:
    _append(factory, 5)
    with transaction(factory) as s:
        s.execute(text("DELETE FROM audit_events WHERE id = 3"))
    with factory() as s:
        report = audit.verify_chain(s)
    assert report.first_broken_id == 4  # the first surviving row after the gap
    assert "第 3 条记录缺失" in report.reason


def test_each_workstation_has_its_own_chain(factory: sessionmaker[Session]) -> None:
    other = Actor(police_number="370102002", officer_id=None, workstation="ws-2")
    with transaction(factory) as s:
        for i in range(3):
            audit.record(s, ACTOR, "a", entity_id=i)
            audit.record(s, other, "b", entity_id=i)
    with factory() as s:
        seqs = [(e.chain, e.chain_seq) for e in s.query(AuditEvent).order_by(AuditEvent.id)]
        assert audit.verify_chain(s).checked == 6
    assert seqs == [("ws-1", 1), ("ws-2", 1), ("ws-1", 2), ("ws-2", 2), ("ws-1", 3), ("ws-2", 3)]
    with transaction(factory) as s:
        s.execute(text("DELETE FROM audit_events WHERE chain = 'ws-2' AND chain_seq = 3"))
    with factory() as s:
        report = audit.verify_chain(s)
    assert not report.ok and "ws-2" in report.reason


def test_personal_data_in_detail_is_masked(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        ev = audit.record(
            s, ACTOR, "citizen.note", detail={"note": "电话13812341234 身份证11010519491231002X"}
        )
    assert "13812341234" not in str(ev.detail)
    assert "11010519491231002X" not in str(ev.detail)
    assert "138****1234" in ev.detail["note"]
