"""Gap-free decision numbers per issuing unit and year.

The serial is taken by an atomic increment of ``number_sequences`` in the same transaction
that inserts the decision: if the decision rolls back, so does the serial — no gaps, and the
row lock (PostgreSQL) / the single writer (SQLite) makes concurrent issuers take turns.
"""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from officer_console.domain.numbering import DecisionNumberFormat
from officer_console.store.db.models import NumberSequence


def next_serial(session: Session, unit_code: str, year: int) -> int:
    stmt = (
        update(NumberSequence)
        .where(NumberSequence.unit_code == unit_code, NumberSequence.year == year)
        .values(last_serial=NumberSequence.last_serial + 1)
        .returning(NumberSequence.last_serial)
    )
    serial = session.execute(stmt).scalar_one_or_none()
    if serial is not None:
        return int(serial)
    try:
        with session.begin_nested():
            session.execute(
                insert(NumberSequence).values(unit_code=unit_code, year=year, last_serial=1)
            )
        return 1
    except IntegrityError:
        # Another transaction created the row first; increment it instead (waits on its lock).
        return int(session.execute(stmt).scalar_one())


def next_number(
    session: Session,
    unit_code: str,
    division_code: str,
    year: int,
    fmt: DecisionNumberFormat | None = None,
) -> tuple[str, int]:
    """Return (formatted number, serial) for a new decision of ``unit_code`` in ``year``."""
    serial = next_serial(session, unit_code, year)
    number = (fmt or DecisionNumberFormat()).format_number(division_code, year, serial)
    return number, serial


def peek_last(session: Session, unit_code: str, year: int) -> int:
    value = session.scalar(
        select(NumberSequence.last_serial).where(
            NumberSequence.unit_code == unit_code, NumberSequence.year == year
        )
    )
    return int(value or 0)
