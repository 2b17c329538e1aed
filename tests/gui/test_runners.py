"""The GUI's two runners: work off the GUI thread, answers back on it, errors to one sink."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from officer_console.domain.errors import DomainError
from officer_console.gui.common.services import IoRunner, Services
from officer_console.store.db.engine import ping
from tests.support.console import make_services


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    services = make_services(db_url)
    yield services
    services.close()


def test_io_work_runs_on_oc_io_and_answers_on_the_gui_thread(
    qtbot: QtBot, services: Services, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text("证据", encoding="utf-8")
    where: list[str] = []
    answers: list[tuple[str, bool]] = []

    def job() -> str:
        where.append(threading.current_thread().name)
        return (tmp_path / "a.txt").read_text(encoding="utf-8")

    services.io.run(
        job,
        lambda text: answers.append((text, threading.current_thread() is threading.main_thread())),
    )
    qtbot.waitUntil(lambda: bool(answers), timeout=5_000)
    assert answers == [("证据", True)]
    assert where[0].startswith("oc-io")
    assert services.io is services.io  # one per session


def test_io_failures_go_to_on_failure_or_to_the_crash_sink(
    qtbot: QtBot, services: Services
) -> None:
    failures: list[BaseException] = []

    def broken() -> None:
        raise DomainError("证据存储暂不可用")

    services.io.run(broken, None, failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=5_000)
    assert isinstance(failures[0], DomainError)
    with qtbot.waitSignal(services.runner.unhandled_error, timeout=5_000) as unhandled:
        services.io.run(broken)  # nobody handles it: the session's one error sink shows it
    assert str(unhandled.args[0]) == "证据存储暂不可用"


def test_database_work_runs_on_the_one_db_thread_and_ping_answers(
    qtbot: QtBot, services: Services
) -> None:
    where: list[str] = []

    def work(session: Session) -> bool:
        where.append(threading.current_thread().name)
        return ping(session)

    with qtbot.waitCallback(timeout=5_000) as answered:
        services.runner.run(work, answered, write=False)
    answered.assert_called_with(True)
    assert where[0].startswith("oc-db")


def test_a_shut_down_runner_refuses_work_and_drops_late_answers(qtbot: QtBot) -> None:
    runner = IoRunner()
    release = threading.Event()
    answers: list[int] = []
    runner.run(lambda: release.wait(5) and 1, answers.append)
    runner.shutdown(wait=False)
    release.set()
    with pytest.raises(RuntimeError):
        runner.run(lambda: 2)
    qtbot.wait(200)
    assert answers == []  # the asker may be gone: nothing is delivered after shutdown
    assert runner.closed
