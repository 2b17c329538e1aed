"""What the call session needs from signaling, and an in-process pair for tests and benches.

Messages are JSON objects with a ``type``: ``offer``/``answer`` (``sdp``), ``candidate``
(``candidate``: the browser's RTCIceCandidateInit), ``bye``, plus types the session passes on
untouched (e.g. ``signature`` for the wizard). The citizen offers; the console answers.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

Message = dict[str, Any]


class SignalingChannel(Protocol):
    async def send(self, message: Message) -> None: ...

    async def receive(self) -> Message | None:
        """The next message, or None once the channel is closed."""
        ...

    async def close(self) -> None: ...


class LoopbackSignaling:
    """One end of an in-process channel; ``pair()`` makes two connected ends."""

    def __init__(self) -> None:
        self._inbox: asyncio.Queue[Message | None] = asyncio.Queue()
        self.peer: LoopbackSignaling | None = None
        self.closed = False
        self.sent: list[Message] = []

    @classmethod
    def pair(cls) -> tuple[LoopbackSignaling, LoopbackSignaling]:
        a, b = cls(), cls()
        a.peer, b.peer = b, a
        return a, b

    async def send(self, message: Message) -> None:
        if self.closed:
            raise ConnectionError("signaling channel closed")
        self.sent.append(message)
        if self.peer is not None and not self.peer.closed:
            self.peer._inbox.put_nowait(dict(message))

    async def receive(self) -> Message | None:
        if self.closed and self._inbox.empty():
            return None
        return await self._inbox.get()

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._inbox.put_nowait(None)
