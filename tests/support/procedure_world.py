"""A squad with an appointment in call, ready for the procedure wizard (tests and bench)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from officer_console.paths import resource
from officer_console.store.appointments import catalogue, lifecycle, queue
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import (
    Appointment,
    AppointmentViolation,
    Citizen,
    Licence,
    ViolationRecord,
)
from officer_console.store.gateway import rooms
from tests.support import builders

#: Fines/points as the booking recorded them (the catalogue defaults).
VIOLATIONS = {"1625": (200, 6), "1344": (200, 1), "1721": (2000, 6), "1039": (200, 0)}


@dataclass(frozen=True)
class World:
    squad_id: int
    appointment_id: int
    lead: Actor
    assist: Actor
    lead_shift: Actor
    stranger: Actor
    id_last4: str


def png(width: int = 40, height: int = 20) -> bytes:
    """A real PNG (the snapshot and signature images are checked to be PNGs)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), (250, 250, 250)).save(buf, "PNG")
    return buf.getvalue()


def signed_png(label: str) -> bytes:
    """A PNG of its own per label: one signature per document, told apart by its hash."""
    from PIL import Image, ImageDraw

    buf = io.BytesIO()
    image = Image.new("RGB", (60, 24), (250, 250, 250))
    seed = sum(label.encode())
    ImageDraw.Draw(image).line([(2, 2 + seed % 20), (57, 21 - seed % 17)], (0, 0, 0), 2)
    image.save(buf, "PNG")
    return buf.getvalue()


def build(
    factory: sessionmaker[Session],
    codes: tuple[str, ...] = ("1625",),
    *,
    cycle_points: int = 0,
    status: str = "in_call",
    squad_code: str = "370102",
    on_video: bool = True,
) -> World:
    """Catalogue imported from the shipped CSV; one citizen with a licence; claimed → in call
    (``on_video``: the console's room is open and the citizen connected, as the gateway
    records it — the store's presence check for 询问/告知/确认/电子送达)."""
    with transaction(factory) as s:
        sq = builders.squad(s, squad_code)
        sq.review_authority = "济南市历下区人民政府"  # printed on the real decision
        sq.court = "济南市历下区人民法院"
        lead = builders.officer(s, sq, f"{squad_code}001", name="李明")
        assist = builders.officer(s, sq, f"{squad_code}002", name="赵强")
        shift = builders.officer(s, sq, f"{squad_code}009", role="shift_lead", name="孙队")
        admin = builders.officer(s, None, f"{squad_code}99", role="admin", name="管理员")
        other = builders.squad(s, f"{squad_code}9", "其他大队")
        stranger = builders.officer(s, other, f"{squad_code}777", name="钱亮")
        catalogue.import_catalogue_file(
            s, builders.actor_for(admin), resource("catalogue", "violations_370100.csv")
        )
        start = datetime.now(UTC) - timedelta(minutes=5)
        (aid,) = builders.appointments(s, sq, 1, start=start, first_citizen=int(squad_code) % 1000)
        appt = s.get(Appointment, aid)
        assert appt is not None
        citizen = s.get(Citizen, appt.citizen_id)
        assert citizen is not None
        citizen.name = "张三丰"
        s.add(
            Licence(
                citizen_id=citizen.id,
                licence_number=citizen.id_number,
                file_number="370100123456",
                licence_class="C1",
                first_issue_date=date(2015, 6, 10),
                issuing_authority="济南市公安局交通警察支队车辆管理所",
                cycle_points=cycle_points,
            )
        )
        for i, code in enumerate(codes):
            fine, points = VIOLATIONS[code]
            rec = ViolationRecord(
                vehicle_id=appt.vehicle_id,
                region="370100",
                code=code,
                occurred_at=datetime(2026, 11, 20, 1, 15 + i, tzinfo=UTC),
                location="经十路与舜耕路路口",
                fine=fine,
                points=points,
                source_ref=f"{squad_code}-{aid}-{i}",
            )
            s.add(rec)
            s.flush()
            s.add(AppointmentViolation(appointment_id=aid, violation_id=rec.id))
        lead_actor = builders.actor_for(lead, "ws-lead")
        version = queue.claim(s, lead_actor, sq.id, aid)
        if status in ("contacting", "in_call"):
            version = lifecycle.dispatch(s, aid, lead_actor, expected_version=version).version
        if status == "in_call":
            lifecycle.open_video(s, aid, lead_actor, expected_version=version)
            if on_video:
                room_id, _secret = rooms.open_room(s, lead_actor, aid)
                rooms.mark_citizen(s, room_id, datetime.now(UTC))
        return World(
            sq.id,
            aid,
            lead_actor,
            builders.actor_for(assist, "ws-assist"),
            builders.actor_for(shift, "ws-shift"),
            builders.actor_for(stranger, "ws-other"),
            citizen.id_number[-4:],
        )


def citizen_joins(factory: sessionmaker[Session], w: World, *, new_room: bool = True) -> str:
    """开始视频 (a new room, the old one replaced) and the citizen connected, as the console
    and the gateway record them; returns the room id."""
    with transaction(factory) as s:
        if new_room:
            room_id, _secret = rooms.open_room(s, w.lead, w.appointment_id)
        else:
            room_id = _room(s, w.appointment_id)
        rooms.mark_citizen(s, room_id, datetime.now(UTC))
        return room_id


def citizen_drops(factory: sessionmaker[Session], w: World) -> None:
    """The citizen's page left the room (network lost): the relay clears the presence."""
    with transaction(factory) as s:
        rooms.mark_citizen(s, _room(s, w.appointment_id), None)


def officer_hangs_up(factory: sessionmaker[Session], w: World) -> None:
    """The console hung up: its room is closed."""
    with transaction(factory) as s:
        rooms.close_room(s, _room(s, w.appointment_id))


def _room(s: Session, appointment_id: int) -> str:
    from sqlalchemy import select

    from officer_console.store.db.models import VideoSession

    room = s.scalar(
        select(VideoSession.room_id)
        .where(VideoSession.appointment_id == appointment_id, VideoSession.status == "open")
        .order_by(VideoSession.id.desc())
        .limit(1)
    )
    assert room is not None, "no open room"
    return room
