"""Joining the video with the SMS code, and the demo SMS peek (documents: routes_documents).

The code check is :func:`officer_console.dispatch.codes.verify_code` (hash, expiry, wrong-try
lock, per-address failures in the database); on top, attempts per phone are limited in the
database (shared by every gateway instance) and per address in this process. A rejected code's counters are committed by ``verify_code`` itself.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from officer_console.dispatch.codes import verify_code
from officer_console.domain.validators import validate_mobile
from officer_console.gateway import models
from officer_console.gateway.errors import ApiError
from officer_console.gateway.parsing import body, query
from officer_console.gateway.state import GATEWAY, Gateway, client_ip, limit
from officer_console.store.db.engine import read_session, transaction
from officer_console.store.gateway import rooms
from officer_console.store.gateway import shared as gateway_shared
from officer_console.store.gateway.booking import citizen_actor

HINTS = (
    "请保持在本页面，不要切换到其他应用或锁屏",
    "请保持网络稳定，建议连接Wi-Fi",
    "视频期间请勿接听电话",
    "请准备好身份证，民警询问时在镜头前出示",
)


async def join(request: web.Request) -> web.Response:
    limit(request, "join_per_ip")
    gateway: Gateway = request.app[GATEWAY]
    req, _ = await body(request, models.JoinRequest)
    phone, code = validate_mobile(req.phone), req.code
    ip, now = client_ip(request), gateway.now()
    await shared_limit(gateway, "join_per_phone", f"phone:{phone}", now)

    def work() -> rooms.Admission:
        with transaction(gateway.factory) as s:
            appointment_id = verify_code(
                s,
                phone=phone,
                code=code,
                client_ip=ip,
                now=now,
                max_attempts=gateway.settings.code_max_attempts,
            )
            return rooms.admit_citizen(s, appointment_id, now=now, actor=citizen_actor())

    admission = await gateway.db(work)
    return web.json_response(
        {
            "room_id": admission.room_id,
            "token": admission.token,
            "ws_url": f"/api/v1/rooms/{admission.room_id}/ws",
            "expires_at": admission.expires_at.isoformat(),
            "ice_servers": [browser_ice_server(url) for url in gateway.settings.ice_servers],
            "hints": list(HINTS),
            "waiting": admission.waiting,
        }
    )


async def shared_limit(gateway: Gateway, name: str, key: str, now: datetime) -> None:
    """A limit every gateway instance counts together (a database row per key and window)."""
    rule = getattr(gateway.limits, name)

    def work() -> int:
        with transaction(gateway.factory) as s:
            return gateway_shared.hit_window(s, f"{name}:{key}", rule.count, rule.seconds, now)

    wait = await gateway.db(work)
    if wait:
        raise ApiError(429, "rate_limited", "操作过于频繁，请稍后再试", retry_after=wait)


async def demo_sms(request: web.Request) -> web.Response:
    """Demo only: the last outbox SMS of a phone, so the demo citizen can read 'the SMS'."""
    gateway: Gateway = request.app[GATEWAY]
    if not gateway.demo:
        raise ApiError(404, "not_found", "请求的地址不存在")
    limit(request, "read_per_ip")
    phone = validate_mobile(query(request, models.PhoneQuery).phone)

    def work() -> dict[str, object] | None:
        from officer_console.dispatch.outbox import latest_outbox_message

        with read_session(gateway.factory) as s:
            found = latest_outbox_message(s, phone)
        return None if found is None else {"text": found[0], "at": found[1].isoformat()}

    found = await gateway.db(work)
    if found is None:
        raise ApiError(404, "no_message", "暂无短信")
    return web.json_response(found)


def setup(app: web.Application) -> None:
    app.router.add_post("/api/v1/join", join)
    app.router.add_get("/api/v1/demo/sms", demo_sms)


def browser_ice_server(url: str) -> dict[str, str]:
    """``turn:user:secret@host:port?transport=udp`` (the settings' form, as the console reads
    it) → the browser's RTCIceServer: a URL without credentials plus username/credential."""
    scheme, _, rest = url.partition(":")
    if "@" not in rest:
        return {"urls": url}
    credentials, _, address = rest.rpartition("@")
    user, _, secret = credentials.lstrip("/").partition(":")
    return {"urls": f"{scheme}:{address}", "username": user, "credential": secret}
