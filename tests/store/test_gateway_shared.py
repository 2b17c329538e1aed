"""Rows gateway instances share (seats, large signals, rate windows) on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from officer_console.store.db.engine import transaction
from officer_console.store.gateway import shared

NOW = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)


def test_seats_one_holder_fresh_code_wins_dead_instance_replaced(
    factory: sessionmaker[Session],
) -> None:
    def take(role: str, instance: str, code: int, replace: set[str] | None = None) -> bool:
        with transaction(factory) as s:
            taken, _ = shared.take_seat(
                s,
                "room-1",
                role,
                instance=instance,
                code_id=code,
                now=NOW,
                may_replace=replace or set(),
            )
        return taken

    assert take("console", "a", 0)
    assert not take("console", "b", 0)  # a second console on another instance
    assert take("console", "b", 0, {"a"})  # a is dead: b takes over
    assert take("citizen", "a", 5)
    assert not take("citizen", "b", 5)  # same code elsewhere: refused
    assert take("citizen", "b", 6)  # a fresh code wins across instances
    with transaction(factory) as s:
        seats = shared.seats_of(s, "room-1")
        assert {r: (x.instance, x.code_id) for r, x in seats.items()} == {
            "console": ("b", 0),
            "citizen": ("b", 6),
        }
        shared.release_seat(s, "room-1", "citizen", "a", 5)  # stale release: no effect
        shared.release_seat(s, "room-1", "citizen", "b", 6)
        assert set(shared.seats_of(s, "room-1")) == {"console"}
        shared.drop_seats(s, "b")
        assert shared.seats_of(s, "room-1") == {}


def test_payloads_and_rate_windows(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        pid = shared.store_payload(s, "room-1", "x" * 20_000, NOW)
    with transaction(factory) as s:
        assert shared.fetch_payload(s, pid) == "x" * 20_000
        assert shared.prune_payloads(s, NOW + timedelta(minutes=10)) == 1
        assert shared.fetch_payload(s, pid) is None
    waits = []
    for k in range(4):
        with transaction(factory) as s:
            waits.append(shared.hit_window(s, "phone:1", 3, 60, NOW + timedelta(seconds=k)))
    assert waits[:3] == [0, 0, 0] and 55 <= waits[3] <= 60
    with transaction(factory) as s:  # the window ended: counting starts over
        assert shared.hit_window(s, "phone:1", 3, 60, NOW + timedelta(seconds=61)) == 0


def test_seats_of_many_rooms_in_one_read(factory: sessionmaker[Session]) -> None:
    """The relay's sweep reconciles every local room with one read (over 1000 ids too)."""
    with transaction(factory) as s:
        for n, role in ((1, "console"), (1, "citizen"), (2, "citizen")):
            shared.take_seat(
                s, f"room-{n}", role, instance=f"i{n}", code_id=n, now=NOW, may_replace=set()
            )
    ids = [f"room-{n}" for n in range(1, 1500)]
    with transaction(factory) as s:
        seats = shared.seats_of_rooms(s, ids)
    assert {rid: sorted(by_role) for rid, by_role in seats.items()} == {
        "room-1": ["citizen", "console"],
        "room-2": ["citizen"],
    }
    assert seats["room-2"]["citizen"].instance == "i2"
