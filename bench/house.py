"""Figures of the house (issue 22): import circles, layer climbs, module sizes.

Reads the code's own imports with `ast`, deferred (function-level) imports included,
counted once without and once with the imports under `if TYPE_CHECKING:`. A circle is a
strongly connected set of modules (Tarjan); the analysis lives in
`tests/support/import_graph.py`, which `tests/test_import_circles.py` runs too (that test fails
on any circle). Prints what it finds; exits 0 either way (the layer contract itself is
enforced by `make lint`).
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.import_graph import (  # noqa: E402 - after the path set-up
    PACKAGE,
    circles,
    import_graph,
    package_imports,
)

GENERATED = ("migrations/versions", "_rc.py", "ui_")


def main() -> int:
    files = sorted(PACKAGE.rglob("*.py"))
    print(f"modules: {len(files)}")
    for typing_too, label in ((False, "run time"), (True, "TYPE_CHECKING imports included")):
        found = circles(package_imports(import_graph(PACKAGE, typing_too=typing_too)))
        print(f"import circles, deferred imports included ({label}): {len(found)}")
        for component in found:
            print("  - " + " ↔ ".join(component))
    sizes = []
    for f in files:
        rel = str(f.relative_to(ROOT))
        if any(marker in rel for marker in GENERATED):
            continue
        sizes.append((len(f.read_text(encoding="utf-8").splitlines()), rel))
    sizes.sort()
    print(f"hand-written modules: {len(sizes)} (migrations and generated UI code left out)")
    print(f"median module size: {statistics.median(n for n, _ in sizes):.0f} lines")
    print("largest modules:")
    for n, rel in sizes[-8:][::-1]:
        print(f"  {n:4d}  {rel}")
    over = [rel for n, rel in sizes if n > 450]
    print(f"modules over 450 lines: {len(over)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
