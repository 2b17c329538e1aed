"""The store's presence rule (store/procedure/presence.py) against the gateway's shared
tables: room opened by the console, the citizen marked connected, and — where seats are kept
(several gateway instances) — both seats held; a dead instance's dropped seats, a hang-up, a
drop and the console's media failure all make the citizen absent. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from officer_console.store import gateway_shared as shared
from officer_console.store import rooms
from officer_console.store.engine import read_session, transaction
from officer_console.store.procedure import presence
from tests.support.procedure_world import build, citizen_drops, citizen_joins, officer_hangs_up


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
