"""Installer figures: bundle and .deb sizes, start-up to the login window, self-test time.

    .venv/bin/python bench/package.py              # the bundle in build/bundle (make package)
    .venv/bin/python bench/package.py --installed  # the installed package (/usr/bin commands)
    .venv/bin/python bench/package.py --deb-sizes  # also the .deb with gzip -1 and with xz -9

``--deb-sizes`` packs the staged tree that ``make package`` leaves in build/deb/officer-console
again with both compressions (into a temporary directory: dist/ is left alone) and prints each
size and packing time — gzip is what CI builds, xz what releases ship (goal ≤ 120 MB).

Start-up is measured from process start to the console's ready line (printed once the login
window is shown), offscreen, on a migrated SQLite database with one administrator. "Cold" is
the first start after dropping the page cache (root only; otherwise the first start of this
run), "warm" the median of the next starts. Without a bundle it says so and exits 0, so
``make bench`` works on a fresh checkout.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READY = "officer-console: ready"
BUNDLE = ROOT / "build" / "bundle" / "officer-console"
STAGED = ROOT / "build" / "deb" / "officer-console"
COMPRESSIONS = (("gzip", "1"), ("xz", "9"))  # installer/build-deb.sh: CI default, releases


def du(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() or p.is_symlink())


def drop_caches() -> bool:
    try:
        subprocess.run(["sync"], check=True)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


def prepare_database(admin: str, env: dict[str, str]) -> None:
    subprocess.run([admin, "migrate"], env=env, check=True, capture_output=True)
    create = [admin, "create-user", "--police-number", "admin", "--name", "管理员"]
    subprocess.run(
        [*create, "--role", "admin", "--password-stdin"],
        env=env,
        input="Bench@2026jn-Strong\n",
        text=True,
        check=True,
        capture_output=True,
    )


def time_to_ready(console: str, env: dict[str, str], timeout: float = 60) -> float:
    """Seconds from spawning the console until it prints the ready line; then it is stopped."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [console], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert proc.stdout is not None
    elapsed = None
    try:
        deadline = started + timeout
        for line in proc.stdout:
            if line.strip() == READY:
                elapsed = time.perf_counter() - started
                break
            if time.perf_counter() > deadline:
                break
    finally:
        proc.terminate()  # SIGTERM: the console's normal shutdown path
        code = proc.wait(timeout=30)
    if elapsed is None:
        raise RuntimeError(f"{console} did not print {READY!r} (exit status {code})")
    if code != 0:
        raise RuntimeError(f"{console} exited with status {code} after SIGTERM")
    return elapsed


def time_selftest(console: str, env: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run(
        [console, "--selftest"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    return time.perf_counter() - started, done.returncode


def deb_sizes(staged: Path = STAGED) -> None:
    """Print the .deb's size with each compression, packed from the staged tree."""
    if not (staged / "DEBIAN" / "control").exists():
        print(f"deb sizes: no staged package at {staged} (run `make package`); nothing measured")
        return
    with tempfile.TemporaryDirectory(prefix="oc-bench-deb-") as tmp:
        for kind, level in COMPRESSIONS:
            out = Path(tmp) / f"officer-console.{kind}.deb"
            started = time.perf_counter()
            command = ["dpkg-deb", "--root-owner-group", f"-Z{kind}", f"-z{level}", "--build"]
            subprocess.run(
                [*command, str(staged), str(out)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            seconds = time.perf_counter() - started
            print(
                f"deb with {kind} -{level}: {out.stat().st_size / 1e6:.1f} MB (packed in {seconds:.0f} s)"
            )
            out.unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--installed", action="store_true", help="measure /usr/bin commands")
    parser.add_argument("--starts", type=int, default=4, help="starts to measure (first: cold)")
    parser.add_argument(
        "--deb-sizes", action="store_true", help="also pack the .deb with gzip and with xz"
    )
    args = parser.parse_args()
    if args.deb_sizes:
        deb_sizes()
    if args.installed:
        console, admin = "/usr/bin/officer-console", "/usr/bin/officer-admin"
        bundle = Path("/opt/officer-console")
    else:
        console, admin = str(BUNDLE / "officer-console"), str(BUNDLE / "officer-admin")
        bundle = BUNDLE
    if not Path(console).exists():
        print(f"package: no bundle at {bundle} (run `make package`); nothing measured")
        return 0
    print(f"bundle: {bundle}  {du(bundle) / 1e6:.0f} MB")
    for deb in sorted((ROOT / "dist").glob("officer-console_*.deb")):
        print(f"deb: {deb.name}  {deb.stat().st_size / 1e6:.1f} MB")
    with tempfile.TemporaryDirectory(prefix="oc-bench-package-") as tmp:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("OFFICER_CONSOLE_")},
            "OFFICER_CONSOLE_DATA_DIR": str(Path(tmp) / "data"),
            "OFFICER_CONSOLE_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "OFFICER_CONSOLE_CONFIG": str(Path(tmp) / "config.toml"),
            "QT_QPA_PLATFORM": "offscreen",
        }
        (Path(tmp) / "config.toml").write_text("")
        prepare_database(admin, env)
        cold_kind = "cold (page cache dropped)" if drop_caches() else "first start"
        times = [time_to_ready(console, env) for _ in range(max(2, args.starts))]
        print(f"start to login window, {cold_kind}: {times[0]:.2f} s")
        print(
            f"start to login window, warm median of {len(times) - 1}: "
            f"{statistics.median(times[1:]):.2f} s"
        )
        seconds, status = time_selftest(console, env)
        print(f"self-test: {seconds:.2f} s (exit status {status})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
