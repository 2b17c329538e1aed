"""In-process rate limits: the per-phone join limit over HTTP, and the limiter itself."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.orm import Session, sessionmaker

from officer_console.gateway.ratelimit import Limit, Limits, RateLimiter
from tests.gateway.calls import claimed_call, new_code, open_room
from tests.gateway.test_join import join, wrong
from tests.gateway.world import World


@pytest.fixture
def limits() -> Limits:
    big = Limit(10**6, 60)
    return Limits(big, big, Limit(100, 60), Limit(3, 60), big)


@pytest.mark.asyncio
async def test_per_phone_limit_answers_429_with_retry_after(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    call = open_room(factory, claimed_call(factory, world.squad_id))
    code = new_code(factory, call)
    for _ in range(3):
        await join(client, call.phone, wrong(code))
    resp = await client.post("/api/v1/join", json={"phone": call.phone, "code": code})
    assert resp.status == 429 and int(resp.headers["Retry-After"]) > 0
    assert (await resp.json())["error"]["code"] == "rate_limited"


def test_limiter_windows_and_pruning() -> None:
    now = [0.0]
    limiter = RateLimiter(Limit(2, 10), clock=lambda: now[0], max_keys=4)
    assert [limiter.hit("a") for _ in range(3)] == [0, 0, 10]
    now[0] = 9.5
    assert limiter.hit("a") == 1
    now[0] = 10.0
    assert limiter.hit("a") == 0  # a new window
    for key in "bcdefgh":
        limiter.hit(key)
    assert len(limiter._windows) <= 4
