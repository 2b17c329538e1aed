"""The document check runs in bounded worker processes: limits before and during parsing,
a gateway-wide limit on concurrent checks, and a worker past its time is replaced.

Real HTTP against the gateway app, real worker processes, real pyHanko; the responsiveness
figures under eight simultaneous hostile uploads are in ``bench/verify_storm.py``."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.orm import Session, sessionmaker

from officer_console.config import Settings, load_settings
from officer_console.documents.democa import DemoPki, ensure_demo_pki
from officer_console.gateway.app import create_app
from officer_console.gateway.routes_verify import POOL
from officer_console.gateway.verify_worker import Limits, count_objects
from tests.documents.world import IssuedCase, issued_case
from tests.gateway.hostile_pdf import many_fields_pdf

pytestmark = pytest.mark.asyncio
PDF = {"Content-Type": "application/pdf"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(env={}, data_dir=tmp_path / "data", database_url="")


@pytest.fixture
def case(factory: sessionmaker[Session], settings: Settings) -> IssuedCase:
    pki: DemoPki = ensure_demo_pki(settings.data_dir)
    return issued_case(factory, settings.evidence_dir, pki)


@pytest_asyncio.fixture
async def client(factory: sessionmaker[Session], settings: Settings) -> AsyncIterator[TestClient]:
    app = create_app(factory, settings)
    async with TestClient(TestServer(app)) as c:
        yield c


def decision(settings: Settings, case: IssuedCase) -> bytes:
    return (settings.evidence_dir / case.files["decision"]).read_bytes()


async def test_too_many_objects_refused_before_parsing(client: TestClient) -> None:
    storm = many_fields_pdf(80_000, size=int(5.8 * 1024 * 1024))
    assert count_objects(storm) > Limits().max_objects
    resp = await client.post("/api/v1/verify", data=io.BytesIO(storm), headers=PDF)
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "pdf_too_complex"


async def test_too_many_form_fields_refused_while_parsing(client: TestClient) -> None:
    """Under the object limit, but the form tree is larger than any decision's."""
    nested = many_fields_pdf(Limits().max_fields + 500, nested=True)
    assert count_objects(nested) <= Limits().max_objects
    resp = await client.post("/api/v1/verify", data=nested, headers=PDF)
    assert resp.status == 422
    body = await resp.json()
    assert body["error"]["code"] == "pdf_too_complex" and "表单域" in body["error"]["message"]


async def test_a_worker_over_its_time_is_replaced(
    client: TestClient, case: IssuedCase, settings: Settings
) -> None:
    pool = client.app[POOL]
    data = decision(settings, case)
    pool.limits = Limits(time_limit=0.001)  # no real check finishes in a millisecond
    resp = await client.post("/api/v1/verify", data=data, headers=PDF)
    assert resp.status == 422 and "超时" in (await resp.json())["error"]["message"]
    pool.limits = Limits()
    resp = await client.post("/api/v1/verify", data=data, headers=PDF)
    assert resp.status == 200 and (await resp.json())["authentic"] is True


async def test_concurrent_checks_beyond_the_limit_are_429(
    client: TestClient, case: IssuedCase, settings: Settings
) -> None:
    pool = client.app[POOL]
    held = 0
    while pool.admit():  # other citizens' checks fill every running and waiting place
        held += 1
    assert held == pool.workers + pool.queue
    try:
        resp = await client.post("/api/v1/verify", data=decision(settings, case), headers=PDF)
        assert resp.status == 429 and int(resp.headers["Retry-After"]) > 0
        assert (await resp.json())["error"]["code"] == "verify_busy"
    finally:
        for _ in range(held):
            pool.release()
    resp = await client.post("/api/v1/verify", data=decision(settings, case), headers=PDF)
    assert resp.status == 200
