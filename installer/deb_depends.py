"""The Debian ``Depends`` of the bundle, from what its ELF files really load.

Every shared object and executable in the bundle is run through ``ldd`` (with the bundle's own
library folders first, as the PyInstaller boot loader arranges at run time); each library
resolved *outside* the bundle is mapped to its Debian package with ``dpkg -S``. Libraries Qt
opens with dlopen (no ELF dependency) and non-library needs (fonts, adduser for postinst, CA
certificates) come from ``EXTRA``. A library no installed package provides is an error unless it
belongs to an optional plugin listed in ``OPTIONAL_PLUGINS`` (those plugins are never loaded
on a Debian desktop: e.g. Qt's Wayland EGL integration or the PipeWire backend probe).

Usage: python installer/deb_depends.py BUNDLE_DIR  → prints ``pkg, pkg, …`` on stdout,
details on stderr.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXTRA = [
    "adduser",  # postinst creates the gateway's system user
    "ca-certificates",  # HTTPS to SMS vendors and the gateway
    "fonts-wqy-zenhei | fonts-noto-cjk",  # Chinese text in the GUI (and the document font)
    "libpulse0",  # Qt Multimedia's audio backend (dlopen)
    "libxcb-cursor0",  # required by Qt's xcb platform plugin since Qt 6.5
    "libegl1",
    "libgl1",
]
# Plugins whose missing system libraries are acceptable: they are alternatives to what the
# console uses and are only tried when their stack is present.
OPTIONAL_PLUGINS = ("wayland", "libqgtk3", "libqxdgdesktopportal", "libqeglfs", "libqvnc")


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"\x7fELF"
    except OSError:
        return False


def library_dirs(bundle: Path) -> list[str]:
    dirs = {str(p.parent) for p in bundle.rglob("*.so*") if p.is_file()}
    return sorted(dirs)


def ldd(path: Path, env: dict[str, str]) -> list[tuple[str, str | None]]:
    """(soname, resolved path or None when not found) for each needed library."""
    done = subprocess.run(  # noqa: S603 - fixed tool on the bundle's own files
        ["ldd", str(path)],  # noqa: S607
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    found: list[tuple[str, str | None]] = []
    for line in done.stdout.splitlines():
        parts = line.split()
        if "=>" not in parts:
            continue
        name, target = parts[0], parts[2]
        found.append((name, None if target == "not" else target))
    return found


def owning_packages(paths: set[str]) -> dict[str, str]:
    """Library path → binary package name (architecture qualifier dropped)."""
    candidates: dict[str, str] = {}
    for path in paths:
        real = os.path.realpath(path)
        for option in {path, real, real.removeprefix("/usr"), "/usr" + real}:
            candidates[option] = path
    done = subprocess.run(  # noqa: S603 - fixed tool on library paths ldd printed
        ["dpkg", "-S", *sorted(candidates)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    owners: dict[str, str] = {}
    for line in done.stdout.splitlines():
        package, _, file = line.partition(": ")
        if file in candidates:
            owners[candidates[file]] = package.split(":")[0].split(",")[0].strip()
    return owners


def main(bundle: Path) -> int:
    bundle = bundle.resolve()
    env = dict(os.environ, LD_LIBRARY_PATH=os.pathsep.join(library_dirs(bundle)))
    outside: set[str] = set()
    missing: dict[str, set[str]] = {}
    files = [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink() and is_elf(p)]
    for path in files:
        for name, target in ldd(path, env):
            if target is None:
                missing.setdefault(name, set()).add(str(path.relative_to(bundle)))
            elif not target.startswith(str(bundle)):
                outside.add(target)
    owners = owning_packages(outside)
    unowned = sorted(outside - set(owners))
    problems = [f"no package owns {p}" for p in unowned]
    for name, users in sorted(missing.items()):
        if all(any(tag in u for tag in OPTIONAL_PLUGINS) for u in users):
            print(
                f"deb_depends: optional, not required: {name} ({len(users)} plugin(s))",
                file=sys.stderr,
            )
        else:
            problems.append(f"{name} not found (needed by {', '.join(sorted(users)[:3])})")
    for problem in problems:
        print(f"deb_depends: {problem}", file=sys.stderr)
    if problems:
        return 1
    packages = sorted(set(owners.values()))
    print(
        f"deb_depends: {len(files)} ELF files, {len(outside)} system libraries from "
        f"{len(packages)} packages",
        file=sys.stderr,
    )
    extra_names = {e.split()[0] for e in EXTRA}
    print(", ".join([*(p for p in packages if p not in extra_names), *EXTRA]))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
