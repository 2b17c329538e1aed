"""Shared fixtures: every store test runs on SQLite and on a real PostgreSQL server.

PostgreSQL comes from ``OFFICER_CONSOLE_TEST_DATABASE_URL`` when set, else a throwaway cluster
started from the installed binaries. Outside CI a missing server (or PulseAudio) skips the
tests that need it and says so once in the run's summary — never a ``warnings.warn`` from a
session fixture, which ``filterwarnings = error`` would turn into an error for every test
(domain and store tests need neither); under ``CI=true`` it fails loudly.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from officer_console.store.db.engine import make_engine, session_factory
from officer_console.store.people import accounts
from tests.support import chromium
from tests.support.databases import PostgresTemplate, SqliteTemplate
from tests.support.pgcluster import Cluster, PostgresUnavailable, start_cluster
from tests.support.pulse import PulseServer, PulseUnavailable, start_pulse

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# The backend rule (docs/testing.md): tests that use ``db_url`` run on SQLite only, unless the
# backend matters — everything under these folders, and tests marked ``both_backends`` — where
# they run on SQLite and PostgreSQL. OFFICER_CONSOLE_TEST_ALL_BACKENDS=1 runs all on both.
BOTH_BACKEND_FOLDERS = ("store",)
ALL_BACKENDS = os.environ.get("OFFICER_CONSOLE_TEST_ALL_BACKENDS", "") == "1"
_TESTS = Path(__file__).resolve().parent
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_MISSING: list[str] = []  # what could not run here, reported once at the end


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in dict.fromkeys(_MISSING):
        terminalreporter.write_line(f"!!! {line} !!!", yellow=True, bold=True)


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's real data or configuration."""
    for key in list(os.environ):
        if key.startswith("OFFICER_CONSOLE_") and key != "OFFICER_CONSOLE_TEST_DATABASE_URL":
            monkeypatch.delenv(key)
    monkeypatch.setenv("OFFICER_CONSOLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


# argon2id at its production cost (m = 64 MiB, t = 3) takes ≈ 190 ms per login, unlock or new
# user; tests hash with the cheapest valid parameters. tests/store/test_accounts.py checks the
# production parameters with the ``production_hasher`` fixture.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes() -> Iterator[None]:
    previous = accounts.use_hasher(CHEAP_HASHER)
    yield
    accounts.use_hasher(previous)


@pytest.fixture
def production_hasher() -> Iterator[PasswordHasher]:
    """The program's own argon2id parameters for one test."""
    previous = accounts.use_hasher(accounts.PRODUCTION_HASHER)
    yield accounts.PRODUCTION_HASHER
    accounts.use_hasher(previous)


@pytest.fixture(scope="session", autouse=True)
def _frozen_imports() -> Iterator[None]:
    """Everything imported so far lives for the whole run: out of the collector's sight.

    A full collection then costs milliseconds instead of over a second (175k objects of Qt,
    aiortc, numpy, SQLAlchemy…), which makes collecting after every test affordable. From
    here on the cyclic GC is off for the whole run; ``_gc_on_main_thread`` collects."""
    gc.collect()
    gc.freeze()
    gc.disable()
    gc.callbacks.append(_note_collection_thread)
    yield
    gc.callbacks.remove(_note_collection_thread)


_OFF_THREAD_COLLECTIONS: list[str] = []


def _note_collection_thread(phase: str, info: dict[str, int]) -> None:
    if phase == "start" and threading.current_thread() is not threading.main_thread():
        _OFF_THREAD_COLLECTIONS.append(threading.current_thread().name)


@pytest.fixture(autouse=True)
def _gc_on_main_thread(_frozen_imports: None) -> Iterator[None]:
    """Python's cyclic GC runs on the main (GUI) thread only, after each test, for every test.

    A widget cycle collected by whatever thread allocates next (xdist's execnet receiver, an
    op runner, a Chromium pipe reader) is destroyed on that thread with its timers still
    registered with the GUI thread: a segfault later, in an unrelated test. So automatic
    collection stays off (``_frozen_imports``) and a collection on any other thread fails
    the test (docs/testing.md: the xdist segfault)."""
    gc.disable()
    _OFF_THREAD_COLLECTIONS.clear()
    yield
    gc.collect()
    gc.disable()
    off = list(dict.fromkeys(_OFF_THREAD_COLLECTIONS))
    _OFF_THREAD_COLLECTIONS.clear()
    assert not off, f"Python's GC ran on another thread during the test: {off}"


@pytest.fixture(scope="session", autouse=True)
def _shared_chromium() -> Iterator[None]:
    """The one Chromium of this process (tests/support/chromium.py) ends with the session."""
    yield
    chromium.stop_shared()


@pytest.fixture(scope="session", autouse=True)
def pulse() -> Iterator[PulseServer | None]:
    """A private PulseAudio server for the whole run, started before anything touches
    QtMultimedia (its device lists are read once per process from the server it finds)."""
    try:
        server = start_pulse()
    except PulseUnavailable as exc:
        if IN_CI:
            pytest.fail(f"audio tests cannot run: {exc} (CI=true: failing)", pytrace=False)
        _MISSING.append(f"no PulseAudio server, audio device tests skipped: {exc}")
        yield None
        return
    previous = os.environ.get("PULSE_SERVER")
    os.environ["PULSE_SERVER"] = server.address
    try:
        yield server
    finally:
        if previous is None:
            os.environ.pop("PULSE_SERVER", None)
        else:
            os.environ["PULSE_SERVER"] = previous
        server.stop()


@pytest.fixture
def sound(pulse: PulseServer | None) -> PulseServer:
    """The PulseAudio server, for tests that play or record real sound."""
    if pulse is None:
        pytest.skip("!!! needs PulseAudio (pulseaudio, pulseaudio-utils) !!!")
    return pulse


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    explicit = os.environ.get("OFFICER_CONSOLE_TEST_DATABASE_URL")
    if explicit:
        yield explicit
        return
    cluster: Cluster | None = None
    try:
        cluster = start_cluster()
    except PostgresUnavailable as exc:
        message = f"PostgreSQL tests cannot run: {exc}"
        if IN_CI:
            pytest.fail(message + " (CI=true: failing instead of skipping)", pytrace=False)
        _MISSING.append(message + " (skipped)")
        pytest.skip("!!! " + message + " !!!")
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server_url: str) -> Iterator[PostgresTemplate]:
    template = PostgresTemplate(pg_server_url)
    yield template
    template.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


