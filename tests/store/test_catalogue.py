"""Catalogue table: audited upsert import from CSV, rollback on bad input, dated lookups."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.domain.catalogue import (
    CATALOGUE_COLUMNS,
    CatalogueRowError,
    parse_catalogue_csv,
)
from officer_console.domain.errors import NotFoundError, ValidationError
from officer_console.store.appointments.catalogue import (
    ImportReport,
    import_catalogue,
    import_catalogue_file,
    list_entries,
    lookup,
    to_domain,
)
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import AuditEvent, CatalogueEntry

RESOURCE = Path(__file__).resolve().parents[2] / "resources" / "catalogue" / "violations_370100.csv"
ADMIN = Actor.system("ws-admin", "admin")
HEADER = ",".join(CATALOGUE_COLUMNS)
BASIS = "《道路交通安全法》第三十八条,《道路交通安全法》第九十条"


def row(code: str, fine: int, start: str, end: str = "", region: str = "370100") -> str:
    return f"{region},{code},违反信号灯,{BASIS},{fine},{fine},{fine},6,,{start},{end},,"


def write_csv(tmp_path: Path, *rows: str, name: str = "c.csv", bom: bool = False) -> Path:
    path = tmp_path / name
    text = "\n".join([HEADER, *rows]) + "\n"
    path.write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
    return path


def counts(factory: sessionmaker[Session]) -> tuple[int, int]:
    with factory() as s:
        entries = s.scalar(select(func.count()).select_from(CatalogueEntry)) or 0
        events = s.scalar(select(func.count()).select_from(AuditEvent)) or 0
    return entries, events


def test_import_shipped_catalogue_then_reimport_is_all_unchanged(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as s:
        first = import_catalogue_file(s, ADMIN, RESOURCE)
    assert first == ImportReport(inserted=19, updated=0, unchanged=0)
    with transaction(factory) as s:
        again = import_catalogue_file(s, ADMIN, str(RESOURCE))
    assert again == ImportReport(inserted=0, updated=0, unchanged=19)
    assert again.total == 19
    with factory() as s:
        events = list(
            s.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "catalogue.import")
                .order_by(AuditEvent.id)
            )
        )
        assert [e.detail["inserted"] for e in events] == [19, 0]
        assert [e.detail["unchanged"] for e in events] == [0, 19]
        assert {e.detail["region"] for e in events} == {"370100"}
        assert {e.actor for e in events} == {"admin"}
        assert audit.verify_chain(s).ok
        red = lookup(s, "370100", "1625", date(2026, 11, 24))
        assert (red.fine_default, red.points, red.points_expressway) == (200, 6, None)
        assert red.conduct_basis.endswith("第三十八条")
        codes = [e.code for e in list_entries(s, "370100")]
        assert codes == sorted(codes) and len(codes) == 19
        assert list_entries(s, "110000") == []


def test_changed_rows_are_updated_and_new_ones_inserted(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with transaction(factory) as s:
        import_catalogue_file(
            s,
            ADMIN,
            write_csv(tmp_path, row("1625", 200, "2022-04-01"), row("1344", 100, "2022-04-01")),
        )
    changed = write_csv(
        tmp_path,
        row("1625", 150, "2022-04-01"),
        row("1344", 100, "2022-04-01"),
        row("1345", 100, "2022-04-01"),
        name="changed.csv",
    )
    with transaction(factory) as s:
        report = import_catalogue_file(s, ADMIN, changed)
    assert report == ImportReport(inserted=1, updated=1, unchanged=1)
    with factory() as s:
        assert lookup(s, "370100", "1625", date(2024, 1, 1)).fine_default == 150


def test_replace_region_deletes_rows_missing_from_the_file(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with transaction(factory) as s:
        import_catalogue_file(s, ADMIN, RESOURCE)
    only_two = write_csv(tmp_path, row("1625", 200, "2022-04-01"), row("1344", 200, "2022-04-01"))
    with transaction(factory) as s:
        kept = import_catalogue_file(s, ADMIN, only_two)  # default: other codes stay
    assert (kept.updated, kept.deleted) == (2, 0)
    with transaction(factory) as s:
        replaced = import_catalogue_file(s, ADMIN, only_two, replace_region=True)
    assert replaced == ImportReport(inserted=0, updated=0, unchanged=2, deleted=17)
    with factory() as s:
        assert [e.code for e in list_entries(s, "370100")] == ["1344", "1625"]


def test_bad_csv_is_rejected_with_its_row_number_and_nothing_is_written(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with transaction(factory) as s:
        import_catalogue_file(s, ADMIN, RESOURCE)
    before = counts(factory)
    bad = write_csv(
        tmp_path,
        row("1625", 300, "2022-04-01"),
        row("1345", 200, "2022-04-01"),
        row("13X4", 100, "2022-04-01"),
    )
    with pytest.raises(CatalogueRowError, match="第4行") as err, transaction(factory) as s:
        import_catalogue_file(s, ADMIN, bad)
    assert err.value.row == 4 and err.value.field == "code"
    assert counts(factory) == before
    with factory() as s:
        assert lookup(s, "370100", "1625", date(2024, 1, 1)).fine_default == 200  # not 300


def test_conflict_with_stored_rows_rolls_back_the_whole_import(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with transaction(factory) as s:
        import_catalogue_file(s, ADMIN, RESOURCE)
    before = counts(factory)
    # 1625 is stored open-ended from 2022-04-01, so a second open row from 2025 overlaps it.
    overlapping = write_csv(
        tmp_path, row("1344", 150, "2022-04-01"), row("1625", 300, "2025-01-01")
    )
    with pytest.raises(ValidationError, match=r"1625.*重叠"), transaction(factory) as s:
        import_catalogue_file(s, ADMIN, overlapping)
    assert counts(factory) == before
    with factory() as s:
        assert lookup(s, "370100", "1344", date(2024, 1, 1)).fine_default == 200  # update undone


def test_lookup_follows_effective_dates(factory: sessionmaker[Session], tmp_path: Path) -> None:
    dated = write_csv(
        tmp_path,
        row("1625", 200, "2022-04-01", "2025-01-01"),
        row("1625", 300, "2025-01-01"),
        row("1625", 100, "2022-04-01", region="370200"),
    )
    with transaction(factory) as s:
        assert import_catalogue_file(s, ADMIN, dated).inserted == 3
    with factory() as s:
        assert lookup(s, "370100", "1625", date(2022, 4, 1)).fine_default == 200
        assert lookup(s, "370100", "1625", date(2024, 12, 31)).fine_default == 200
        assert lookup(s, "370100", "1625", date(2025, 1, 1)).fine_default == 300  # half-open
        assert lookup(s, "370200", "1625", date(2025, 1, 1)).fine_default == 100
        with pytest.raises(NotFoundError, match="没有有效的处罚标准"):
            lookup(s, "370100", "1625", date(2022, 3, 31))
        with pytest.raises(NotFoundError, match="违法代码9999"):
            lookup(s, "370100", "9999", date(2024, 1, 1))
        entries = [to_domain(e) for e in list_entries(s, "370100")]
    assert [e.effective_to for e in entries] == [date(2025, 1, 1), None]
    assert entries[1].effective_on(date(2030, 1, 1))


def test_bom_is_accepted_and_other_encodings_are_refused(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with transaction(factory) as s:
        assert (
            import_catalogue_file(
                s, ADMIN, write_csv(tmp_path, row("1625", 200, "2022-04-01"), bom=True)
            ).inserted
            == 1
        )
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(("\n".join([HEADER, row("1344", 200, "2022-04-01")]) + "\n").encode("gbk"))
    with pytest.raises(ValidationError, match="不是 UTF-8 编码"), transaction(factory) as s:
        import_catalogue_file(s, ADMIN, gbk)
    with pytest.raises(ValidationError, match="无法读取文件"), transaction(factory) as s:
        import_catalogue_file(s, ADMIN, tmp_path / "missing.csv")
    with pytest.raises(ValidationError, match="没有可导入的条目"), transaction(factory) as s:
        import_catalogue(s, ADMIN, [])
    assert counts(factory)[0] == 1


def test_duplicate_keys_in_one_import_are_refused(factory: sessionmaker[Session]) -> None:
    entry = parse_catalogue_csv("\n".join([HEADER, row("1625", 200, "2022-04-01")]))[0]
    with pytest.raises(ValidationError, match="重复"), transaction(factory) as s:
        import_catalogue(s, ADMIN, [entry, entry])
    assert counts(factory) == (0, 0)
