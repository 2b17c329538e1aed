"""Issue 4 figures: click-to-SMS-accepted latency and dispatches/s from 16 workstations.

1. Latency: one officer dispatches ~200 claimed appointments one after another (Aliyun provider
   against the local gateway, which re-computes every ACS3 signature; URI dialer with a no-op
   opener). Measured from the call of ``DispatchService.dispatch`` ("the click") to the SMS
   step reporting ``sent`` — i.e. after the gateway accepted it *and* the result is committed.
2. Throughput: 16 worker processes, each its own engine and officer (a workstation), dispatch
   their claimed appointments as fast as they can against PostgreSQL (fsync on); 5 % of the
   gateway answers are HTTP 500 (retried by the transport). Then every worker retries every one
   of its dispatches, as an impatient officer would: the gateway must still hold exactly one
   accepted message per dispatch.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import time
from collections import Counter

from _common import databases, median, pct
from sqlalchemy import func, select

from officer_console.dispatch.dialers.uri import UriDialer
from officer_console.dispatch.records import StepUpdate
from officer_console.dispatch.service import DispatchService
from officer_console.dispatch.sms.aliyun import AliyunSmsConfig, AliyunSmsProvider
from officer_console.dispatch.sms.base import RetryPolicy
from officer_console.store.appointments import queue
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import make_engine, session_factory, transaction
from officer_console.store.db.models import Appointment
from tests.servers.sms_gateway import ALIYUN_KEYS, SmsGateway
from tests.support import builders

LATENCY_DISPATCHES = 200
WORKERS = 16
PER_WORKER = 40
KEY_ID, SECRET = next(iter(ALIYUN_KEYS.items()))


def make_service(factory, gateway_url: str) -> DispatchService:  # type: ignore[no-untyped-def]
    provider = AliyunSmsProvider(
        AliyunSmsConfig(
            KEY_ID, SECRET, base_url=gateway_url, retry=RetryPolicy(attempts=3, backoff=0.01)
        )
    )
    return DispatchService(
        factory, provider, UriDialer(lambda uri: True), join_link="https://jj.example.cn/join"
    )


def prepare(
    url: str, officers: int, per_officer: int, squad_code: str
) -> list[tuple[int, list[tuple[int, int]]]]:
    """Officers with their claimed appointments: [(officer id, [(appointment id, version)])]."""
    engine = make_engine(url)
    factory = session_factory(engine)
    result: list[tuple[int, list[tuple[int, int]]]] = []
    with transaction(factory) as s:
        squad = builders.squad(s, squad_code, f"大队{squad_code}")
        first = int(squad_code[-2:]) * 100_000  # distinct citizens (and phones) per squad
        ids = builders.appointments(s, squad, officers * per_officer, first_citizen=first)
        for i in range(officers):
            officer = builders.officer(s, squad, f"{squad_code}{i:03d}")
            actor = builders.actor_for(officer, f"bench-ws{i}")
            mine = ids[i * per_officer : (i + 1) * per_officer]
            result.append((officer.id, [(a, queue.claim(s, actor, squad.id, a)) for a in mine]))
    engine.dispose()
    return result


def latency(url: str, gateway: SmsGateway) -> list[float]:
    [(officer_id, items)] = prepare(url, 1, LATENCY_DISPATCHES, "370101")
    engine = make_engine(url)
    service = make_service(session_factory(engine), gateway.url)
    actor = Actor("370101000", officer_id, "bench-latency")
    samples: list[float] = []

    async def run() -> None:
        for appointment_id, version in items:
            t0 = time.perf_counter()
            accepted: list[float] = []

            def progress(update: StepUpdate, mark: list[float] = accepted) -> None:
                if update.step == "sms" and update.state == "sent":
                    mark.append(time.perf_counter())

            outcome = await service.dispatch(actor, appointment_id, version, progress)
            assert outcome.sms.state == "sent", outcome.sms.message
            samples.append(accepted[0] - t0)

    asyncio.run(run())
    engine.dispose()
    return samples


def workstation(
    url: str, gateway_url: str, officer_id: int, label: str, items: list[tuple[int, int]]
) -> tuple[int, int, float]:
    """Dispatch every item, then retry every one; returns (sent first time, sent at the end,
    seconds of the dispatch pass)."""
    engine = make_engine(url, pool_size=4)
    service = make_service(session_factory(engine), gateway_url)
    actor = Actor(f"w{officer_id}", officer_id, label)

    async def run() -> tuple[int, int, float]:
        t0 = time.perf_counter()
        dispatched = [await service.dispatch(actor, a, v) for a, v in items]
        seconds = time.perf_counter() - t0
        again = [await service.retry(actor, d.dispatch_id) for d in dispatched]
        first = sum(1 for d in dispatched if d.sms.state == "sent")
        return first, sum(1 for d in again if d.sms.state == "sent"), seconds

    try:
        return asyncio.run(run())
    finally:
        engine.dispose()


def throughput(url: str, gateway: SmsGateway) -> None:
    plan = prepare(url, WORKERS, PER_WORKER, "370102")
    rng = random.Random(4)
    total = WORKERS * PER_WORKER
    gateway.script("aliyun", *("http_500" if rng.random() < 0.05 else "ok" for _ in range(total)))
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(WORKERS) as pool:
        pool.map(abs, range(WORKERS))  # warm the workers up before timing
        t0 = time.perf_counter()
        results = pool.starmap(
            workstation,
            [(url, gateway.url, oid, f"bench-ws{i}", items) for i, (oid, items) in enumerate(plan)],
        )
        wall = time.perf_counter() - t0
    sent_first = sum(r[0] for r in results)
    sent_final = sum(r[1] for r in results)
    busiest = max(r[2] for r in results)
    keys = Counter(m.idempotency_key for m in gateway.accepted)
    phones = Counter(m.phone for m in gateway.accepted)
    duplicates = sum(c - 1 for c in keys.values() if c > 1)
    duplicate_phones = sum(c - 1 for c in phones.values() if c > 1)
    engine = make_engine(url)
    with transaction(session_factory(engine)) as s:
        contacting = s.scalar(
            select(func.count()).select_from(Appointment).where(Appointment.status == "contacting")
        )
        chain = audit.verify_chain(s)
    engine.dispose()
    print(
        f"PostgreSQL workstations={WORKERS} dispatches={total} sms_sent_first_try={sent_first} "
        f"sms_sent_after_retry_pass={sent_final} "
        f"dispatches/s={total / busiest:,.0f} (slowest workstation {busiest:.1f}s; "
        f"wall incl. retry pass {wall:.1f}s) gateway_requests={gateway.count('aliyun')} "
        f"accepted={len(gateway.accepted)} duplicate_messages={duplicates} "
        f"duplicate_phones={duplicate_phones} appointments_contacting={contacting} "
        f"audit_chain={'ok' if chain.ok else chain.reason}"
    )


def main() -> None:
    with databases(durable_pg=os.environ.get("BENCH_PG_DURABLE", "1") == "1") as urls:
        for label, url in urls:
            with SmsGateway() as gateway:
                samples = latency(url, gateway)
                print(
                    f"{label:10s} click→SMS accepted (Aliyun, local gateway) n={len(samples)} "
                    f"p50={median(samples) * 1000:.1f}ms p95={pct(samples, 95) * 1000:.1f}ms "
                    f"max={max(samples) * 1000:.1f}ms accepted={len(gateway.accepted)} "
                    f"requests={gateway.count('aliyun')}"
                )
        pg_url = dict(urls)["PostgreSQL"]
        with SmsGateway() as gateway:
            throughput(pg_url, gateway)


if __name__ == "__main__":
    main()
