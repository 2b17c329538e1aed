"""Queue listing, atomic claims under contention, reassignment and optimistic updates."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.domain.errors import (
    ConflictError,
    PermissionDenied,
    RuleViolation,
    ValidationError,
)
from officer_console.store.appointments import lifecycle, queue
from officer_console.store.db import audit
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import Appointment, AuditEvent
from tests.support import builders
from tests.support.claimers import claim_until_empty


@pytest.fixture
def world(factory: sessionmaker[Session]) -> dict[str, int]:
    with transaction(factory) as s:
        sq = builders.squad(s)
        other = builders.squad(s, "370103", "市中区大队")
        a = builders.officer(s, sq, "370102001", name="李明")
        b = builders.officer(s, sq, "370102002", name="赵强")
        lead = builders.officer(s, sq, "370102099", role="shift_lead", name="孙队")
        c = builders.officer(s, other, "370103001", name="钱亮")
        ids = builders.appointments(s, sq, 5)
        return {
            "squad": sq.id,
            "other": other.id,
            "a": a.id,
            "b": b.id,
            "lead": lead.id,
            "c": c.id,
            "first": ids[0],
            "last": ids[-1],
        }


def _actor(s: Session, officer_id: int):  # type: ignore[no-untyped-def]
    from officer_console.store.db.models import Officer

    return builders.actor_for(s.get(Officer, officer_id))


def test_queue_lists_masked_rows_sorted_by_slot(factory, world) -> None:  # type: ignore[no-untyped-def]
    with factory() as s:
        rows = queue.list_queue(s, world["squad"])
        total = queue.count_queue(s, world["squad"])
    assert total == 5
    assert [r.slot_start for r in rows] == sorted(r.slot_start for r in rows)
    assert rows[0].citizen_masked == "张*"
    assert "****" in rows[0].phone_masked
    assert rows[0].plate.startswith("鲁A")
    assert rows[0].status_label == "待认领"


def test_queue_filters_by_status_officer_plate_and_day(factory, world) -> None:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        queue.claim(s, _actor(s, world["a"]), world["squad"], world["first"])
    with factory() as s:
        mine = queue.list_queue(s, world["squad"], queue.QueueFilter(officer_id=world["a"]))
        waiting = queue.count_queue(s, world["squad"], queue.QueueFilter(statuses=("waiting",)))
        plate = mine[0].plate
        by_plate = queue.list_queue(s, world["squad"], queue.QueueFilter(plate=plate[-3:]))
        tomorrow = (datetime.now(UTC) + timedelta(days=3)).date()
        none_that_day = queue.count_queue(s, world["squad"], queue.QueueFilter(day=tomorrow))
    assert [r.id for r in mine] == [world["first"]]
    assert mine[0].officer_name == "李明"
    assert waiting == 4
    assert world["first"] in [r.id for r in by_plate]
    assert none_that_day == 0


def test_second_claim_of_same_row_loses_with_clear_message(factory, world) -> None:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        version = queue.claim(s, _actor(s, world["a"]), world["squad"], world["first"], 1)
    assert version == 2
    with pytest.raises(ConflictError, match="已被 李明 认领"), transaction(factory) as s:
        queue.claim(s, _actor(s, world["b"]), world["squad"], world["first"], 1)
    with factory() as s:
        assert s.get(Appointment, world["first"]).officer_id == world["a"]


def test_claim_in_another_squad_is_refused(factory, world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConflictError), transaction(factory) as s:
        queue.claim(s, _actor(s, world["c"]), world["other"], world["first"])


def test_status_change_is_optimistic(factory, world) -> None:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        v = queue.claim(s, _actor(s, world["a"]), world["squad"], world["first"])
    with transaction(factory) as s:
        v2 = lifecycle.dispatch(
            s, world["first"], _actor(s, world["a"]), expected_version=v
        ).version
    assert v2 == v + 1
    with factory() as s:
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "appointment.dispatch")
        ).one()
    assert (event.detail["from"], event.detail["to"]) == ("claimed", "contacting")
    with pytest.raises(ConflictError), transaction(factory) as s:
        lifecycle.open_video(s, world["first"], _actor(s, world["a"]), expected_version=v)  # stale
    with pytest.raises(RuleViolation), transaction(factory) as s:
        lifecycle.complete(s, world["first"], _actor(s, world["a"]), expected_version=v2)  # no
    with pytest.raises(PermissionDenied), transaction(factory) as s:
        lifecycle.open_video(s, world["first"], _actor(s, world["b"]), expected_version=v2)  # other


def test_reassign_requires_shift_lead_and_a_reason(factory, world) -> None:  # type: ignore[no-untyped-def]
    items = [(world["first"], 1), (world["last"], 1)]
    with pytest.raises(PermissionDenied), transaction(factory) as s:
        queue.reassign(
            s,
            _actor(s, world["a"]),
            "officer",
            world["squad"],
            items,
            reason="x",
            to_officer_id=world["b"],
        )
    with pytest.raises(ValidationError), transaction(factory) as s:
        queue.reassign(
            s,
            _actor(s, world["lead"]),
            "shift_lead",
            world["squad"],
            items,
            reason="  ",
            to_officer_id=world["b"],
        )
    with transaction(factory) as s:
        queue.reassign(
            s,
            _actor(s, world["lead"]),
            "shift_lead",
            world["squad"],
            items,
            reason="李明外出处警",
            to_officer_id=world["b"],
        )
    with factory() as s:
        rows = {r.id: r for r in queue.get_rows(s, [world["first"], world["last"]])}
        reassigned = s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "appointment.reassign", AuditEvent.outcome == "ok")
        )
        denied = s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "appointment.reassign", AuditEvent.outcome == "denied")
        )
    assert {r.officer_id for r in rows.values()} == {world["b"]}
    assert {r.status for r in rows.values()} == {"claimed"}
    assert (reassigned, denied) == (2, 0)  # the denied attempt rolled back with its transaction


def test_reassign_to_the_current_officer_or_squad_is_refused(factory, world) -> None:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        queue.claim(s, _actor(s, world["a"]), world["squad"], world["first"])
    for target in ({"to_officer_id": world["a"]}, {"to_squad_id": world["squad"]}):
        with pytest.raises(ValidationError, match="无需改派"), transaction(factory) as s:
            queue.reassign(
                s,
                _actor(s, world["lead"]),
                "shift_lead",
                world["squad"],
                [(world["first"], 2)],
                reason="no-op",
                **target,
            )
    with factory() as s:
        row = queue.get_rows(s, [world["first"]])[0]
        actions = s.scalars(select(AuditEvent.action)).all()
    assert (row.version, row.officer_id) == (2, world["a"])
    assert "appointment.reassign" not in actions


def test_reassign_to_another_squad_puts_it_back_in_their_queue(factory, world) -> None:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        queue.claim(s, _actor(s, world["a"]), world["squad"], world["first"])
    with transaction(factory) as s:
        queue.reassign(
            s,
            _actor(s, world["lead"]),
            "shift_lead",
            world["squad"],
            [(world["first"], 2)],
            reason="当事人要求改约市中区大队",
            to_squad_id=world["other"],
        )
    with factory() as s:
        row = queue.get_rows(s, [world["first"]])[0]
        assert queue.count_queue(s, world["other"]) == 1
    assert (row.squad_id, row.status, row.officer_id) == (world["other"], "waiting", None)


def test_reassign_with_a_stale_version_changes_nothing(factory, world) -> None:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        queue.claim(s, _actor(s, world["a"]), world["squad"], world["last"])
    items = [(world["first"], 1), (world["last"], 1)]  # last is stale now
    with pytest.raises(ConflictError), transaction(factory) as s:
        queue.reassign(
            s,
            _actor(s, world["lead"]),
            "shift_lead",
            world["squad"],
            items,
            reason="调整",
            to_officer_id=world["b"],
        )
    with factory() as s:
        first = queue.get_rows(s, [world["first"]])[0]
    assert first.officer_id is None  # all or nothing


def test_changes_are_stamped_for_live_updates(factory, world) -> None:  # type: ignore[no-untyped-def]
    from officer_console.store.db import changes

    with factory() as s:
        seq0 = changes.current(s)
    with transaction(factory) as s:
        queue.claim(s, _actor(s, world["a"]), world["squad"], world["first"])
    with factory() as s:
        changed = queue.changed_since(s, seq0, world["squad"])
        assert changes.current(s) > seq0
    assert changed == [(world["first"], world["squad"])]


@pytest.mark.slow
def test_sixteen_workers_claim_each_appointment_exactly_once(factory, db_url) -> None:  # type: ignore[no-untyped-def]
    """8 threads + 8 processes race over 1,000 appointments: no double claims, none lost."""
    with transaction(factory) as s:
        sq = builders.squad(s)
        officers = [builders.officer(s, sq, f"3701020{i:02d}").id for i in range(16)]
        builders.appointments(s, sq, 1000)
        squad_id = sq.id
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(8) as pool, ThreadPoolExecutor(8) as threads:
        proc_results = [
            pool.apply_async(claim_until_empty, (db_url, officers[i], squad_id, f"p{i}"))
            for i in range(8)
        ]
        thread_results = [
            threads.submit(claim_until_empty, db_url, officers[8 + i], squad_id, f"t{i}")
            for i in range(8)
        ]
        claimed = [r.get(timeout=240)[0] for r in proc_results] + [
            f.result(timeout=240)[0] for f in thread_results
        ]
    counts = Counter(i for ids in claimed for i in ids)
    assert len(counts) == 1000
    assert max(counts.values()) == 1
    assert sum(len(ids) for ids in claimed) == 1000
    assert sum(1 for ids in claimed if ids) >= 2  # the race really had several winners
    with factory() as s:
        assert (
            s.scalar(
                select(func.count()).select_from(Appointment).where(Appointment.status == "waiting")
            )
            == 0
        )
        report = audit.verify_chain(s)
    assert report.ok, report.reason
    assert report.checked == 1000
