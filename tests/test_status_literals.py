"""Appointment statuses are spelled in one place: domain/appointment.py.

Code elsewhere compares against ``Status.X`` or asks ``is_closed``; a bare ``"completed"`` next
to a ``status`` is the kind of private copy that left 转窗口办理 looking active in the queue.
"""

from __future__ import annotations

import ast
from pathlib import Path

from officer_console.domain.appointment import Status

ROOT = Path(__file__).resolve().parents[1] / "officer_console"
VALUES = frozenset(str(s) for s in Status)
SKIP = ("domain/", "store/migrations/")


def _literals(node: ast.AST) -> list[ast.Constant]:
    if isinstance(node, ast.Constant) and node.value in VALUES:
        return [node]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [e for e in node.elts if isinstance(e, ast.Constant) and e.value in VALUES]
    return []


def _findings(path: Path, rel: str) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any("status" in ast.unparse(side) for side in sides):
                found += [
                    f"{rel}:{c.lineno}: {ast.unparse(node)}" for s in sides for c in _literals(s)
                ]
        elif isinstance(node, ast.Assign) and rel.startswith("gui/"):
            names = [ast.unparse(t) for t in node.targets]
            if any("STATUS" in n.upper() for n in names):
                values = node.value
                parts = [*values.keys, *values.values] if isinstance(values, ast.Dict) else [values]
                found += [
                    f"{rel}:{c.lineno}: {names[0]} = {c.value!r}"
                    for p in parts
                    if p is not None
                    for c in _literals(p)
                ]
    return found


def test_scan_catches_a_private_status_list(tmp_path: Path) -> None:
    """The scan itself: the forms it must refuse are refused."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        'DONE_STATUSES = ("completed", "cancelled")\n'
        'def f(row):\n    return row.status == "handed_over" or row.status in ("no_show",)\n',
        encoding="utf-8",
    )
    assert len(_findings(sample, "gui/sample.py")) == 4


def test_no_appointment_status_literals_outside_the_domain() -> None:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if not rel.startswith(SKIP):
            found += _findings(path, rel)
    assert not found, "use domain.appointment.Status / is_closed:\n" + "\n".join(found)
