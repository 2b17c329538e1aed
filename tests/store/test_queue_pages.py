"""Keyset pages agree with the OFFSET listing; the Python filter agrees with the SQL one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from officer_console.store.appointments import queue, queue_pages
from officer_console.store.appointments.queue import QueueFilter
from officer_console.store.db import changes
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import Appointment, Officer
from officer_console.store.people import directory
from tests.support import builders


@pytest.fixture
def world(factory: sessionmaker[Session]) -> dict[str, int]:
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with transaction(factory) as s:
        sq = builders.squad(s)
        other = builders.squad(s, "370103", "市中区大队")
        a = builders.officer(s, sq, "370102001", name="李明")
        builders.officer(s, sq, "370102099", role="shift_lead", name="孙队")
        builders.officer(s, None, "admin", role="admin", name="管理员")
        builders.officer(s, other, "370103001", name="钱亮")
        ids = builders.appointments(s, sq, 60, start=start - timedelta(hours=12))
        builders.appointments(s, other, 5, first_citizen=1000)
        # Two rows share a slot so the id tie-break is exercised.
        s.execute(
            update(Appointment)
            .where(Appointment.id == ids[11])
            .values(slot_start=s.get(Appointment, ids[10]).slot_start)  # type: ignore[union-attr]
        )
        actor = builders.actor_for(a)
        for aid in ids[::7]:
            queue.claim(s, actor, sq.id, aid)
        return {"squad": sq.id, "other": other.id, "a": a.id}


FILTERS = [
    QueueFilter(),
    QueueFilter(statuses=("waiting",)),
    QueueFilter(statuses=("claimed",)),
    QueueFilter(from_day=datetime.now(UTC).date()),
    QueueFilter(day=datetime.now(UTC).date()),
    QueueFilter(plate="A0001"),
]


@pytest.mark.parametrize("flt", FILTERS)
def test_keyset_pages_equal_offset_listing(factory, world, flt) -> None:  # type: ignore[no-untyped-def]
    with factory() as s:
        expected = queue.list_queue(s, world["squad"], flt, limit=1000)
        got: list[queue.QueueRow] = []
        after = None
        while True:
            page = queue_pages.list_page(s, world["squad"], flt, after=after, limit=7)
            got.extend(page)
            if len(page) < 7:
                break
            after = queue_pages.sort_key(page[-1])
        everything = queue.list_queue(s, world["squad"], limit=1000) + queue.list_queue(
            s, world["other"], limit=1000
        )
    assert [r.id for r in got] == [r.id for r in expected]
    in_python = [r.id for r in everything if queue_pages.matches(r, world["squad"], flt)]
    assert sorted(in_python) == sorted(r.id for r in expected)


def test_officer_filter_matches(factory, world) -> None:  # type: ignore[no-untyped-def]
    flt = QueueFilter(officer_id=world["a"])
    with factory() as s:
        rows = queue.list_queue(s, world["squad"], limit=1000)
    mine = [r.id for r in rows if queue_pages.matches(r, world["squad"], flt)]
    assert mine and all(r.officer_id == world["a"] for r in rows if r.id in mine)


def test_changes_after_lists_stamped_rows_in_order(factory, world) -> None:  # type: ignore[no-untyped-def]
    with factory() as s:
        base = changes.current(s)
        first = queue.list_queue(s, world["squad"], QueueFilter(statuses=("waiting",)), limit=2)
    with transaction(factory) as s:
        actor = builders.actor_for(s.get(Officer, world["a"]))  # type: ignore[arg-type]
        for r in first:
            queue.claim(s, actor, world["squad"], r.id)
    with factory() as s:
        got = queue_pages.changes_after(s, base)
    assert [(i, sq) for i, sq, _ in got] == [(r.id, world["squad"]) for r in first]
    assert got[0][2] < got[1][2]


def test_directory_lists_working_officers_and_squads(factory, world) -> None:  # type: ignore[no-untyped-def]
    with factory() as s:
        squads = directory.list_squads(s)
        ours = directory.list_officers(s, world["squad"])
        everyone = directory.list_officers(s)
    assert [q.name for q in squads] == ["历下区大队", "市中区大队"]
    assert [o.label for o in ours] == ["李明（370102001）", "孙队（370102099）"]
    assert {o.role for o in everyone} == {"officer", "shift_lead"}
    assert len(everyone) == 3
