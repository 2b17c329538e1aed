"""One video call for an appointment, from opening the room to the stored, hashed recording.

This is what the GUI drives: ``start(target)`` opens the room (audited), connects to the
gateway relay, starts the evidence recording (audited) and the call session; ``hang_up()``
closes everything in order and stores the recording's hash, size and duration. Database work
goes through the console's op runner (``services.runner``); nothing here blocks the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from officer_console.config import Settings
from officer_console.store.db.audit import Actor
from officer_console.store.gateway import rooms
from officer_console.video import evidence
from officer_console.video.evidence import RecordingTarget
from officer_console.video.handoff import kick_uploads
from officer_console.video.media import LocalMedia, MediaConfig
from officer_console.video.recorder import EvidenceRecorder, RecordingLayout
from officer_console.video.recording_files import mark_stored
from officer_console.video.runner import DbRunner
from officer_console.video.session import CallSession
from officer_console.video.signaling import SignalingChannel
from officer_console.video.signaling_client import GatewaySignaling

log = logging.getLogger("officer_console.video.call")
T = TypeVar("T")


def recording_path(evidence_dir: Path, appointment_id: int, now: datetime) -> Path:
    stamp = now.astimezone(UTC)
    folder = evidence_dir / "recordings" / f"{stamp:%Y}" / f"{stamp:%m}"
    return folder / f"appt{appointment_id}-{stamp:%Y%m%dT%H%M%S}Z.mp4"


class VideoCall:
    """``await start(target)`` → a running :class:`CallSession`; ``await hang_up()`` ends it."""

    def __init__(
        self,
        settings: Settings,
        actor: Actor,
        runner: DbRunner,
        *,
        media: MediaConfig | None = None,
        layout: RecordingLayout | None = None,
        record: bool = True,
        signaling_factory: Callable[[str, str], SignalingChannel] | None = None,
    ) -> None:
        self.settings = settings
        self.actor = actor
        self.runner = runner
        self.media_config = media
        # The burned-in clock shows the squad's local time (settings.timezone).
        self.layout = dataclasses.replace(layout or RecordingLayout(), timezone=settings.timezone)
        self.record = record
        self._signaling_factory = signaling_factory
        self.session: CallSession | None = None
        self.target: RecordingTarget | None = None
        self.room_id: str | None = None
        self.evidence_id: int | None = None
        self._ended = False

    async def _db(self, work: Callable[[Session], T]) -> T:
        # on_failure given: the error is ours to handle, not the crash dialog's.
        future = self.runner.run(work, None, lambda _exc: None)
        return await asyncio.wrap_future(future)

    async def start(self, target: RecordingTarget) -> CallSession:
        if self.session is not None:
            raise RuntimeError("call already started")
        self.target = target
        actor, appointment_id = self.actor, target.appointment_id
        room_id, secret = await self._db(lambda s: rooms.open_room(s, actor, appointment_id))
        self.room_id = room_id
        signaling: Any = None
        recorder: EvidenceRecorder | None = None
        try:
            signaling = await self._connect(room_id, secret)
            if self.record:
                recorder = await self._start_recording(target)
            media = LocalMedia(self.media_config)
            session = CallSession(
                signaling, media, ice_servers=self.settings.ice_servers, recorder=recorder
            )
            await session.start()
        except BaseException:
            await self._abort(signaling, recorder)
            raise
        self.session = session
        return session

    async def _connect(self, room_id: str, secret: str) -> SignalingChannel:
        if self._signaling_factory is not None:
            return self._signaling_factory(room_id, secret)
        client = GatewaySignaling(self.settings.gateway_url, room_id, secret)
        try:
            await client.connect()
        except BaseException:
            await client.close()
            raise
        return client

    async def _start_recording(self, target: RecordingTarget) -> EvidenceRecorder:
        evidence_dir = self.settings.evidence_dir
        path = recording_path(evidence_dir, target.appointment_id, datetime.now(UTC))
        metadata = {
            "appointment_id": target.appointment_id,
            "case_id": target.case_id,
            "workstation": self.actor.workstation,
            "officer": self.actor.police_number,
        }
        recorder = EvidenceRecorder(path, self.layout, metadata=metadata)
        await asyncio.to_thread(recorder.start)
        actor = self.actor
        try:
            await self._db(lambda s: evidence.record_start(s, actor, target, path, evidence_dir))
        except BaseException:
            await self._store(recorder)  # the file exists: keep it accounted for
            raise
        return recorder

    async def _store(self, recorder: EvidenceRecorder) -> int | None:
        result = await asyncio.to_thread(recorder.stop)
        return await self._store_result(result)

    async def _store_result(self, result: Any) -> int | None:
        assert self.target is not None
        actor, target, evidence_dir = self.actor, self.target, self.settings.evidence_dir
        evidence_id = await self._db(
            lambda s: evidence.record_stop(s, actor, target, result, evidence_dir)
        )
        await asyncio.to_thread(mark_stored, result.path, evidence_id)
        kick_uploads()  # hand it to the evidence store now (video/handoff.py)
        return evidence_id

    async def _abort(self, signaling: Any, recorder: EvidenceRecorder | None) -> None:
        if recorder is not None and recorder.running:
            with contextlib.suppress(Exception):
                await self._store(recorder)
        if signaling is not None:
            with contextlib.suppress(Exception):
                await signaling.close()
        await self._close_room()

    async def _close_room(self) -> None:
        room_id = self.room_id
        if room_id is None:
            return
        try:
            await self._db(lambda s: rooms.close_room(s, room_id))
        except Exception:
            log.warning("could not close the video room", exc_info=True)

    async def hang_up(self) -> int | None:
        """Idempotent: end the call, store the recording's hash; returns the evidence id."""
        if self._ended:
            return self.evidence_id
        self._ended = True
        session = self.session
        try:
            if session is not None:
                await session.close()
                if session.recording is not None:
                    self.evidence_id = await self._store_result(session.recording)
        finally:
            await self._close_room()
        return self.evidence_id
