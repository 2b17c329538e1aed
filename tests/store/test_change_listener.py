"""The store side of live updates without Qt: the poll and the PostgreSQL LISTEN loop."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from officer_console.store.appointments import queue
from officer_console.store.appointments.change_listener import (
    Change,
    ChangeListener,
    listen_conninfo,
    parse_notification,
    read_changes,
)
from officer_console.store.db.engine import read_session, transaction
from tests.support import builders


@pytest.fixture
def world(factory: sessionmaker[Session]) -> dict[str, object]:
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with transaction(factory) as s:
        sq = builders.squad(s)
        officer = builders.officer(s, sq, "370102001", name="李明")
        ids = builders.appointments(s, sq, 3, start=start - timedelta(hours=1))
        return {"squad": sq.id, "ids": ids, "actor": builders.actor_for(officer)}


def _claim(factory: sessionmaker[Session], world: dict[str, object], index: int) -> int:
    ids = world["ids"]
    assert isinstance(ids, list)
    with transaction(factory) as s:
        queue.claim(s, world["actor"], world["squad"], ids[index])  # type: ignore[arg-type]
    return int(ids[index])


def test_read_changes_takes_a_baseline_then_reports_each_changed_row(
    factory: sessionmaker[Session], world: dict[str, object]
) -> None:
    with read_session(factory) as s:
        base, nothing = read_changes(s, -1)
    assert nothing == []  # the baseline only: what is on screen was read after it
    claimed = _claim(factory, world, 0)
    with read_session(factory) as s:
        now, got = read_changes(s, base)
    assert now > base
    assert [(i, sq) for i, sq, _ in got] == [(claimed, world["squad"])]
    assert all(seq <= now for _, _, seq in got)


def test_malformed_notifications_are_ignored() -> None:
    assert parse_notification("1:2:3") == (2, 1, 3)
    assert parse_notification("hello") is None
    assert parse_notification("1:x:3") is None


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_listener_calls_back_with_each_committed_change_and_stops(
    engine: Engine, factory: sessionmaker[Session], world: dict[str, object]
) -> None:
    got: list[Change] = []
    arrived = threading.Event()
    connected = threading.Event()

    def deliver(items: list[Change]) -> None:
        got.extend(items)
        arrived.set()

    listener = ChangeListener(listen_conninfo(engine), deliver, connected.set)
    listener.start()
    try:
        assert connected.wait(10) and listener.connected.is_set()
        claimed = _claim(factory, world, 1)
        assert arrived.wait(5)
        assert [(i, sq) for i, sq, _ in got] == [(claimed, world["squad"])]
    finally:
        listener.stop()
        listener.stop()  # idempotent
    assert not listener.alive and not listener.connected.is_set()
