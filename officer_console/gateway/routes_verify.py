"""Public verification of statutory documents (the QR code on every decision).

``GET /verify?n=<number>&c=<code>`` shows the authentic, masked facts of the decision and an
upload form; ``POST /api/v1/verify`` takes a PDF (``application/pdf`` body or a multipart
field ``file``) and answers whether it is the stored document (SHA-256 match) and whether its
signature is valid against the unit's trusted CA — or which check failed. Self-contained:
own rate limits, own size limit (the app's 256 KiB body limit is for JSON), and every bad
input is a 4xx, never a 500.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import BodyPartReader, web

from officer_console.documents.verification import payment_rows, verify_answer
from officer_console.evidence_store.base import StoreUnavailable
from officer_console.gateway.errors import ApiError
from officer_console.gateway.ratelimit import Limit, RateLimiter
from officer_console.gateway.state import GATEWAY, Gateway, client_ip
from officer_console.gateway.verify_worker import MAX_PDF, CheckRefused, VerifyPool
from officer_console.store.db.engine import read_session
from officer_console.store.evidence import documents as repo

log = logging.getLogger("officer_console.gateway.verify")

_CHUNK = 64 * 1024
BUSY_RETRY = 10  # seconds; a check takes well under a second unless the file is hostile


@dataclass
class VerifyLimits:
    page: RateLimiter
    upload: RateLimiter


LIMITS = web.AppKey("verify_limits", VerifyLimits)
POOL = web.AppKey("verify_pool", VerifyPool)


def _limit(request: web.Request, which: str) -> None:
    limiter: RateLimiter = getattr(request.app[LIMITS], which)
    wait = limiter.hit(client_ip(request))
    if wait:
        raise ApiError(429, "rate_limited", "操作过于频繁，请稍后再试", retry_after=wait)


def _local(value: Any, tz: str) -> str:
    if value is None:
        return "尚未送达"
    local = value.astimezone(ZoneInfo(tz))
    return f"{local.year}年{local.month:02d}月{local.day:02d}日 {local.hour:02d}:{local.minute:02d}"


_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style nonce="{nonce}">
body{{font-family:sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem;color:#222}}
h1{{font-size:1.3rem}} table{{border-collapse:collapse;width:100%}}
th,td{{border:1px solid #bbb;padding:.4rem;text-align:left;vertical-align:top}}
th{{background:#f2f2f2;white-space:nowrap;font-weight:normal;color:#555}}
td{{word-break:break-all}} .hash{{font-family:monospace;font-size:.8rem}}
.ok{{color:#0a6b2d;font-weight:bold}} .bad{{color:#b00020;font-weight:bold}}
#result{{margin-top:.8rem}} label{{display:block;margin:.4rem 0}}
button{{font-size:1rem;min-height:2.75rem;padding:0 1rem}}
</style></head><body>
<main>
<h1>{title}</h1>
{body}
</main>
</body></html>"""

_FORM = """<h2>核验文书文件</h2>
<p>选择您收到的PDF文件，系统将比对存档文件的哈希值并校验电子签名。</p>
<label for="pdf">收到的PDF文件</label>
<input type="file" id="pdf" accept="application/pdf"> <button type="button" id="go">核验</button>
<div id="result" role="status"></div>
<script nonce="{nonce}">
document.getElementById('go').addEventListener('click', async () => {{
  const out = document.getElementById('result');
  const file = document.getElementById('pdf').files[0];
  if (!file) {{ out.textContent = '请先选择PDF文件'; return; }}
  out.textContent = '正在核验…';
  try {{
    const r = await fetch('/api/v1/verify?n=' + encodeURIComponent({number}), {{method: 'POST',
      headers: {{'Content-Type': 'application/pdf'}}, body: file}});
    const j = await r.json();
    if (j.error) {{ out.className = 'bad'; out.textContent = j.error.message; return; }}
    out.className = j.authentic && j.same_document ? 'ok' : 'bad';
    out.textContent = j.message;
  }} catch (e) {{ out.className = 'bad'; out.textContent = '核验请求失败，请稍后重试'; }}
}});
</script>"""


def _html(status: int, title: str, body: str, nonce: str) -> web.Response:
    response = web.Response(
        status=status,
        text=_PAGE.format(title=html.escape(title), body=body, nonce=nonce),
        content_type="text/html",
        charset="utf-8",
    )
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'none'"
    )
    return response


async def verify_page(request: web.Request) -> web.Response:
    _limit(request, "page")
    gateway: Gateway = request.app[GATEWAY]
    number = request.query.get("n", "")[:40]
    code = request.query.get("c", "")[:20].upper()
    nonce = secrets.token_urlsafe(12)

    def work() -> repo.VerifiedDecision | None:
        with read_session(gateway.factory) as s:
            return repo.verified_decision(s, number, code)

    facts = await gateway.db(work)
    if facts is None:
        body = (
            '<p class="bad">未找到该文书，或核验码不正确。</p>'
            "<p>请核对二维码或网址是否完整；如有疑问请联系出具文书的交警大队。</p>"
        )
        return _html(404, "文书核验", body, nonce)
    e = html.escape
    penalty = f"罚款{facts.fine_total}元" if facts.fine_total else ""
    if facts.warning:
        penalty = "警告" + ("，" + penalty if penalty else "")
    rows = [
        ("文书编号", facts.number),
        ("出具单位", facts.unit_name),
        ("决定日期", _local(facts.issued_at, facts.timezone)[:11]),
        ("被处罚人", facts.party_masked),
        ("号牌号码", facts.plate),
        ("处罚", penalty or "—"),
        ("记分", f"{facts.points_total}分"),
        ("送达时间", _local(facts.service_sent_at, facts.timezone)),
        *payment_rows(
            facts.fine_total,
            facts.service_sent_at,
            facts.timezone,
            datetime.now(ZoneInfo(facts.timezone)).date(),
        ),
        ("存档SHA-256", facts.sha256 or "—"),
    ]
    table = "".join(
        f"<tr><th>{e(k)}</th><td{' class=hash' if 'SHA' in k else ''}>{e(str(v))}</td></tr>"
        for k, v in rows
    )
    body = (
        '<p class="ok">该编号的处罚决定书真实存在，以下为系统存档信息（个人信息已部分隐藏）。</p>'
        f"<table>{table}</table>"
        + _FORM.format(nonce=nonce, number=json.dumps(facts.number).replace("<", "\\u003c"))
    )
    return _html(200, "公安交通管理处罚决定书核验", body, nonce)


