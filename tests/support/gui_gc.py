"""Python's cyclic GC only on the GUI thread, for tests that build widgets.

The GC runs in whichever thread happens to allocate. A widget from an earlier test that is
still held in a reference cycle would then be destroyed on an op-runner or LISTEN thread,
leaving its timers registered with the GUI thread — a segfault in a later, unrelated test
(seen as ``QTimerInfoList::activateTimers`` crashes). The application itself uses
``officer_console.gui.shell.app.GuiThreadGc`` for the same reason. Import the fixture into a
conftest or test module to use it there.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def gc_on_gui_thread() -> Iterator[None]:
    was_enabled = gc.isenabled()  # off for the whole pytest run (tests/conftest.py)
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        if was_enabled:
            gc.enable()
