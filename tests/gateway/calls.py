"""Set-up for join and signaling tests: a claimed appointment, its code and its room."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from officer_console.dispatch.codes import issue_code
from officer_console.store.appointments import queue
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import transaction
from officer_console.store.gateway import rooms
from tests.gateway.world import NOW
from tests.support import builders


@dataclass
class Call:
    actor: Actor
    appointment_id: int
    phone: str
    room_id: str = ""
    secret: str = ""


_numbers = itertools.count(10)


def claimed_call(factory: sessionmaker[Session], squad_id: int, n: int | None = None) -> Call:
    n = next(_numbers) if n is None else n
    with transaction(factory) as s:
        from officer_console.store.db.models import Squad

        squad = s.get(Squad, squad_id)
        assert squad is not None
        officer = builders.officer(s, squad, f"3701029{n:02d}")
        actor = builders.actor_for(officer)
        (appt,) = builders.appointments(s, squad, 1, start=NOW, first_citizen=7000 + n)
        queue.claim(s, actor, squad.id, appt)
    return Call(actor, appt, f"138{(7000 + n) % 10**8:08d}")


def new_code(factory: sessionmaker[Session], call: Call, now: datetime = NOW) -> str:
    with transaction(factory) as s:
        return issue_code(s, call.actor, call.appointment_id, now=now).code


def open_room(factory: sessionmaker[Session], call: Call, now: datetime = NOW) -> Call:
    with transaction(factory) as s:
        call.room_id, call.secret = rooms.open_room(s, call.actor, call.appointment_id, now=now)
    return call
