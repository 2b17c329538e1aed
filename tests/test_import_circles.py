"""No import circles in ``officer_console``, deferred and ``TYPE_CHECKING`` imports counted.

The same analysis ``bench/house.py`` prints (``tests.support.import_graph``). The finder is
first shown to find circles — on small graphs and on a package written to a temporary folder
whose circle hides behind a function-level and a ``TYPE_CHECKING`` import — so the zero on
the real package means something.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.import_graph import PACKAGE, circles, import_graph, package_imports


def test_the_finder_finds_circles_and_only_circles() -> None:
    assert circles({"a": {"b"}, "b": {"a"}}) == [["a", "b"]]
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": {"c"}, "c": set(), "d": {"a", "c"}}) == []
    two = circles({"a": {"b"}, "b": {"a"}, "x": {"y"}, "y": {"x", "a"}})
    assert sorted(two) == [["a", "b"], ["x", "y"]]


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


def test_deferred_and_type_checking_imports_are_counted(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/call.py": "def start():\n    from pkg import evidence\n    return evidence\n",
            "pkg/evidence.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from pkg.call import start\n"
            ),
            "pkg/sub/__init__.py": "",
            "pkg/sub/menus.py": "from ..sub import window\n",
            "pkg/sub/window.py": "def build():\n    from . import menus\n",
        },
    )
    with_typing = circles(package_imports(import_graph(package, typing_too=True)))
    assert sorted(with_typing) == [
        ["pkg.call", "pkg.evidence"],
        ["pkg.sub.menus", "pkg.sub.window"],
    ]
    run_time = circles(package_imports(import_graph(package, typing_too=False)))
    assert run_time == [["pkg.sub.menus", "pkg.sub.window"]]  # relative, deferred: still seen


def test_officer_console_has_no_import_circle() -> None:
    graph = import_graph(PACKAGE, typing_too=True)
    assert len(graph) > 100  # the real package was read, not an empty folder
    found = circles(package_imports(graph))
    assert found == [], "import circles (move the shared type lower, or use a Protocol): " + (
        "; ".join(" ↔ ".join(c) for c in found)
    )
