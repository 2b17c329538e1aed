"""OpRunner releases what the caller gave it on the GUI thread, never on its worker.

A widget whose last reference is dropped on the ``oc-db`` thread is destroyed there, with its
timers still registered with the GUI thread: the xdist segfault of docs/testing.md. Each test
keeps a probe alive only through ``work`` or a callback, lets go of its own reference while
the job runs, and checks which thread finally frees the probe.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from officer_console.gui.common.services import OpRunner


class Probe:
    """Records the thread that frees it (as a widget's C++ destructor would run there)."""

    def __init__(self, freed_on: list[str]) -> None:
        self._freed_on = freed_on

    def callback(self, _payload: object) -> None:
        pass

    def __del__(self) -> None:
        self._freed_on.append(threading.current_thread().name)


@pytest.fixture
def runner(factory: sessionmaker[Session]) -> Iterator[OpRunner]:
    op = OpRunner(factory)
    yield op
    op.shutdown()


def _blocking_work(gate: threading.Event, probe: Probe | None = None):  # type: ignore[no-untyped-def]
    def work(_session: Session) -> bool:
        assert probe is None or isinstance(probe, Probe)
        return gate.wait(10)

    return work


def test_work_is_released_on_the_gui_thread(qtbot: QtBot, runner: OpRunner) -> None:
    freed_on: list[str] = []
    gate = threading.Event()
    probe = Probe(freed_on)
    done: list[bool] = []
    runner.run(_blocking_work(gate, probe), done.append, write=False)
    del probe  # only the work closure keeps it now, on the worker
    gate.set()
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    qtbot.waitUntil(lambda: bool(freed_on), timeout=10_000)
    assert freed_on == [threading.main_thread().name]


def test_callbacks_are_released_on_the_gui_thread_after_shutdown(
    qtbot: QtBot, runner: OpRunner
) -> None:
    """Shut down while the job runs: nothing is called, yet the callbacks go home to die."""
    freed_on: list[str] = []
    gate = threading.Event()
    probe = Probe(freed_on)
    runner.run(_blocking_work(gate), probe.callback, probe.callback, write=False)
    del probe
    threading.Timer(0.3, gate.set).start()
    runner.shutdown()  # waits for the running job
    assert freed_on == []  # still on its way back, not freed on the worker
    qtbot.waitUntil(lambda: bool(freed_on), timeout=10_000)
    assert freed_on == [threading.main_thread().name]


def test_a_failed_jobs_traceback_keeps_nothing_on_the_worker(
    qtbot: QtBot, runner: OpRunner
) -> None:
    freed_on: list[str] = []
    gate = threading.Event()
    errors: list[BaseException] = []

    def failing(probe: Probe) -> object:
        def work(_session: Session) -> None:
            local = probe  # a frame local, as a widget method's ``self`` would be
            gate.wait(10)
            raise ValueError(f"broken {type(local).__name__}")

        return work

    runner.run(failing(Probe(freed_on)), None, errors.append, write=False)  # type: ignore[arg-type]
    gate.set()
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert str(errors[0]) == "broken Probe"
    qtbot.waitUntil(lambda: bool(freed_on), timeout=10_000)
    assert freed_on == [threading.main_thread().name]
