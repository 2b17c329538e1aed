"""Generated artefacts are current: form modules from ui/*.ui, the zh_CN catalogue."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "officer_console" / "gui" / "forms"


def _code(path: Path) -> list[str]:
    """Lines without comments (the headers name tool versions) and without blank lines."""
    lines = (line.rstrip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.lstrip().startswith("#")]


def test_every_ui_file_has_a_current_generated_module(tmp_path: Path) -> None:
    uic = ROOT / ".venv" / "bin" / "pyside6-uic"
    subprocess.run(
        [str(ROOT / "scripts" / "build-forms.sh"), str(tmp_path)],
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "PYSIDE6_UIC": str(uic)},
    )
    fresh = sorted(p.name for p in tmp_path.glob("ui_*.py"))
    committed = sorted(p.name for p in FORMS.glob("ui_*.py"))
    assert fresh == committed == sorted(f"ui_{p.stem}.py" for p in (ROOT / "ui").glob("*.ui"))
    for name in fresh:
        assert _code(tmp_path / name) == _code(FORMS / name), (
            f"{name} is stale: run scripts/build-forms.sh"
        )
        header = (FORMS / name).read_text(encoding="utf-8").splitlines()[0]
        assert header == f"# Generated from ui/{name[3:-3]}.ui by pyside6-uic — do not edit"


def _finished(ts: Path) -> dict[tuple[str, str], str]:
    root = ET.parse(ts).getroot()  # noqa: S314 - our own committed file
    found: dict[tuple[str, str], str] = {}
    for context in root.iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None
            done = translation.get("type") not in {"unfinished", "vanished", "obsolete"}
            found[(name, message.findtext("source", ""))] = (translation.text or "") if done else ""
    return found


def test_every_gui_string_has_a_chinese_translation(tmp_path: Path) -> None:
    """lupdate over the sources finds no string the committed catalogue lacks or leaves empty."""
    committed = ROOT / "resources" / "translations" / "officer_console_zh_CN.ts"
    scratch = tmp_path / "scan.ts"
    gui = ROOT / "officer_console" / "gui"
    sources = sorted(str(p) for p in gui.rglob("*.py") if "forms" not in p.parts)
    sources += sorted(str(p) for p in (ROOT / "ui").glob("*.ui"))
    subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "pyside6-lupdate"),
            "-locations",
            "none",
            *sources,
            "-ts",
            str(scratch),
        ],
        check=True,
        capture_output=True,
    )
    translated = _finished(committed)
    missing = [key for key in _finished(scratch) if not translated.get(key)]
    assert not missing, f"run scripts/update-translations.sh and translate: {missing}"
    qm = committed.with_suffix(".qm")
    assert qm.is_file() and qm.stat().st_mtime >= committed.stat().st_mtime - 1
