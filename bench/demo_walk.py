"""Figures of the demo's place in the house (issue 22): climbs on the demo walk, demo lines
left inside the layered packages, the demo package's module sizes.

The walk is every module the demo's entry points reach (deferred and TYPE_CHECKING imports
included, read with `ast` by `house.imports_of`). A climb is an import on that walk whose
target ranks above its source: domain < evidence_store < store < gateway | video | dispatch |
documents < gui < demo < admin | cli (the composition roots). Prints; exits 0 either way.
"""

from __future__ import annotations

import sys

from house import PACKAGE, ROOT, imports_of, module_name

RANK = {
    "domain": 0,
    "evidence_store": 1,
    "store": 2,
    "gateway": 3,
    "video": 3,
    "dispatch": 3,
    "documents": 3,
    "gui": 4,
    "demo": 5,
    "admin": 6,
    "cli": 6,
}
ENTRIES = ("officer_console.demo.console", "officer_console.demo.seed")
LAYERED = ("gui", "gateway", "video", "dispatch", "documents", "store", "evidence_store", "domain")
# Used by production or by tests too, so they stay in their layer (docs/architecture.md).
SHARED = {
    "officer_console.documents.democa": "documents/setup.py signs with it when no unit PKCS#12",
    "officer_console.gui.shell.demo_mode": "the GUI's protocol for what cli hands it (no demo code)",
}


def rank(module: str) -> int | None:
    parts = module.split(".")
    return RANK.get(parts[1]) if len(parts) > 1 else None


def main() -> int:
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(f) for f in files}
    graph = {module_name(f): imports_of(f, modules, typing_too=True) for f in files}
    seen: set[str] = set()
    stack = [m for m in ENTRIES if m in modules]
    while stack:
        module = stack.pop()
        if module not in seen:
            seen.add(module)
            stack.extend(graph[module])
    climbs = sorted(
        (a, b)
        for a in seen
        for b in graph[a]
        if (ra := rank(a)) is not None and (rb := rank(b)) is not None and rb > ra
    )
    print(f"demo walk: {len(seen)} modules from {', '.join(ENTRIES)}")
    print(f"climbs on the demo walk: {len(climbs)}")
    for a, b in climbs:
        print(f"  {a} → {b}")
    inside = 0
    print("modules named *demo* inside the layered packages and admin:")
    for f in files:
        name = module_name(f)
        top = name.split(".")[1] if "." in name else ""
        if "demo" in f.stem and top in (*LAYERED, "admin"):
            lines = len(f.read_text(encoding="utf-8").splitlines())
            why = SHARED.get(name)
            inside += 0 if why else lines
            print(f"  {lines:4d}  {f.relative_to(ROOT)}" + (f"  (stays: {why})" if why else ""))
    print(f"demo-only lines inside the layered packages and admin: {inside}")
    sizes = [
        (len(f.read_text(encoding="utf-8").splitlines()), f.relative_to(ROOT))
        for f in sorted((PACKAGE / "demo").glob("*.py"))
    ]
    print(f"officer_console/demo: {sum(n for n, _ in sizes)} lines in {len(sizes)} modules")
    for n, rel in sorted(sizes, reverse=True):
        print(f"  {n:4d}  {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
