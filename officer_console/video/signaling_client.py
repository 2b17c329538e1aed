"""The console's end of the gateway's WebSocket relay (``/api/v1/rooms/{room}/ws``).

The first message authenticates (``hello`` with the room's console secret — never in the URL,
so it never reaches an access log); the gateway answers ``welcome`` or an ``error`` and closes
with a 44xx code. If the socket drops for another reason (gateway restart, proxy timeout) the
client reconnects with back-off, so the citizen can still re-join the same room.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import aiohttp

from officer_console.video.signaling import Message

log = logging.getLogger("officer_console.video.signaling")

# Close codes after which reconnecting cannot help (see gateway/signaling.py).
TERMINAL_CLOSES = {4000, 4400, 4401, 4404, 4409, 4410}


class SignalingError(Exception):
    """The relay refused us or cannot be reached; ``message`` is for the officer."""

    def __init__(self, message: str, code: str = "signaling_failed") -> None:
        super().__init__(message)
        self.message, self.code = message, code


def room_ws_url(gateway_url: str, room_id: str) -> str:
    base = gateway_url.rstrip("/")
    if base.startswith("https://"):
        base = "wss://" + base.removeprefix("https://")
    elif base.startswith("http://"):
        base = "ws://" + base.removeprefix("http://")
    return f"{base}/api/v1/rooms/{room_id}/ws"


class GatewaySignaling:
    """A :class:`~officer_console.video.signaling.SignalingChannel` over the gateway relay."""

    def __init__(
        self,
        gateway_url: str,
        room_id: str,
        secret: str,
        *,
        role: str = "console",
        connect_timeout: float = 10.0,
        reconnect_attempts: int = 5,
    ) -> None:
        self.url = room_ws_url(gateway_url, room_id)
        self.room_id = room_id
        self._secret = secret
        self.role = role  # "citizen" (with its room token) only for simulated citizens
        self.connect_timeout = connect_timeout
        self.reconnect_attempts = reconnect_attempts
        self.welcome: Message = {}
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._closed = False

    @property
    def peer_present(self) -> bool:
        return bool(self.welcome.get("peer_present"))

    async def connect(self) -> Message:
        """Open the socket and authenticate; returns the ``welcome`` message."""
        if self._http is None:
            self._http = aiohttp.ClientSession()
        try:
            ws = await self._http.ws_connect(
                self.url, timeout=aiohttp.ClientWSTimeout(ws_close=5.0), autoping=True
            )
        except (aiohttp.ClientError, OSError) as exc:
            raise SignalingError(f"无法连接视频服务（网关）: {exc}", "gateway_unreachable") from exc
        field = "secret" if self.role == "console" else "token"
        await ws.send_str(json.dumps({"type": "hello", "role": self.role, field: self._secret}))
        try:
            msg = await asyncio.wait_for(ws.receive(), self.connect_timeout)
        except TimeoutError as exc:
            await ws.close()
            raise SignalingError("视频服务无响应", "gateway_timeout") from exc
        data = _parse(msg)
        if data is None or data.get("type") != "welcome":
            await ws.close()
            text = str((data or {}).get("message") or "视频服务拒绝了连接")
            raise SignalingError(text, str((data or {}).get("code") or "refused"))
        self._ws, self.welcome = ws, data
        return data

    async def send(self, message: Message) -> None:
        ws = self._ws
        if ws is None or ws.closed:
            raise ConnectionError("signaling socket is not open")
        await ws.send_str(json.dumps(message, ensure_ascii=False))

    async def receive(self) -> Message | None:
        while not self._closed:
            ws = self._ws
            if ws is None:
                return None
            msg = await ws.receive()
            data = _parse(msg)
            if data is not None:
                return data
            if msg.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                continue  # unreadable message: skip it
            if self._closed or not await self._reconnect(ws.close_code):
                return None
        return None

    async def _reconnect(self, close_code: int | None) -> bool:
        if close_code in TERMINAL_CLOSES:
            log.info("relay closed the room socket (%s)", close_code)
            return False
        for attempt in range(self.reconnect_attempts):
            await asyncio.sleep(min(0.5 * 2**attempt, 8.0))
            if self._closed:
                return False
            try:
                await self.connect()
                log.info("signaling reconnected after %d attempt(s)", attempt + 1)
                return True
            except SignalingError as exc:
                log.warning("signaling reconnect failed: %s", exc.code)
                if exc.code in {"auth_failed", "room_closed", "room_not_found"}:
                    return False
        return False

    async def close(self) -> None:
        """Idempotent."""
        self._closed = True
        ws, self._ws = self._ws, None
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
        http, self._http = self._http, None
        if http is not None:
            await http.close()


def _parse(msg: aiohttp.WSMessage) -> dict[str, Any] | None:
    if msg.type != aiohttp.WSMsgType.TEXT:
        return None
    try:
        data = json.loads(msg.data)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
