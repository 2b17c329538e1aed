"""Verify storm (issue 24, defect 1): eight simultaneous ``POST /api/v1/verify`` uploads of a
5.8 MiB PDF with 80,000 signature fields, from eight loopback addresses, while a reader polls
the database-backed ``GET /api/v1/squads`` every 50 ms.

Prints the uploads' statuses and times, the gateway's peak resident memory (the process and,
separately, its verify workers) and the reads' p50/p95/max. A second round sends a PDF that
stays under the object limit but hides 19,000 fields below one parent (refused while the
worker walks the form). The gateway runs in its own process on PostgreSQL (fsync on).
Before this change (issue 24): RSS 129 MiB → 1.7 GiB, reads waited up to 31.7 s.
"""

from __future__ import annotations

import asyncio
import io
import os
import time
from pathlib import Path
from typing import Any

import aiohttp
from _common import pct
from gateway import start_gateway

from officer_console.store.db.engine import make_engine, session_factory, transaction
from officer_console.store.db.schema import migrate
from tests.gateway.hostile_pdf import many_fields_pdf
from tests.support import builders
from tests.support.pgcluster import start_cluster

UPLOADERS = 8
ROUNDS = 3
POLL_S = 0.05


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


async def storm(base: str, pdf: bytes, gateway_pid: int) -> dict[str, Any]:
    reads: list[float] = []
    peak = {"gateway": 0, "workers": 0}
    statuses: dict[int, int] = {}
    upload_s: list[float] = []
    done = asyncio.Event()

    async def sample() -> None:
        while not done.is_set():
            peak["gateway"] = max(peak["gateway"], _rss_kib(gateway_pid))
            peak["workers"] = max(peak["workers"], sum(_rss_kib(c) for c in _children(gateway_pid)))
            await asyncio.sleep(0.02)

    async def read_squads() -> None:
        async with aiohttp.ClientSession() as http:
            while not done.is_set():
                t0 = time.perf_counter()
                async with http.get(f"{base}/api/v1/squads") as resp:
                    await resp.read()
                    assert resp.status == 200
                reads.append(time.perf_counter() - t0)
                await asyncio.sleep(POLL_S)

    async def upload(n: int) -> None:
        connector = aiohttp.TCPConnector(local_addr=(f"127.0.8.{n + 10}", 0))
        async with aiohttp.ClientSession(connector=connector) as http:
            for _ in range(ROUNDS):
                t0 = time.perf_counter()
                async with http.post(
                    f"{base}/api/v1/verify",
                    data=io.BytesIO(pdf),
                    headers={"Content-Type": "application/pdf"},
                ) as resp:
                    await resp.read()
                upload_s.append(time.perf_counter() - t0)
                statuses[resp.status] = statuses.get(resp.status, 0) + 1

    side = [asyncio.create_task(sample()), asyncio.create_task(read_squads())]
    await asyncio.sleep(1.0)  # a calm baseline first
    try:
        await asyncio.wait_for(asyncio.gather(*(upload(n) for n in range(UPLOADERS))), 300)
    finally:
        done.set()
        await asyncio.gather(*side)
    return {
        "statuses": statuses,
        "upload_max_s": max(upload_s),
        "rss_gateway_mib": peak["gateway"] / 1024,
        "rss_workers_mib": peak["workers"] / 1024,
        "reads": reads,
    }


def main() -> None:
    cluster = start_cluster(durable=os.environ.get("BENCH_PG_DURABLE", "1") == "1")
    proc = None
    try:
        engine = make_engine(cluster.url)
        migrate(engine)
        with transaction(session_factory(engine)) as s:
            for k in range(5):
                builders.squad(s, code=f"37010{k}", name=f"大队{k}")
        engine.dispose()
        base, proc = start_gateway(cluster.url)
        cases = (
            ("80,000 signature fields", many_fields_pdf(80_000, size=int(5.8 * 1024 * 1024))),
            (
                "19,000 nested fields  ",
                many_fields_pdf(19_000, size=int(5.8 * 1024 * 1024), nested=True),
            ),
        )
        for label, pdf in cases:
            result = asyncio.run(storm(base, pdf, proc.pid or 0))
            reads = result["reads"]
            print(
                f"Verify storm, {UPLOADERS} uploaders × {ROUNDS} of a {len(pdf) / 2**20:.1f} MiB PDF "
                f"({label}): statuses={result['statuses']} slowest upload="
                f"{result['upload_max_s']:.2f}s\n"
                f"  peak RSS gateway={result['rss_gateway_mib']:.0f} MiB, verify workers="
                f"{result['rss_workers_mib']:.0f} MiB (together "
                f"{result['rss_gateway_mib'] + result['rss_workers_mib']:.0f} MiB)\n"
                f"  GET /api/v1/squads during the storm: n={len(reads)} "
                f"p50={pct(reads, 50) * 1000:.1f}ms p95={pct(reads, 95) * 1000:.1f}ms "
                f"max={max(reads) * 1000:.1f}ms"
            )
    finally:
        if proc is not None:
            proc.terminate()
            proc.join(20)
        cluster.stop()


if __name__ == "__main__":
    main()
