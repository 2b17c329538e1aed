"""Issue 2 figures: claims/s and p95 claim latency with 16 concurrent workers (processes).

Each worker is its own process with its own connection, like 16 workstations, claiming the
next waiting appointment until the queue is empty. PostgreSQL runs with fsync on.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter

from _common import databases, pct

from officer_console.store.db.engine import make_engine, session_factory, transaction
from tests.support import builders
from tests.support.claimers import bare_claim_until_empty, claim_until_empty

WORKERS = 16
APPOINTMENTS = 10_000


def prepare(url: str, run: int) -> tuple[int, list[int]]:
    engine = make_engine(url)
    with transaction(session_factory(engine)) as s:
        squad = builders.squad(s, code=f"37010{run}", name=f"第{run}大队")
        officers = [builders.officer(s, squad, f"37010{run}0{i:02d}").id for i in range(WORKERS)]
        for start in range(0, APPOINTMENTS, 2000):
            builders.appointments(s, squad, 2000, first_citizen=run * APPOINTMENTS + start)
        squad_id = squad.id
    engine.dispose()
    return squad_id, officers


MODES = (
    (claim_until_empty, "full claim: conditional UPDATE + change stamp + audit row"),
    (bare_claim_until_empty, "bare conditional UPDATE only (docs/pitfalls.md baseline)"),
)


def main() -> None:
    ctx = multiprocessing.get_context("spawn")
    with databases(durable_pg=os.environ.get("BENCH_PG_DURABLE", "1") == "1") as urls:
        runs = [(u, m) for m in MODES for u in urls]
        for run, ((label, url), (worker, what)) in enumerate(runs, start=2):
            squad_id, officers = prepare(url, run)
            with ctx.Pool(WORKERS) as pool:
                pool.map(abs, range(WORKERS))  # warm the workers up before timing
                t0 = time.perf_counter()
                results = pool.starmap(
                    worker,
                    [(url, officers[i], squad_id, f"ws{i}") for i in range(WORKERS)],
                )
                wall = time.perf_counter() - t0
            ids = Counter(i for claimed, _ in results for i in claimed)
            latencies = [x for _, lat in results for x in lat]
            doubles = sum(c - 1 for c in ids.values() if c > 1)
            print(
                f"{label:10s} workers={WORKERS} appointments={APPOINTMENTS} claimed={len(ids)} "
                f"double_claims={doubles} claims/s={len(latencies) / wall:,.0f} "
                f"p50={pct(latencies, 50) * 1000:.1f}ms p95={pct(latencies, 95) * 1000:.1f}ms "
                f"[{what}]"
            )


if __name__ == "__main__":
    main()
