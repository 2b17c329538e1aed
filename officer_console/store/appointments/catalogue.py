"""The violation catalogue table: audited import (upsert) from the domain parser, and lookups.

Rows are keyed by region + code + ``effective_from``; validity is the half-open interval
``[effective_from, effective_to)`` as in :mod:`officer_console.domain.catalogue`. An import
runs inside the caller's transaction: a bad file raises before anything is written, and a
merge that would leave two rows of one code in force on the same day raises too, so the
caller's rollback leaves the table as it was.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from officer_console.domain.catalogue import CatalogueEntry, parse_catalogue_csv
from officer_console.domain.errors import NotFoundError, ValidationError
from officer_console.domain.penalties import PenaltyKind
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import CatalogueEntry as CatalogueRow

__all__ = [
    "ImportReport",
    "import_catalogue",
    "import_catalogue_file",
    "list_entries",
    "lookup",
    "to_domain",
]

_FIELDS = (
    "behaviour",
    "conduct_basis",
    "penalty_basis",
    "fine_min",
    "fine_max",
    "fine_default",
    "points",
    "points_expressway",
    "effective_to",
    "note",
)
# Stored as its string value; compared and returned as the domain enum.
_KIND = "penalty_kind"

Key = tuple[str, str, date]


@dataclass(frozen=True)
class ImportReport:
    """What an import did. ``deleted`` is non-zero only with ``replace_region=True``."""

    inserted: int
    updated: int
    unchanged: int
    deleted: int = 0

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged


def to_domain(row: CatalogueRow) -> CatalogueEntry:
    """The stored row as the immutable domain value (for penalty and document code)."""
    return CatalogueEntry(
        region=row.region,
        code=row.code,
        effective_from=row.effective_from,
        penalty_kind=PenaltyKind(row.penalty_kind),
        **{name: getattr(row, name) for name in _FIELDS},
    )


def _values(entry: CatalogueEntry) -> dict[str, object]:
    return {**{name: getattr(entry, name) for name in _FIELDS}, _KIND: entry.penalty_kind.value}


def _check_no_overlap(session: Session, regions: Sequence[str]) -> None:
    """Refuse a merged table in which one code has two rows in force on the same day."""
    rows = session.scalars(
        select(CatalogueRow)
        .where(CatalogueRow.region.in_(regions))
        .order_by(CatalogueRow.region, CatalogueRow.code, CatalogueRow.effective_from)
    ).all()
    for earlier, later in itertools.pairwise(rows):
        if (earlier.region, earlier.code) != (later.region, later.code):
            continue
        if earlier.effective_to is None or earlier.effective_to > later.effective_from:
            raise ValidationError(
                "effective_from",
                f"违法代码{later.code}（地区{later.region}）自{later.effective_from.isoformat()}起的"
                f"条目与自{earlier.effective_from.isoformat()}起的已有条目有效期重叠；"
                "请先为旧条目填写失效日期，或使用“替换本地区目录”导入",
            )


def import_catalogue(
    session: Session,
    actor: Actor,
    entries: list[CatalogueEntry],
    *,
    replace_region: bool = False,
) -> ImportReport:
    """Upsert ``entries`` by (region, code, effective_from) in the caller's transaction.

    With ``replace_region`` the stored rows of every region named in ``entries`` that the
    import does not contain are deleted, so the table then equals the file for those regions.
    """
    if not entries:
        raise ValidationError("catalogue", "违法行为代码表中没有可导入的条目")
    incoming: dict[Key, CatalogueEntry] = {}
    for entry in entries:
        key = (entry.region, entry.code, entry.effective_from)
        if key in incoming:
            raise ValidationError(
                "catalogue",
                f"违法代码{entry.code}（地区{entry.region}）自{entry.effective_from.isoformat()}起的"
                "条目重复出现",
            )
        incoming[key] = entry
    regions = sorted({entry.region for entry in entries})
    existing: dict[Key, CatalogueRow] = {
        (row.region, row.code, row.effective_from): row
        for row in session.scalars(select(CatalogueRow).where(CatalogueRow.region.in_(regions)))
    }
    new_rows: list[dict[str, object]] = []
    updated = unchanged = 0
    for key, entry in incoming.items():
        values = _values(entry)
        row = existing.get(key)
        if row is None:
            new_rows.append({"region": key[0], "code": key[1], "effective_from": key[2], **values})
        elif all(getattr(row, name) == value for name, value in values.items()):
            unchanged += 1
        else:
            for name, value in values.items():
                setattr(row, name, value)
            updated += 1
    stale = [row.id for key, row in existing.items() if key not in incoming]
    deleted = 0
    if replace_region and stale:
        session.flush()
        session.execute(delete(CatalogueRow).where(CatalogueRow.id.in_(stale)))
        deleted = len(stale)
    if new_rows:
        session.execute(insert(CatalogueRow), new_rows)
    session.flush()
    _check_no_overlap(session, regions)
    report = ImportReport(len(new_rows), updated, unchanged, deleted)
    audit.record(
        session,
        actor,
        "catalogue.import",
        entity_type="catalogue",
        entity_id=",".join(regions)[:32],
        detail={
            "region": ",".join(regions),
            "inserted": report.inserted,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "deleted": report.deleted,
            "replace_region": replace_region,
        },
    )
    return report


def import_catalogue_file(
    session: Session, actor: Actor, path: str | Path, *, replace_region: bool = False
) -> ImportReport:
    """Read a UTF-8 CSV (a byte-order mark is allowed), parse and validate it, and import it.

    Parse errors are raised as the domain's ``CatalogueRowError`` naming the line and field;
    nothing has been written at that point.
    """
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ValidationError("file", f"无法读取文件 {file}：{exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            "file",
            f"文件 {file.name} 不是 UTF-8 编码（第{exc.start + 1}个字节起无法解码），请另存为 UTF-8 后重试",
        ) from exc
    entries = parse_catalogue_csv(text)
    return import_catalogue(session, actor, entries, replace_region=replace_region)


def lookup(session: Session, region: str, code: str, on: date) -> CatalogueRow:
    """The row for ``region`` + ``code`` in force on ``on``; NotFoundError (Chinese) if none."""
    row = session.scalars(
        select(CatalogueRow)
        .where(
            CatalogueRow.region == region,
            CatalogueRow.code == code,
            CatalogueRow.effective_from <= on,
            or_(CatalogueRow.effective_to.is_(None), CatalogueRow.effective_to > on),
        )
        .order_by(CatalogueRow.effective_from.desc())
        .limit(1)
    ).first()
    if row is None:
        raise NotFoundError(
            f"违法代码{code}在地区{region}于{on.isoformat()}没有有效的处罚标准，请检查违法行为代码表"
        )
    return row


def list_entries(session: Session, region: str) -> list[CatalogueRow]:
    """Every row of ``region`` (all effective periods), by code then effective date."""
    return list(
        session.scalars(
            select(CatalogueRow)
            .where(CatalogueRow.region == region)
            .order_by(CatalogueRow.code, CatalogueRow.effective_from)
        )
    )
