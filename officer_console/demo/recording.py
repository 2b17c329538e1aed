"""Real recording segments for the demo's resumed case (seed-demo only).

A resumed case has one hashed recording per call. The demo makes them the way the console
does (:mod:`officer_console.video.call`): an :class:`EvidenceRecorder` writes a short
fragmented MP4 from synthetic officer and citizen tracks, ``recording.start`` is audited
before, the hashed file is stored with ``recording.stop`` + ``recording.hash`` after — so
``verify-evidence`` re-hashes them like any other recording. Lives in the demo package,
above the layers, because it needs the video layer and the store together.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import transaction
from officer_console.store.evidence.rows import RecordingTarget, record_start
from officer_console.video.call import recording_path
from officer_console.video.evidence import record_stop
from officer_console.video.recorder import EvidenceRecorder, RecordingLayout
from officer_console.video.recording_files import mark_stored
from officer_console.video.synthetic import SyntheticVideoTrack, ToneAudioTrack

__all__ = ["demo_segment_recorder"]

_LAYOUT = RecordingLayout(tile_width=320, tile_height=240, fps=15)


async def _feed(recorder: EvidenceRecorder, seconds: float) -> None:
    sources = {
        "citizen": (SyntheticVideoTrack(320, 240, label="当事人"), ToneAudioTrack(330)),
        "officer": (SyntheticVideoTrack(320, 240, label="民警"), ToneAudioTrack(550)),
    }

    async def pump(side: str, track: SyntheticVideoTrack | ToneAudioTrack) -> None:
        while True:
            recorder.push(side, await track.recv())

    tasks = [asyncio.create_task(pump(s, t)) for s, pair in sources.items() for t in pair]
    try:
        await asyncio.sleep(seconds)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def demo_segment_recorder(
    factory: sessionmaker[Session], evidence_dir: Path, *, seconds: float = 1.0
) -> Callable[[Actor, int, int], int]:
    """``record(actor, appointment_id, case_id)`` → the stored recording's evidence id."""

    def record(actor: Actor, appointment_id: int, case_id: int) -> int:
        target = RecordingTarget(appointment_id, case_id)
        path = recording_path(evidence_dir, appointment_id, datetime.now(UTC))
        metadata = {
            "appointment_id": appointment_id,
            "case_id": case_id,
            "workstation": actor.workstation,
            "officer": actor.police_number,
        }
        recorder = EvidenceRecorder(path, _LAYOUT, metadata=metadata)
        recorder.start()
        with transaction(factory) as s:
            record_start(s, actor, target, path, evidence_dir)
        asyncio.run(_feed(recorder, seconds))
        result = recorder.stop()
        with transaction(factory) as s:
            evidence_id = record_stop(s, actor, target, result, evidence_dir)
        mark_stored(result.path, evidence_id)
        return evidence_id

    return record
