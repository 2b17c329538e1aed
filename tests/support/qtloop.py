"""Fixture ``qt_run``: a qasync loop per test (the console's own loop type), so aiortc and
Qt painting share one thread as they do in the program.

``qt_run(coro)`` runs a coroutine to completion on it with a hard timeout; afterwards no
non-daemon thread may remain (aiortc's decoder threads only end with ``pc.close()``).
``await until(predicate)`` polls a condition on that loop.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtWidgets import QApplication

T = TypeVar("T")
Runner = Callable[..., Any]


async def until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    """Poll ``predicate`` every 20 ms; AssertionError when it is still false after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


def _foreign_threads(before: set[int]) -> list[threading.Thread]:
    return [
        t for t in threading.enumerate() if t.ident not in before and t.is_alive() and not t.daemon
    ]


@pytest.fixture
def qt_run(qapp: QApplication) -> Iterator[Callable[[Coroutine[Any, Any, T], float], T]]:
    before = {t.ident for t in threading.enumerate() if t.ident is not None}
    # Cyclic GC only here, on the GUI thread: collected on a worker (frame converter,
    # recorder) it would destroy qasync's timer objects from the wrong thread.
    was_enabled = gc.isenabled()  # off for the whole pytest run (tests/conftest.py)
    gc.collect()
    gc.disable()
    holder = {"loop": qasync.QEventLoop(qapp)}
    asyncio.set_event_loop(holder["loop"])

    def run(coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        return holder["loop"].run_until_complete(asyncio.wait_for(coro, timeout))

    try:
        yield run
    finally:
        loop = holder.pop("loop")
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
        asyncio.set_event_loop(None)
        del loop
        gc.collect()
        if was_enabled:
            gc.enable()
    deadline = time.monotonic() + 5
    while _foreign_threads(before) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = _foreign_threads(before)
    assert not left, f"threads left running after the test: {[t.name for t in left]}"
