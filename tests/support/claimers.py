"""Claim workers for concurrency tests and benches (importable by spawned processes)."""

from __future__ import annotations

import time

from officer_console.store.appointments import queue
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import make_engine, run_in_transaction, session_factory


def claim_until_empty(
    url: str, officer_id: int, squad_id: int, label: str
) -> tuple[list[int], list[float]]:
    """Claim the next waiting appointment until none is left; return ids and latencies (s)."""
    engine = make_engine(url, pool_size=1)
    factory = session_factory(engine)
    actor = Actor(police_number=f"w{officer_id}", officer_id=officer_id, workstation=label)
    claimed: list[int] = []
    latencies: list[float] = []
    try:
        while True:
            t0 = time.perf_counter()
            got = run_in_transaction(
                factory, lambda s: queue.claim_next(s, actor, squad_id), attempts=10
            )
            latencies.append(time.perf_counter() - t0)
            if got is None:
                latencies.pop()
                return claimed, latencies
            claimed.append(got)
    finally:
        engine.dispose()


def bare_claim_until_empty(
    url: str, officer_id: int, squad_id: int, label: str
) -> tuple[list[int], list[float]]:
    """The docs/pitfalls.md baseline: the conditional UPDATE alone — no change stamp, no audit row."""
    from sqlalchemy import text

    engine = make_engine(url, pool_size=1)
    sql = text(
        "UPDATE appointments SET status='claimed', officer_id=:o, version=version+1 "
        "WHERE id = (SELECT id FROM appointments WHERE squad_id=:s AND status='waiting' "
        "ORDER BY slot_start, id LIMIT 1) AND status='waiting' RETURNING id"
    )
    claimed: list[int] = []
    latencies: list[float] = []
    try:
        while True:
            t0 = time.perf_counter()
            with engine.begin() as conn:
                got = conn.execute(sql, {"o": officer_id, "s": squad_id}).scalar_one_or_none()
            if got is None:
                return claimed, latencies
            latencies.append(time.perf_counter() - t0)
            claimed.append(int(got))
    finally:
        engine.dispose()
