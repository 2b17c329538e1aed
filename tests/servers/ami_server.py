"""A local Asterisk Manager Interface (AMI) server for dialer tests and benches.

Speaks the wire protocol: banner, ``Login`` (checks the credentials), ``Originate`` (checks the
fields; with ``Async: true`` answers "Originate successfully queued" and sends the
``OriginateResponse`` event after ``event_delay``), ``Logoff`` ("Goodbye"). Unrelated events are
interleaved, as on a busy PBX. ``mode`` makes it misbehave: ``silent`` (no banner),
``silent_after_login`` (never answers Originate), ``no_event`` (queues but never reports),
``originate_error`` (refuses the Originate).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

AMI_USER = "officer-console"
AMI_SECRET = "ami-test-secret"
REQUIRED_ORIGINATE = ("ActionID", "Channel", "Exten", "Context", "Priority", "Timeout", "Async")


@dataclass
class AmiServer:
    """``async with AmiServer(reason=4) as ami:``; reason 4 = answered, else a failure code."""

    username: str = AMI_USER
    secret: str = AMI_SECRET
    reason: int = 4
    event_delay: float = 0.05
    mode: str = "normal"
    logins: list[tuple[str, bool]] = field(default_factory=list)
    originates: list[dict[str, str]] = field(default_factory=list)
    logoffs: int = 0
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._session(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    @staticmethod
    def _send(writer: asyncio.StreamWriter, *pairs: tuple[str, str]) -> None:
        writer.write(("".join(f"{k}: {v}\r\n" for k, v in pairs) + "\r\n").encode())

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> dict[str, str] | None:
        message: dict[str, str] = {}
        while True:
            line = await reader.readline()
            if not line:
                return None
            text = line.decode().rstrip("\r\n")
            if not text:
                if message:
                    return message
                continue
            key, _, value = text.partition(":")
            message[key.strip()] = value.strip()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == "silent":
            await reader.read()  # hold the connection open, say nothing
            return
        writer.write(b"Asterisk Call Manager/5.0.1\r\n")
        authed = False
        while (msg := await self._read(reader)) is not None:
            action = msg.get("Action", "").lower()
            aid = ("ActionID", msg.get("ActionID", ""))
            if action == "login":
                authed = msg.get("Username") == self.username and msg.get("Secret") == self.secret
                self.logins.append((msg.get("Username", ""), authed))
                if authed:
                    self._send(
                        writer, ("Response", "Success"), aid, ("Message", "Authentication accepted")
                    )
                    self._send(
                        writer,
                        ("Event", "FullyBooted"),
                        ("Privilege", "system,all"),
                        ("Status", "Fully Booted"),
                    )
                else:
                    self._send(
                        writer, ("Response", "Error"), aid, ("Message", "Authentication failed")
                    )
            elif action == "logoff":
                self.logoffs += 1
                self._send(
                    writer, ("Response", "Goodbye"), aid, ("Message", "Thanks for all the fish.")
                )
                await writer.drain()
                return
            elif not authed:
                self._send(writer, ("Response", "Error"), aid, ("Message", "Permission denied"))
            elif action == "originate":
                await self._originate(msg, writer)
            else:
                self._send(
                    writer, ("Response", "Error"), aid, ("Message", "Invalid/unknown command")
                )
            await writer.drain()

    async def _originate(self, msg: dict[str, str], writer: asyncio.StreamWriter) -> None:
        self.originates.append(msg)
        aid = ("ActionID", msg.get("ActionID", ""))
        if self.mode == "silent_after_login":
            return
        missing = [k for k in REQUIRED_ORIGINATE if not msg.get(k)]
        if missing or msg.get("Async", "").lower() != "true" or self.mode == "originate_error":
            text = f"Missing {missing[0]}" if missing else "Originate failed"
            self._send(writer, ("Response", "Error"), aid, ("Message", text))
            return
        self._send(
            writer, ("Response", "Success"), aid, ("Message", "Originate successfully queued")
        )
        if self.mode == "no_event":
            return
        task = asyncio.create_task(self._report(msg, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _report(self, msg: dict[str, str], writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(self.event_delay)
        # Noise first: a newchannel event and another client's OriginateResponse.
        self._send(writer, ("Event", "Newchannel"), ("Channel", msg["Channel"] + "-00000001"))
        self._send(
            writer,
            ("Event", "OriginateResponse"),
            ("ActionID", "someone-else"),
            ("Response", "Success"),
            ("Reason", "4"),
        )
        answered = self.reason == 4
        self._send(
            writer,
            ("Event", "OriginateResponse"),
            ("Privilege", "call,all"),
            ("ActionID", msg["ActionID"]),
            ("Response", "Success" if answered else "Failure"),
            ("Channel", msg["Channel"]),
            ("Context", msg["Context"]),
            ("Exten", msg["Exten"]),
            ("Reason", str(self.reason)),
            ("Uniqueid", "1700000000.1" if answered else "<null>"),
            ("CallerIDNum", "<unknown>"),
            ("CallerIDName", "<unknown>"),
        )
        await writer.drain()