def _backends(metafunc: pytest.Metafunc) -> list[str]:
    """Which backends a test that uses ``db_url`` runs on (docs/testing.md: the backend rule)."""
    if ALL_BACKENDS or metafunc.definition.get_closest_marker("both_backends"):
        return ["sqlite", "postgresql"]
    path = Path(str(metafunc.definition.path)).resolve()
    if any(path.is_relative_to(_TESTS / folder) for folder in BOTH_BACKEND_FOLDERS):
        return ["sqlite", "postgresql"]
    return ["sqlite"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_url" not in metafunc.fixturenames:
        return
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0] if mark.args else mark.kwargs.get("argnames", "")
        if "db_url" in (names.replace(" ", "").split(",") if isinstance(names, str) else names):
            return  # the test chose its backends itself
    params = [
        pytest.param(b, marks=pytest.mark.postgres) if b == "postgresql" else b
        for b in _backends(metafunc)
    ]
    metafunc.parametrize("db_url", params, indirect=True)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, migrated database on the backend(s) the backend rule gives the test."""
    if request.param == "sqlite":
        template: SqliteTemplate = request.getfixturevalue("sqlite_template")
        yield template.fresh_url(tmp_path)
        return
    pg: PostgresTemplate = request.getfixturevalue("pg_template")
    url = pg.fresh_url()
    yield url
    pg.drop(url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)
