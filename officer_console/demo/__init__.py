"""The demo: a seeded Jinan detachment, finished and resumable cases, the ``--demo`` start-up.

A package above the layers (docs/architecture.md): it may import any of them, and none of
them imports it — the composition roots (``officer_console.cli`` for ``officer-console
--demo``, ``officer-admin seed-demo``) call into it and hand the GUI what it needs.
Importing the package itself is cheap: only the shared demo password lives here.
"""

from __future__ import annotations

__all__ = ["DEMO_PASSWORD"]

DEMO_PASSWORD = "Demo@2026jn"  # noqa: S105 - documented demo-only password
