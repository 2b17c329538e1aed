"""The QR link's page and the upload check, against a real signed decision in the store."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from officer_console.config import Settings, load_settings
from officer_console.documents.democa import DemoPki, ensure_demo_pki
from officer_console.documents.pipeline import produce
from officer_console.documents.sample import sample_decision
from officer_console.documents.signing import Pkcs12Signer
from officer_console.gateway.app import create_app
from officer_console.gateway.ratelimit import Limit, RateLimiter
from officer_console.gateway.routes_verify import LIMITS
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import ServiceRecord
from tests.documents.pdftools import qr_codes
from tests.documents.world import IssuedCase, issued_case

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(env={}, data_dir=tmp_path / "data", database_url="")


@pytest.fixture
def demo_pki(settings: Settings) -> DemoPki:
    return ensure_demo_pki(settings.data_dir)


@pytest.fixture
def case(factory: sessionmaker[Session], settings: Settings, demo_pki: DemoPki) -> IssuedCase:
    return issued_case(factory, settings.evidence_dir, demo_pki)


@pytest_asyncio.fixture
async def client(factory: sessionmaker[Session], settings: Settings) -> AsyncIterator[TestClient]:
    app = create_app(factory, settings)
    async with TestClient(TestServer(app)) as c:
        yield c


def _decision(settings: Settings, case: IssuedCase) -> bytes:
    return (settings.evidence_dir / case.files["decision"]).read_bytes()


async def test_qr_link_opens_the_page_with_masked_facts(
    client: TestClient, case: IssuedCase, settings: Settings, tmp_path: Path
) -> None:
    (url,) = qr_codes(_decision(settings, case), tmp_path)
    parts = urlsplit(url)
    assert parts.path == "/verify"
    query = parse_qs(parts.query)
    assert query == {"n": [case.decision.number], "c": [case.decision.verify_code]}
    response = await client.get(f"/verify?{parts.query}")
    assert response.status == 200
    page = await response.text()
    for text in (
        case.decision.number,
        "济南市公安局交通警察支队历下区大队",
        "张*",
        "罚款200元",
        "6分",
        "2026年12月05日 10:11",
        case.decision.sha256,
    ):
        assert text in page, text
    assert "张三" not in page  # the full name never leaves the store
    assert "nonce-" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "query",
    ["", "n=1&c=2", "n=37010220260000001&c=ZZZZZZZZZZ", "n=%00&c=%FF", "c=" + "A" * 5000],
)
async def test_wrong_or_garbage_query_is_404_page(
    client: TestClient, case: IssuedCase, query: str
) -> None:
    response = await client.get(f"/verify?{query}")
    assert response.status == 404
    assert "未找到该文书" in await response.text()


async def test_upload_of_the_authentic_decision(
    client: TestClient, case: IssuedCase, settings: Settings
) -> None:
    data = _decision(settings, case)
    response = await client.post(
        "/api/v1/verify", data=data, headers={"Content-Type": "application/pdf"}
    )
    assert response.status == 200
    body = await response.json()
    assert body["authentic"] is True and body["failed"] == []
    assert body["hash_match"] and body["signature_valid"]
    assert body["document"] == {
        "kind": "decision",
        "name": "处罚决定书",
        "number": case.decision.number,
        "decision_number": case.decision.number,
    }
    assert "核验通过" in body["message"]
    form = FormData()
    form.add_field("file", data, filename="d.pdf", content_type="application/pdf")
    multipart = await (await client.post("/api/v1/verify", data=form)).json()
    assert multipart["authentic"] is True


async def test_upload_of_the_other_records_is_recognised(
    client: TestClient, case: IssuedCase, settings: Settings
) -> None:
    data = (settings.evidence_dir / case.files["notice_record"]).read_bytes()
    body = await (
        await client.post("/api/v1/verify", data=data, headers={"Content-Type": "application/pdf"})
    ).json()
    assert body["authentic"] and body["document"]["name"] == "行政处罚告知笔录"


async def test_tampered_copy_fails_hash_and_signature(
    client: TestClient, case: IssuedCase, settings: Settings
) -> None:
    data = bytearray(_decision(settings, case))
    spot = data.index(b"/Title") + 10
    data[spot] ^= 0x01
    body = await (
        await client.post(
            "/api/v1/verify", data=bytes(data), headers={"Content-Type": "application/pdf"}
        )
    ).json()
    assert body["authentic"] is False
    assert body["failed"] == ["hash_mismatch", "signature_invalid"]
    assert "核验未通过" in body["message"]


async def test_validly_signed_but_not_archived_document(
    client: TestClient, case: IssuedCase, demo_pki: DemoPki
) -> None:
    signer = Pkcs12Signer(demo_pki.unit_p12, demo_pki.password)
    # pyHanko's synchronous API runs its own event loop: sign off the test's loop.
    other = (await asyncio.to_thread(produce, sample_decision(), signer)).data
    body = await (
        await client.post("/api/v1/verify", data=other, headers={"Content-Type": "application/pdf"})
    ).json()
    assert body["authentic"] is False and body["failed"] == ["hash_mismatch"]
    assert body["signature_valid"] is True


@pytest.mark.parametrize(
    ("payload", "content_type", "status"),
    [
        (b"", "application/pdf", 422),
        (b"hello", "application/pdf", 422),
        (b"%PDF-1.7\n garbage", "application/pdf", 200),
        (b'{"a":1}', "application/json", 415),
        (b"--x\r\nbroken", "multipart/form-data; boundary=x", 400),
        (
            b'--x\r\nContent-Disposition: form-data; name="other"\r\n\r\nv\r\n--x--\r\n',
            "multipart/form-data; boundary=x",
            422,
        ),
    ],
)
async def test_bad_uploads_are_4xx_never_500(
    client: TestClient, case: IssuedCase, payload: bytes, content_type: str, status: int
) -> None:
    response = await client.post(
        "/api/v1/verify", data=payload, headers={"Content-Type": content_type}
    )
    assert response.status == status, await response.text()
    body = await response.json()
    if status == 200:
        assert body["authentic"] is False and "signature_invalid" in body["failed"]
    else:
        assert body["error"]["message"]


async def test_too_large_upload_is_413(client: TestClient, case: IssuedCase) -> None:
    big = b"%PDF-1.7\n" + b"0" * (9 * 1024 * 1024)
    response = await client.post(
        "/api/v1/verify", data=io.BytesIO(big), headers={"Content-Type": "application/pdf"}
    )
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "payload_too_large"


async def test_uploads_are_rate_limited(client: TestClient, case: IssuedCase) -> None:
    client.app[LIMITS].upload = RateLimiter(Limit(2, 60))
    codes = [
        (
            await client.post(
                "/api/v1/verify", data=b"x", headers={"Content-Type": "application/pdf"}
            )
        ).status
        for _ in range(3)
    ]
    assert codes == [422, 422, 429]


async def test_an_authentic_copy_whose_archive_was_altered_is_not_confirmed(
    client: TestClient, case: IssuedCase, settings: Settings
) -> None:
    """The gateway re-hashes the archived copy through the evidence store: a matching upload
    does not vouch for an archive that was changed behind the database's back."""
    data = _decision(settings, case)
    archived = settings.evidence_dir / case.files["decision"]
    archived.chmod(0o644)
    archived.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    response = await client.post(
        "/api/v1/verify", data=data, headers={"Content-Type": "application/pdf"}
    )
    body = await response.json()
    assert response.status == 200 and body["authentic"] is False
    assert body["failed"] == ["archive_altered"] and body["signature_valid"]
    assert "存档" in body["message"]


