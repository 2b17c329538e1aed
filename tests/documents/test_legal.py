"""The legal wording is versioned data with an effective date, and never stale."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from officer_console.documents.legal import legal_text, load_versions
from officer_console.paths import resource

STALE = [
    (re.compile(r"三个月内[^。；]*行政诉讼"), "行政诉讼期限应为六个月（行政诉讼法第四十六条）"),
    (re.compile(r"十五日内[^。；]*行政复议"), "行政复议期限应为六十日"),
    (re.compile(r"上一级公安机关[^。；]*申请行政复议"), "复议机关由单位配置，不写死"),
]


def test_every_version_has_an_effective_date_and_current_terms() -> None:
    versions = load_versions()
    assert versions
    for version in versions:
        assert isinstance(version.effective_from, date)
        remedies = version.get("decision", "remedies", review_body="甲", court="乙")
        assert "六十日内向甲申请行政复议" in remedies
        assert "六个月内向乙提起行政诉讼" in remedies
        payment = version.get("decision", "payment", channels="丙")
        assert "十五日内" in payment and "百分之三" in payment and "不超过罚款数额" in payment


def test_no_stale_wording_in_any_legal_file() -> None:
    for path in resource("legal").glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        for pattern, why in STALE:
            assert not pattern.search(text), f"{path.name}: {why}"


def test_review_body_and_court_are_not_hard_coded() -> None:
    for path in resource("legal").glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        assert "人民法院" not in text and "人民政府" not in text, path.name
    source = Path(__file__).resolve().parents[2] / "officer_console" / "documents"
    for module in source.glob("*.py"):
        if module.name == "sample.py":
            continue
        assert "人民法院" not in module.read_text(encoding="utf-8"), module.name


def test_version_chosen_by_document_date(tmp_path: Path) -> None:
    old = tmp_path / "2020-01-01.toml"
    new = tmp_path / "2030-01-01.toml"
    old.write_text('[meta]\nversion="old"\neffective_from=2020-01-01\n[x]\ny="旧"\n', "utf-8")
    new.write_text('[meta]\nversion="new"\neffective_from=2030-01-01\n[x]\ny="新"\n', "utf-8")
    assert legal_text(date(2019, 6, 1), tmp_path).version == "old"  # earliest as fallback
    assert legal_text(date(2029, 12, 31), tmp_path).get("x", "y") == "旧"
    assert legal_text(date(2030, 1, 1), tmp_path).get("x", "y") == "新"
    assert legal_text(date(2026, 12, 5)).version == "2024.2"
