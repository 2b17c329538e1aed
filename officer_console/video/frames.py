"""Decoded frames → QImage, keeping only the latest one per view.

``to_ndarray(format="bgra")`` shown as ``Format_RGB32`` is 2–3× cheaper to paint than
rgb24/RGB888 (docs/pitfalls.md). The QImage borrows the numpy buffer, so both travel together in
:class:`FrameImage`; odd widths (e.g. 854) give padded rows, hence ``ascontiguousarray``.
Conversion runs on a small worker thread (one frame in flight, newer frames replace the pending
one) so neither the event loop nor the GUI thread pays for colour conversion.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from av import VideoFrame
from av.video.reformatter import VideoReformatter
from numpy.typing import NDArray
from PySide6.QtGui import QImage


@dataclass(frozen=True)
class FrameImage:
    """A paintable image that owns its pixels (``array``) plus when it arrived."""

    image: QImage
    array: NDArray[np.uint8]
    pts: int | None
    arrived: float  # time.monotonic() when the consumer received the decoded frame
    ready: float = 0.0  # when its conversion finished (worker thread)

    @property
    def width(self) -> int:
        return self.image.width()

    @property
    def height(self) -> int:
        return self.image.height()


def to_qimage(
    frame: VideoFrame, arrived: float | None = None, reformatter: VideoReformatter | None = None
) -> FrameImage:
    """Convert one decoded frame; safe on any thread (QImage, not QPixmap).

    One frame object reaches several consumers (view, recorder, encoder) on different
    threads, and ``frame.reformat`` caches its scaler *on the frame*: two threads converting
    the same frame then share one SwsContext and can hang. So each consumer passes its own.
    """
    bgra = (reformatter or VideoReformatter()).reformat(frame, format="bgra")
    array: NDArray[np.uint8] = np.ascontiguousarray(bgra.to_ndarray(), np.uint8)
    height, width = array.shape[:2]
    image = QImage(array.data, width, height, array.strides[0], QImage.Format.Format_RGB32)
    now = time.monotonic()
    return FrameImage(image, array, frame.pts, now if arrived is None else arrived, now)


class LatestFrame:
    """Latest-frame slot for one view: ``offer`` on the loop, ``on_ready`` when converted.

    At most one conversion is in flight; frames offered meanwhile replace each other, so a slow
    painter never builds a backlog — it simply sees fewer, fresher frames.
    """

    def __init__(
        self, on_ready: Callable[[], None] | None = None, executor: Executor | None = None
    ) -> None:
        self.on_ready = on_ready
        self.image: FrameImage | None = None
        self.offered = 0
        self.converted = 0
        self.handed_at = 0.0  # when ``image`` was handed back to the loop (bench breakdown)
        self._own_executor = executor is None
        self._executor = executor or ThreadPoolExecutor(1, thread_name_prefix="oc-frames")
        self._reformatter = VideoReformatter()  # used by one conversion at a time
        self._pending: tuple[VideoFrame, float] | None = None
        self._busy = False
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._generation = 0  # bumped by clear(): a conversion started before it is dropped

    def offer(self, frame: VideoFrame) -> None:
        """Called on the event loop by the track consumer."""
        if self._closed:
            return
        self.offered += 1
        self._pending = (frame, time.monotonic())
        if not self._busy:
            self._loop = asyncio.get_running_loop()
            self._convert_next()

    def _convert_next(self) -> None:
        if self._pending is None or self._closed or self._loop is None:
            return
        frame, arrived = self._pending
        self._pending = None
        self._busy = True
        future = self._executor.submit(to_qimage, frame, arrived, self._reformatter)
        loop, generation = self._loop, self._generation

        def back(done: Future[FrameImage]) -> None:
            with contextlib.suppress(RuntimeError):  # loop closed during shutdown
                loop.call_soon_threadsafe(self._finished, done, generation)

        future.add_done_callback(back)

    def _finished(self, done: Future[FrameImage], generation: int) -> None:
        self._busy = False
        if self._closed or done.cancelled():
            return
        if done.exception() is None and generation == self._generation:
            self.image = done.result()
            self.handed_at = time.monotonic()
            self.converted += 1
            if self.on_ready is not None:
                self.on_ready()
        self._convert_next()

    def clear(self) -> None:
        """No picture until a frame offered after this one is converted (a dropped call must
        not show its last frame again when a conversion still in flight comes back)."""
        self.image = None
        self._pending = None
        self._generation += 1

    def close(self) -> None:
        """Idempotent; a conversion still running is abandoned, not awaited."""
        self._closed = True
        self._pending = None
        if self._own_executor:
            self._executor.shutdown(wait=False, cancel_futures=True)
