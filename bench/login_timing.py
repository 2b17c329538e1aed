"""Sign-in failures take the same time whatever the reason (no timing oracle for numbers).

Prints, per database, median and p95 of ``accounts.login`` for: an unknown police number, a
wrong password, a locked account, a disabled account, and a successful sign-in. Every case
costs one argon2id verification (a dummy hash for unknown numbers).
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable

from _common import databases, pct

from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import make_engine, session_factory, transaction
from officer_console.store.people import accounts
from tests.support import builders

ROUNDS = 15
ADMIN = Actor.system("bench")


def _timed(attempt: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        with contextlib.suppress(accounts.LoginFailed):
            attempt()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    with databases() as urls:
        for label, url in urls:
            engine = make_engine(url)
            factory = session_factory(engine)
            with transaction(factory) as s:
                squad = builders.squad(s)
                for number in ("370102001", "370102002", "370102003"):
                    builders.officer(s, squad, number)
                accounts.set_disabled(s, ADMIN, "370102003", True)

            def login(
                number: str, password: str, factory=factory, most: int = 10**6
            ) -> Callable[[], object]:  # type: ignore[no-untyped-def]
                return lambda: accounts.login(
                    factory,
                    police_number=number,
                    password=password,
                    workstation="bench",
                    max_failures=most,
                )

            for _ in range(5):  # lock 370102002 (the lock needs the normal policy)
                with contextlib.suppress(accounts.LoginFailed):
                    login("370102002", "Wrong-Pass-1", most=5)()
            cases = {
                "unknown number": login("370102999", "Wrong-Pass-1"),
                "wrong password": login("370102001", "Wrong-Pass-1"),
                "locked account": login("370102002", builders.PASSWORD),
                "disabled account": login("370102003", builders.PASSWORD),
                "success": login("370102001", builders.PASSWORD),
            }
            print(f"== {label}: accounts.login, {ROUNDS} attempts each")
            for name, attempt in cases.items():
                t = _timed(attempt)
                print(
                    f"  {name:<17} median {statistics.median(t):6.1f} ms   p95 {pct(t, 95):6.1f} ms"
                )
            engine.dispose()


if __name__ == "__main__":
    main()
