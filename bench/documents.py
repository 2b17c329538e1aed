"""Issue 11/20 figures: per decision (median after warm-up) render, PDF/A post-processing,
signing and total; each record's render + PDF/A + sign p50 and size; PAdES B-LTA signing
against a local PKI on loopback (certomancer: TSA, OCSP, CRL) and the offline LTA
validation time; and the verification requests' p95 against a live gateway (SQLite,
loopback): the QR page and the PDF upload check.

Targets: each record ≤ 40 ms p50, decision ≤ 120 KB without images.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import requests
from _common import median, pct

from officer_console.config import load_settings
from officer_console.documents.democa import ensure_demo_pki
from officer_console.documents.fonts import ensure_font
from officer_console.documents.pdfa import make_pdfa
from officer_console.documents.pipeline import produce
from officer_console.documents.render import render
from officer_console.documents.sample import (
    sample_decision,
    sample_inquiry,
    sample_notice,
    sample_receipt,
    sample_service,
)
from officer_console.documents.signing import Pkcs12Signer, validate_long_term
from officer_console.gateway.app import create_app, start
from officer_console.gateway.ratelimit import Limit, Limits, RateLimiter
from officer_console.gateway.routes_verify import LIMITS, VerifyLimits
from officer_console.store.db.engine import make_engine, session_factory
from officer_console.store.db.schema import migrate
from tests.documents.localpki import running_pki
from tests.documents.world import issued_case

WARMUP, RUNS, REQUESTS, LTA_RUNS = 5, 40, 200, 15


def per_decision(signer: Pkcs12Signer) -> None:
    ensure_font()
    docs = {
        "简易程序，一项违法，签名图像": sample_decision(),
        "一般程序，三项违法，拒绝签名": sample_decision(general=True, several=True, refused=True),
    }
    keys = ("render", "pdfa", "sign", "total")
    for label, doc in docs.items():
        for _ in range(WARMUP):
            produce(doc, signer)
        runs = [produce(doc, signer) for _ in range(RUNS)]
        size = len(runs[-1].data)
        wall = "  ".join(f"{k} {median([r.timings_ms[k] for r in runs]):6.1f}" for k in keys)
        cpu = "  ".join(
            f"{k} {median([r.timings_ms[k + '_cpu'] for r in runs]):6.1f}" for k in keys
        )
        print(f"{label}: size {size / 1024:.1f} KB")
        print(f"    墙钟 ms: {wall}")
        print(f"    CPU  ms: {cpu}")
    no_images = replace(sample_decision(refused=True), audit=None)
    plain = produce(no_images, signer).data
    page1 = render(no_images)
    print(
        f"无图像（拒绝签名，无过程记录页）: 签名后 {len(plain) / 1024:.1f} KB"
        f"（ReportLab 输出 {len(page1) / 1024:.1f} KB）"
    )


def per_record(signer: Pkcs12Signer) -> None:
    """Each record as made at its step: render + PDF/A + sign, p50 and p95, and its size."""
    docs = {
        "询问笔录": sample_inquiry(),
        "行政处罚告知笔录": sample_notice(waived=False),
        "送达地址确认书": sample_service(),
        "电子送达回证": sample_receipt(),
        "处罚决定书（简易，含过程记录页）": sample_decision(),
        "处罚决定书（一般，证据清单）": sample_decision(general=True),
    }
    for label, doc in docs.items():
        for _ in range(WARMUP):
            produce(doc, signer)
        runs = [produce(doc, signer) for _ in range(RUNS)]
        total = [r.timings_ms["total"] for r in runs]
        cpu = [r.timings_ms["total_cpu"] for r in runs]
        print(
            f"{label}: p50 {median(total):5.1f} ms  p95 {pct(total, 95):5.1f} ms"
            f"  (CPU p50 {median(cpu):5.1f} ms)  大小 {len(runs[-1].data) / 1024:5.1f} KB"
        )


def long_term(tmp: Path) -> None:
    """B-LTA signing with the local TSA/OCSP/CRL, then validation with the PKI stopped."""
    doc = sample_decision(general=True)
    archival = make_pdfa(render(doc), created=doc.decided_at)
    times: list[float] = []
    with running_pki(tmp / "lta-pki") as pki:
        signer = Pkcs12Signer(
            pki.unit_p12, pki.password, timestamp_url=pki.tsa_url, lta_roots=[pki.root]
        )
        signed = signer.sign(archival)
        for _ in range(LTA_RUNS):
            t0 = time.perf_counter()
            signed = signer.sign(archival)
            times.append((time.perf_counter() - t0) * 1000)
    assert signed.level == "PAdES-B-LTA", signed.warning
    print(
        f"B-LTA 签名（本机 TSA + OCSP + CRL，{LTA_RUNS} 次）: p50 {median(times):.0f} ms"
        f"  p95 {pct(times, 95):.0f} ms  大小 {len(signed.data) / 1024:.1f} KB"
    )
    checks: list[float] = []
    for _ in range(LTA_RUNS):
        t0 = time.perf_counter()
        report = validate_long_term(signed.data, [pki.root])
        checks.append((time.perf_counter() - t0) * 1000)
        assert report.valid, report.problem
    print(
        f"B-LTA 离线长期验证（PKI 已停止，{LTA_RUNS} 次）: p50 {median(checks):.0f} ms"
        f"  p95 {pct(checks, 95):.0f} ms"
    )


def verification(tmp: Path) -> None:
    settings = load_settings(env={}, data_dir=tmp / "data", database_url="")
    url = f"sqlite:///{tmp / 'bench.db'}"
    engine = make_engine(url)
    migrate(engine)
    factory = session_factory(engine)
    pki = ensure_demo_pki(settings.data_dir)
    case = issued_case(factory, settings.evidence_dir, pki)
    pdf = (settings.evidence_dir / case.files["decision"]).read_bytes()
    loop = asyncio.new_event_loop()
    box: dict[str, object] = {}
    ready = threading.Event()

    async def boot() -> None:
        app = create_app(factory, settings, limits=Limits.unlimited())
        app[LIMITS] = VerifyLimits(RateLimiter(Limit(10**9, 60)), RateLimiter(Limit(10**9, 60)))
        box["running"] = await start(app, "127.0.0.1", 0)
        ready.set()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(boot())
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(30)
    port = box["running"].port  # type: ignore[attr-defined]
    base = f"http://127.0.0.1:{port}"
    page = f"{base}/verify?n={case.decision.number}&c={case.decision.verify_code}"
    with requests.Session() as http:
        for name, call in (
            ("GET /verify（二维码页面）", lambda: http.get(page, timeout=30)),
            (
                f"POST /api/v1/verify（上传 {len(pdf) // 1024} KB PDF）",
                lambda: http.post(
                    f"{base}/api/v1/verify",
                    data=pdf,
                    headers={"Content-Type": "application/pdf"},
                    timeout=30,
                ),
            ),
        ):
            for _ in range(10):
                call()
            samples = []
            for _ in range(REQUESTS):
                t0 = time.perf_counter()
                response = call()
                samples.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, response.text
            print(
                f"{name}: p50 {median(samples):.1f} ms  p95 {pct(samples, 95):.1f} ms"
                f"  ({REQUESTS} 次，单客户端)"
            )
    asyncio.run_coroutine_threadsafe(box["running"].close(), loop).result(30)  # type: ignore[attr-defined]
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="oc-bench-docs-") as tmp:
        pki = ensure_demo_pki(Path(tmp) / "pki")
        signer = Pkcs12Signer(pki.unit_p12, pki.password)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"== 文书生成（每份中位数，预热 {WARMUP} 次后 {RUNS} 次；负载 {load}，{os.cpu_count()} 核）"
        )
        per_decision(signer)
        print("== 各文书（渲染 + PDF/A + 签名）")
        per_record(signer)
        print("== PAdES B-LTA")
        long_term(Path(tmp))
        print("== 核验请求")
        verification(Path(tmp))


if __name__ == "__main__":
    main()
