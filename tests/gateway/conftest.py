"""Gateway fixtures: a world on both databases, a fixed clock and an aiohttp test client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.orm import Session, sessionmaker

from officer_console.config import Settings
from officer_console.gateway.app import create_app
from officer_console.gateway.ratelimit import Limits
from tests.gateway.world import Clock, World, build_world, settings_for


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def world(factory: sessionmaker[Session]) -> World:
    return build_world(factory)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path)


@pytest.fixture
def limits() -> Limits:
    return Limits.unlimited()


@pytest_asyncio.fixture
async def client(
    factory: sessionmaker[Session], settings: Settings, clock: Clock, limits: Limits, world: World
) -> AsyncIterator[TestClient]:
    app = create_app(
        factory,
        settings,
        clock=clock,
        demo=True,
        limits=limits,
        sweep_interval=0.2,
        ws_auth_timeout=1.0,
    )
    async with TestClient(TestServer(app)) as c:
        yield c
