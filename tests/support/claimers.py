"""Claim workers for concurrency tests and benches (importable by spawned processes)."""

from __future__ import annotations

import time

from officer_console.store import queue
from officer_console.store.audit import Actor
from officer_console.store.engine import make_engine, run_in_transaction, session_factory


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