async def test_another_record_uploaded_on_the_decision_page_is_named_not_passed_off(
    client: TestClient, case: IssuedCase, settings: Settings
) -> None:
    data = (settings.evidence_dir / case.files["inquiry_record"]).read_bytes()
    number = case.decision.number
    response = await client.post(
        f"/api/v1/verify?n={number}", data=data, headers={"Content-Type": "application/pdf"}
    )
    body = await response.json()
    assert body["authentic"] is True and body["same_document"] is False
    assert body["requested_number"] == number
    assert body["document"] == {
        "kind": "inquiry_record",
        "name": "询问笔录",
        "number": "",  # made at 询问, before the ruling took the number: it prints none
        "decision_number": number,
    }
    assert "核验通过" not in body["message"]
    assert f"不是本页的处罚决定书（编号{number}）" in body["message"]
    assert "而是本案的询问笔录：" in body["message"]
    decision = _decision(settings, case)
    same = await (
        await client.post(
            f"/api/v1/verify?n={number}", data=decision, headers={"Content-Type": "application/pdf"}
        )
    ).json()
    assert same["same_document"] is True and "核验通过" in same["message"]
    elsewhere = await (
        await client.post(
            "/api/v1/verify?n=37010220269999999",
            data=decision,
            headers={"Content-Type": "application/pdf"},
        )
    ).json()
    assert elsewhere["same_document"] is False and "另一案件的处罚决定书" in elsewhere["message"]


async def test_page_shows_the_payment_deadline_and_the_surcharge_after_it(
    client: TestClient, case: IssuedCase, factory: sessionmaker[Session]
) -> None:
    query = f"n={case.decision.number}&c={case.decision.verify_code}"
    page = await (await client.get(f"/verify?{query}")).text()
    assert "缴款期限" in page and "2026年12月20日前（送达之日起十五日内）" in page
    sent = datetime.now(UTC) - timedelta(days=25)  # 10 days after the deadline
    with transaction(factory) as s:
        s.execute(update(ServiceRecord).values(sent_at=sent))
    page = await (await client.get(f"/verify?{query}")).text()
    deadline = sent.astimezone(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=15)
    assert f"{deadline.year}年{deadline.month:02d}月{deadline.day:02d}日前" in page
    assert "已逾期10日" in page and "60.00元（不超过罚款数额200元）" in page
