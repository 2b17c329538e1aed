"""What a recording leaves on disk, and reading it back: the hash, the JSON sidecar (its
state: recording → closed → stored → uploaded), the playable length of a fragmented MP4, and
the recordings a crash left unregistered.

Apart from :mod:`officer_console.video.recorder` because recovery, the evidence hand-off, the
admin check and the tests read files without ever recording one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import av

__all__ = [
    "DONE_STATUSES",
    "mark_stored",
    "media_duration",
    "read_sidecar",
    "sha256_file",
    "sidecar_path",
    "unfinished_recordings",
    "update_sidecar",
    "write_sidecar",
]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sidecar_path(path: Path) -> Path:
    return path.with_suffix(path.suffix + ".json")


def write_sidecar(path: Path, data: dict[str, Any]) -> None:
    """Replace the recording's sidecar atomically: a crash leaves the old one or the new one."""
    side = sidecar_path(path)
    tmp = side.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, side)


def update_sidecar(path: Path, **values: Any) -> None:
    """Merge ``values`` into the recording's sidecar (created if missing), atomically."""
    side = sidecar_path(path)
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data.update(values)
    write_sidecar(path, data)


def read_sidecar(path: Path) -> dict[str, Any] | None:
    """The recording's sidecar, or None when it is missing or unreadable."""
    try:
        data = json.loads(sidecar_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


#: Sidecar states of a recording whose row exists (or that is gone): not for recovery. After
#: ``stored`` the hand-off (video/handoff.py) moves it to ``uploaded`` (the local store keeps
#: the file), ``mismatch`` (spool file differs from its row; kept) or ``lost``.
DONE_STATUSES = frozenset({"stored", "missing", "uploaded", "mismatch", "lost"})


def unfinished_recordings(evidence_dir: Path) -> list[Path]:
    """Recordings never stored in the database: the program died while recording, or the
    database was unreachable at hang-up. Each is still a playable file to hash and register
    (``evidence.recover_recordings``); one found missing is marked so and not listed again."""
    found = []
    for side in sorted(evidence_dir.rglob("*.mp4.json")):
        with contextlib.suppress(OSError, ValueError):
            status = json.loads(side.read_text(encoding="utf-8")).get("status")
            if status not in DONE_STATUSES:
                found.append(side.with_suffix(""))
    return found


def mark_stored(path: Path, evidence_id: int, **extra: Any) -> None:
    """Last sidecar state: the hash is in the database (row ``evidence_id``)."""
    update_sidecar(path, status="stored", evidence_id=evidence_id, **extra)


def media_duration(path: Path) -> float:
    """Seconds of playable media in a recording, read from its fragments (the header of a
    fragmented MP4 says nothing): from the first to the end of the last intact packet of
    either track, the video's end confirmed by decoding its last group of pictures. A torn
    tail is ignored; a file with only a header — or not even that — holds 0 s."""
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError):
        return 0.0
    with container:
        video = container.streams.video[0] if container.streams.video else None
        first: float | None = None
        last = 0.0
        gop: list[Any] = []
        ends: dict[int, float] = {}  # pts → end, for the video packets of ``gop``
        try:
            for packet in container.demux():
                if packet.pts is None or not packet.size or packet.is_corrupt:
                    continue
                start = float(packet.pts * packet.time_base)
                end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                first = start if first is None else min(first, start)
                if video is not None and packet.stream.index == video.index:
                    if packet.is_keyframe:
                        gop, ends = [], {}
                    gop.append(packet)
                    ends[packet.pts] = end
                else:
                    last = max(last, end)
        except av.error.FFmpegError:
            pass  # a fragment cut short by the kill
        if video is not None:
            last = max(last, _decodable_end(video, gop, ends))
        return max(0.0, last - first) if first is not None else 0.0


def _decodable_end(stream: Any, packets: list[Any], ends: dict[int, float]) -> float:
    end = 0.0
    try:
        for packet in [*packets, None]:
            for frame in stream.codec_context.decode(packet):
                if frame.pts is not None:
                    end = max(end, ends.get(frame.pts, float(frame.pts * stream.time_base)))
    except av.error.FFmpegError:
        pass
    return end
