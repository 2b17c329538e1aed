"""The store's presence rule (store/procedure/presence.py) against the gateway's shared
tables: room opened by the console, the citizen marked connected, and — where seats are kept
(several gateway instances) — both seats held; a dead instance's dropped seats, a hang-up, a
drop and the console's media failure all make the citizen absent. SQLite and PostgreSQL."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.domain.errors import RuleViolation
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import read_session, run_in_transaction, transaction
from officer_console.store.db.models import VideoSession
from officer_console.store.gateway import rooms, shared
from officer_console.store.procedure import cases, presence
from tests.support.procedure_world import (
    build,
    citizen_drops,
    citizen_joins,
    officer_hangs_up,
    png,
)

ROOT = Path(__file__).resolve().parents[2]
_S = timedelta(seconds=1)


def _present(factory: sessionmaker[Session], appointment_id: int) -> bool:
    with read_session(factory) as s:
        return presence.citizen_on_video(s, appointment_id)


def test_presence_follows_room_citizen_and_seats(factory: sessionmaker[Session]) -> None:
    w = build(factory, on_video=False)
    aid = w.appointment_id
    assert not _present(factory, aid)  # no room
    with transaction(factory) as s:  # the citizen waits in a room the console has not opened
        room = rooms.open_waiting_room(s, aid, now=datetime.now(UTC))
        rooms.mark_citizen(s, room, datetime.now(UTC))
    assert not _present(factory, aid)  # 开始视频 not pressed yet
    room = citizen_joins(factory, w)
    assert _present(factory, aid)
    now = datetime.now(UTC)
    with transaction(factory) as s:  # several instances: seats are kept
        shared.take_seat(s, room, "citizen", instance="gw-a", code_id=1, now=now, may_replace=set())
    assert not _present(factory, aid)  # the console's seat is missing
    with transaction(factory) as s:
        shared.take_seat(s, room, "console", instance="gw-b", code_id=0, now=now, may_replace=set())
    assert _present(factory, aid)
    with transaction(factory) as s:  # instance gw-a died: the survivors drop its seats
        shared.drop_seats(s, "gw-a")
    assert not _present(factory, aid)
    with transaction(factory) as s:
        shared.take_seat(s, room, "citizen", instance="gw-b", code_id=2, now=now, may_replace=set())
    assert _present(factory, aid)
    with transaction(factory) as s:  # the console saw the citizen's media fail
        presence.console_saw(s, aid, connected=False)
    assert not _present(factory, aid)
    with transaction(factory) as s:
        presence.console_saw(s, aid, connected=True)
    assert _present(factory, aid)
    citizen_drops(factory, w)
    assert not _present(factory, aid)
    citizen_joins(factory, w, new_room=False)
    officer_hangs_up(factory, w)
    assert not _present(factory, aid)


def _alive_at(factory: sessionmaker[Session], room: str) -> datetime | None:
    with read_session(factory) as s:
        row = s.scalar(select(VideoSession).where(VideoSession.room_id == room))
        assert row is not None
        return row.console_alive_at


def test_presence_needs_a_fresh_console_heartbeat(factory: sessionmaker[Session]) -> None:
    w = build(factory, on_video=False)
    aid = w.appointment_id
    room = citizen_joins(factory, w)
    with read_session(factory) as s:
        opened = s.scalar(
            select(VideoSession.console_opened_at).where(VideoSession.room_id == room)
        )
        assert opened is not None
        assert presence.citizen_on_video(s, aid, now=opened + presence.FRESH)  # just opened
        # A single gateway instance: no seats; nobody beats → the room stops counting.
        assert not presence.citizen_on_video(s, aid, now=opened + presence.FRESH + _S)
    beat = opened + presence.FRESH
    with transaction(factory) as s:  # the console holding the call beats
        assert presence.console_beat(s, room, aid, now=beat)
    with read_session(factory) as s:
        assert presence.citizen_on_video(s, aid, now=beat + presence.FRESH)
        assert not presence.citizen_on_video(s, aid, now=beat + presence.FRESH + _S)
    with transaction(factory) as s:  # no room id given: the appointment's open room
        assert presence.console_beat(s, None, aid, now=beat + presence.FRESH)
        assert not presence.console_beat(s, room, aid + 1)  # another appointment's: nothing
    with read_session(factory) as s:
        assert presence.citizen_on_video(s, aid, now=beat + 2 * presence.FRESH)
    officer_hangs_up(factory, w)
    with transaction(factory) as s:  # a closed room is never refreshed
        assert not presence.console_beat(s, room, aid)


# The "console": holds the call on ``room`` and beats like ConsoleHeartbeat (faster here).
CONSOLE = textwrap.dedent(
    """
    import sys, time
    from officer_console.store.db.engine import make_engine, run_in_transaction, session_factory
    from officer_console.store.procedure import presence

    url, room, appointment_id = sys.argv[1:]
    factory = session_factory(make_engine(url))
    while True:
        run_in_transaction(
            factory, lambda s: presence.console_beat(s, room, int(appointment_id))
        )
        print("beat", flush=True)
        time.sleep(0.2)
    """
)


def test_a_console_killed_by_9_stops_counting(
    factory: sessionmaker[Session], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Single gateway instance (no seats): the killed console's room stays open with the
    citizen marked connected, yet within FRESH of its last beat no step needing the citizen
    passes — from any workstation. FRESH is shortened from 20 s to 3 s (the beats come every
    0.2 s here): the same rule, in real time, without 20 s of sleep."""
    monkeypatch.setattr(presence, "FRESH", timedelta(seconds=3))
    w = build(factory, on_video=False)
    aid = w.appointment_id
    room = citizen_joins(factory, w)
    run = lambda work: run_in_transaction(factory, work)  # noqa: E731
    view = run(lambda s: cases.start_case(s, w.lead, aid)).view
    console = subprocess.Popen(
        [sys.executable, "-c", CONSOLE, db_url, room, str(aid)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    try:
        assert console.stdout is not None
        for _ in range(3):  # it beats
            assert console.stdout.readline() == b"beat\n"
        first = _alive_at(factory, room)
        assert console.stdout.readline() == b"beat\n"
        second = _alive_at(factory, room)
        assert first is not None and second is not None and second > first
        assert _present(factory, aid)  # alive console, citizen connected
    finally:
        console.send_signal(signal.SIGKILL)
        console.wait(10)
        if console.stdout is not None:
            console.stdout.close()
    last = _alive_at(factory, room)
    assert last is not None
    with read_session(factory) as s:  # the room is still open, the citizen still marked
        row = s.scalar(select(VideoSession).where(VideoSession.room_id == room))
        assert row is not None and row.status == "open" and row.citizen_waiting_since
    time.sleep(1)
    assert _alive_at(factory, room) == last  # nobody beats any more
    wait = (last + presence.FRESH + _S) - datetime.now(UTC)
    time.sleep(max(0.0, wait.total_seconds()))  # real time: the rule as the steps apply it
    with pytest.raises(RuleViolation) as refused:  # another workstation, the same officer
        other = Actor(w.lead.police_number, w.lead.officer_id, "ws-other")
        run(lambda s: cases.record_snapshot(s, other, Path("/nonexistent"), view.case_id, png()))
    assert refused.value.code == "citizen_absent"
    # 开始视频 again (a new room) and the citizen back: the fresh console counts at once.
    citizen_joins(factory, w)
    assert _present(factory, aid)
