"""Decision numbers are unique and gap-free per unit and year, even under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session, sessionmaker

from officer_console.store.db.engine import (
    make_engine,
    run_in_transaction,
    session_factory,
    transaction,
)
from officer_console.store.evidence import numbering


def test_sequence_per_unit_and_year(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        a1 = numbering.next_number(s, "370102", "370102", 2026)
        a2 = numbering.next_number(s, "370102", "370102", 2026)
        b1 = numbering.next_number(s, "370103", "370103", 2026)
        a_next_year = numbering.next_number(s, "370102", "370102", 2027)
    assert a1 == ("37010220260000001", 1)
    assert a2[1] == 2 and b1[1] == 1 and a_next_year[1] == 1


def test_rolled_back_number_is_reused_so_there_is_no_gap(factory: sessionmaker[Session]) -> None:
    s = factory()
    s.begin()
    numbering.next_serial(s, "370102", 2026)
    s.rollback()
    s.close()
    with transaction(factory) as s2:
        assert numbering.next_serial(s2, "370102", 2026) == 1


def test_concurrent_issuers_get_distinct_consecutive_serials(db_url: str) -> None:
    engine = make_engine(db_url, pool_size=8)
    factory = session_factory(engine)

    def take(_: int) -> list[int]:
        return [
            run_in_transaction(
                factory, lambda s: numbering.next_serial(s, "370102", 2026), attempts=10
            )
            for _ in range(25)
        ]

    with ThreadPoolExecutor(8) as pool:
        serials = [x for chunk in pool.map(take, range(8)) for x in chunk]
    engine.dispose()
    assert sorted(serials) == list(range(1, 201))