async def _read_limited(read: Callable[[int], Awaitable[bytes]]) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await read(_CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > MAX_PDF:
            raise ApiError(413, "payload_too_large", f"文件过大（最大{MAX_PDF // 1024 // 1024}MB）")
        chunks.append(chunk)
    return b"".join(chunks)


async def _uploaded_pdf(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_PDF + 64 * 1024:
        raise ApiError(413, "payload_too_large", f"文件过大（最大{MAX_PDF // 1024 // 1024}MB）")
    if request.content_type == "application/pdf":
        data = await _read_limited(request.content.read)
    elif request.content_type == "multipart/form-data":
        try:
            reader = await request.multipart()
            data = b""
            while True:
                part = await reader.next()
                if part is None:
                    break
                if isinstance(part, BodyPartReader) and part.name == "file":
                    data = await _read_limited(part.read_chunk)
                    break
        except ApiError:
            raise
        except Exception as exc:  # a hostile multipart body fails in many ways: all are 400
            raise ApiError(
                400, "bad_request", f"上传内容格式不正确（{type(exc).__name__}）"
            ) from None
    else:
        raise ApiError(
            415, "unsupported_media_type", "请上传PDF文件（application/pdf 或 multipart 字段 file）"
        )
    if not data:
        raise ApiError(422, "invalid_input", "没有收到文件内容", field="file")
    if not data.startswith(b"%PDF-"):
        raise ApiError(422, "not_pdf", "上传的文件不是PDF文件", field="file")
    return data


async def verify_upload(request: web.Request) -> web.Response:
    _limit(request, "upload")
    pool = request.app[POOL]
    if not pool.admit():  # gateway-wide: many addresses cannot queue unbounded checks
        raise ApiError(429, "verify_busy", "核验请求较多，请稍后再试", retry_after=BUSY_RETRY)
    try:
        return await _verify(request, pool)
    finally:
        pool.release()


async def _verify(request: web.Request, pool: VerifyPool) -> web.Response:
    from officer_console.documents.setup import trust_roots

    gateway: Gateway = request.app[GATEWAY]
    data = await _uploaded_pdf(request)
    sha = hashlib.sha256(data).hexdigest()
    roots = trust_roots(gateway.settings)
    try:  # parsed in a bounded worker process (verify_worker.py), never in this process
        report = await pool.check(data, roots)
    except CheckRefused as exc:
        status = 413 if exc.code == "payload_too_large" else 422
        raise ApiError(status, exc.code, exc.message, field="file") from None
    del data
    requested = request.query.get("n", "")[:40]  # the decision page the upload came from

    def work() -> dict[str, Any]:
        with read_session(gateway.factory) as s:
            found = repo.decision_for_hash(s, sha)
            archived = repo.archived_document(s, sha) if found is not None else None
        intact = True
        if archived is not None:  # the archive itself, re-hashed through the evidence store
            try:
                intact = gateway.evidence_store.verify(archived[0], sha, archived[1])
            except StoreUnavailable:
                log.warning("verify: evidence store unreachable; archive not re-checked")
        return verify_answer(
            sha, found, report, bool(roots), archive_intact=intact, requested=requested
        )

    return web.json_response(await gateway.db(work))


#: OpenAPI description of the upload check, added to the gateway's document by :func:`setup`.
OPENAPI = {
    "post": {
        "summary": "核验文书PDF：与存档文件哈希比对并校验电子签名",
        "parameters": [
            {
                "name": "n",
                "in": "query",
                "required": False,
                "description": "核验页面所示处罚决定书编号：上传的是其他文书时 same_document 为 false",
                "schema": {"type": "string", "maxLength": 40},
            }
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            },
        },
        "responses": {
            "200": {
                "description": "核验结果（authentic、hash_match、signature_valid、failed、message）",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            **{
                str(code): {
                    "description": "错误",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
                for code in (400, 413, 415, 422, 429)  # 429 also verify_busy (gateway-wide)
            },
        },
    }
}


async def _close_pool(app: web.Application) -> None:
    app[POOL].close()


def setup(
    app: web.Application,
    *,
    page: Limit | None = None,
    upload: Limit | None = None,
    pool: VerifyPool | None = None,
) -> None:
    from officer_console.gateway.openapi import EXTRA_PATHS

    EXTRA_PATHS.setdefault("/api/v1/verify", OPENAPI)
    app[LIMITS] = VerifyLimits(
        RateLimiter(page or Limit(60, 60)), RateLimiter(upload or Limit(12, 60))
    )
    app[POOL] = pool or VerifyPool()
    app.on_cleanup.append(_close_pool)
    app.router.add_get("/verify", verify_page)
    app.router.add_post("/api/v1/verify", verify_upload)
