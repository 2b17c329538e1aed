"""Shared set-up for benches: repo on sys.path, fresh databases on SQLite and PostgreSQL."""

from __future__ import annotations

import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from officer_console.store.db.engine import make_engine  # noqa: E402
from officer_console.store.db.schema import migrate  # noqa: E402
from tests.support.pgcluster import start_cluster  # noqa: E402


@contextmanager
def databases(*, durable_pg: bool = True) -> Iterator[list[tuple[str, str]]]:
    """Yield [(label, url)] for a fresh migrated SQLite file and PostgreSQL database."""
    tmp = Path(tempfile.mkdtemp(prefix="oc-bench-"))
    sqlite_url = f"sqlite:///{tmp / 'bench.db'}"
    cluster = start_cluster(durable=durable_pg)
    try:
        urls = [("SQLite", sqlite_url), ("PostgreSQL", cluster.url)]
        for _, url in urls:
            engine = make_engine(url)
            migrate(engine)
            engine.dispose()
        yield urls
    finally:
        cluster.stop()


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
