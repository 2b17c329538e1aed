"""Small, fast builders of store rows for tests and benches (the demo seed is for people)."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session

from officer_console.store.db.audit import Actor
from officer_console.store.db.models import Appointment, Citizen, Officer, Squad, Vehicle
from officer_console.store.people import accounts

PASSWORD = "Correct-Horse-42"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@functools.cache
def password_hash() -> str:
    return accounts.hash_password(PASSWORD)


def id_number(n: int) -> str:
    """A checksum-valid, unique ID for every n < 7,000,000 (birth date and sequence from n)."""
    birth = date(1960, 1, 1) + timedelta(days=n // 1000)
    body = f"370102{birth:%Y%m%d}{n % 1000:03d}"
    total = sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def plate(n: int) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return f"鲁{letters[n // 100000 % 24]}{n % 100000:05d}"


def squad(session: Session, code: str = "370102", name: str = "历下区大队") -> Squad:
    s = Squad(
        code=code, name=name, unit_name=f"济南市公安局交通警察支队{name}", division_code=code[:6]
    )
    session.add(s)
    session.flush()
    return s


def officer(
    session: Session,
    squad_obj: Squad | None,
    number: str,
    role: str = "officer",
    name: str = "王警官",
) -> Officer:
    o = Officer(
        police_number=number,
        name=name,
        role=role,
        squad_id=squad_obj.id if squad_obj else None,
        password_hash=password_hash(),
    )
    session.add(o)
    session.flush()
    return o


def actor_for(o: Officer, workstation: str = "ws-test") -> Actor:
    return Actor(police_number=o.police_number, officer_id=o.id, workstation=workstation)


def appointments(
    session: Session,
    squad_obj: Squad,
    count: int,
    *,
    start: datetime | None = None,
    first_citizen: int = 0,
) -> list[int]:
    """``count`` waiting appointments, one citizen and vehicle each, 10 minutes apart."""
    base = start or datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(
        hours=1
    )
    citizens = [
        {
            "name": "张三",
            "phone": f"138{(first_citizen + i) % 10**8:08d}",
            "id_number": id_number(first_citizen + i),
            "wechat_openid": f"o{first_citizen + i}",
        }
        for i in range(count)
    ]
    cids = list(
        session.scalars(
            insert(Citizen).returning(Citizen.id, sort_by_parameter_order=True), citizens
        )
    )
    vids = list(
        session.scalars(
            insert(Vehicle).returning(Vehicle.id, sort_by_parameter_order=True),
            [
                {
                    "owner_id": cid,
                    "plate": plate(first_citizen + i),
                    "vehicle_type": "小型普通客车",
                    "registration_date": date(2020, 5, 1),
                }
                for i, cid in enumerate(cids)
            ],
        )
    )
    rows = [
        {
            "squad_id": squad_obj.id,
            "citizen_id": cid,
            "vehicle_id": vid,
            "slot_start": base + timedelta(minutes=10 * i),
            "slot_end": base + timedelta(minutes=10 * i + 30),
            "status": "waiting",
            "version": 1,
        }
        for i, (cid, vid) in enumerate(zip(cids, vids, strict=True))
    ]
    return list(
        session.scalars(
            insert(Appointment).returning(Appointment.id, sort_by_parameter_order=True), rows
        )
    )
