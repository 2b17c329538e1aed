"""One instant, one clock: every place a user reads a time shows the squad's local time.

09:38 UTC is 17:38 in Asia/Shanghai; the test runs with the host in another zone (TZ=UTC
set below) so a forgotten ``astimezone()`` (host time) shows up as 09:38.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from officer_console.documents.layout import local_time
from officer_console.gateway.routes_verify import _local as verify_local
from officer_console.gui.call.recording_player import _describe
from officer_console.gui.common.widgets import local_text
from officer_console.gui.queue.cells import COL_SLOT, QueueCells
from officer_console.store.appointments.queue import QueueRow
from officer_console.store.evidence.access import RecordingListing
from officer_console.video import glyphs
from officer_console.video.compositor import LABELS, Canvas, burn_in_time

INSTANT = datetime(2026, 12, 7, 9, 38, 5, tzinfo=UTC)
TZ = "Asia/Shanghai"


@pytest.fixture(autouse=True)
def host_in_utc() -> Iterator[None]:
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


def _row() -> QueueRow:
    return QueueRow(
        id=1, version=1, squad_id=1, slot_start=INSTANT, slot_end=INSTANT + timedelta(minutes=30),
        urgent=False, urgent_reason=None, status="waiting", citizen_masked="张*",
        phone_masked="138****0000", plate="鲁A12345", violation_count=1, officer_id=None,
        officer_name="", changed_seq=1,
    )  # fmt: skip


def test_every_place_shows_the_same_instant_in_squad_local_time() -> None:
    shown = {
        "queue": QueueCells(None, TZ, lambda: INSTANT).text(_row(), COL_SLOT),
        "case panel / history": local_text(INSTANT, TZ, "%m-%d %H:%M:%S"),
        "recordings": _describe(
            RecordingListing(1, "k", "0" * 64, 2048, 30.0, INSTANT, "local"), TZ
        ),
        "burn-in": burn_in_time(INSTANT.timestamp(), ZoneInfo(TZ)),
        "documents": local_time(INSTANT, TZ),
        "verification page": verify_local(INSTANT, TZ),
    }
    wanted = {
        "queue": "17:38",
        "case panel / history": "12-07 17:38:05",
        "recordings": "2026-12-07 17:38",
        "burn-in": "2026-12-07 17:38:05+0800",
        "documents": "2026年12月07日17时38分",
        "verification page": "2026年12月07日 17:38",
    }
    for place, text in wanted.items():
        assert text in shown[place], (place, shown[place])
        assert "09:38" not in shown[place] and "09时38" not in shown[place], place


def test_burn_in_labels_are_chinese_glyphs_in_the_picture() -> None:
    """当事人 / 民警 are drawn from their bitmaps, not as blanks (unknown characters)."""
    assert LABELS == {"citizen": "当事人", "officer": "民警"}
    canvas = Canvas(320, 240, TZ)
    frame = canvas.compose({}, set(), INSTANT.timestamp())
    luma = frame.to_ndarray()[: canvas.height]
    scale = canvas._scale
    x, y = 6 * scale, canvas.tile_h - 17 * scale
    expected = np.zeros((12 * scale, 13 * 3 * scale), dtype=bool)
    for i, char in enumerate("当事人"):
        expected[:, i * 13 * scale : i * 13 * scale + 12 * scale] = glyphs.glyph(char, scale)
    drawn = luma[y : y + 12 * scale, x : x + 39 * scale] > 128
    assert drawn.sum() > 60 and (drawn == expected).all()
