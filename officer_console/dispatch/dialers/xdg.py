"""Open a ``tel:``/``sip:`` URI with the desktop's registered softphone, and know if it worked.

``QDesktopServices.openUrl`` on Linux runs ``xdg-open`` with the console's own stdout/stderr and
reports success even when nothing handled the URI; without a handler ``xdg-open`` then tries a
dozen browsers, each printing the URI — the citizen's full number — to the terminal. Here:

* ``xdg-mime query default x-scheme-handler/<scheme>`` first: no handler → ``no_handler``,
  and ``xdg-open`` is never run (no browser fallback);
* otherwise ``xdg-open`` runs with stdin/stdout closed and stderr captured (only its line count
  is logged, never its text), ``BROWSER=false`` so a broken handler entry cannot fall back to
  a browser, and in its own session (a terminal Ctrl+C does not hang up the softphone);
* its real exit status decides: 0 → ``opened``; non-zero → ``failed``. ``xdg-open`` without a
  desktop environment waits for the handler: still running after ``timeout`` seconds means the
  softphone is up (``opened``); a daemon thread then reaps it.

Blocking work runs in a worker thread; calling the opener returns an awaitable.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Mapping
from typing import Literal

__all__ = ["OpenOutcome", "XdgOpener", "xdg_available"]

log = logging.getLogger("officer_console.dispatch.dialers.xdg")

OpenOutcome = Literal["opened", "no_handler", "failed"]


def xdg_available() -> bool:
    """Both ``xdg-mime`` and ``xdg-open`` are on ``PATH`` (Linux and BSD desktops)."""
    return bool(shutil.which("xdg-mime") and shutil.which("xdg-open"))


class XdgOpener:
    """``await XdgOpener()(uri)`` → ``opened`` / ``no_handler`` / ``failed``; never prints."""

    def __init__(self, env: Mapping[str, str] | None = None, *, timeout: float = 3.0) -> None:
        self._env = dict(os.environ if env is None else env)
        self._env["BROWSER"] = "false"  # never fall back to a browser (it would print the URI)
        self._timeout = timeout

    def handler(self, scheme: str) -> str:
        """The desktop file registered for ``scheme`` ("" when none or xdg-mime fails)."""
        program = shutil.which("xdg-mime", path=self._env.get("PATH"))
        if program is None:
            return ""
        try:
            done = subprocess.run(  # noqa: S603 - fixed program, scheme is tel or sip
                [program, "query", "default", f"x-scheme-handler/{scheme}"],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                env=self._env,
                timeout=self._timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("xdg-mime query failed: %s", type(exc).__name__)
            return ""
        if done.returncode != 0:
            return ""
        return done.stdout.decode("utf-8", "replace").strip()

    def open_blocking(self, uri: str) -> OpenOutcome:
        """Blocking: look the handler up, run ``xdg-open`` and report its real outcome."""
        scheme = uri.split(":", 1)[0]
        handler = self.handler(scheme)
        if not handler:
            log.warning("no %s: handler registered on this workstation", scheme)
            return "no_handler"
        program = shutil.which("xdg-open", path=self._env.get("PATH"))
        if program is None:
            return "no_handler"
        try:
            child = subprocess.Popen(  # noqa: S603 - the URI is built from a validated number
                [program, uri],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=self._env,
                start_new_session=True,
            )
        except OSError as exc:
            log.warning("xdg-open could not start: %s", type(exc).__name__)
            return "failed"
        try:
            _, err = child.communicate(timeout=self._timeout)
        except subprocess.TimeoutExpired:
            threading.Thread(target=child.communicate, name="oc-softphone", daemon=True).start()
            log.info("%s: handler %s still running: handed off", scheme, handler)
            return "opened"
        lines = len(err.splitlines())
        if child.returncode != 0:
            log.warning(
                "%s: handler %s failed: xdg-open exit %d (%d line(s) of output withheld)",
                scheme,
                handler,
                child.returncode,
                lines,
            )
            return "failed"
        log.info("%s: handed off to %s", scheme, handler)
        return "opened"

    async def __call__(self, uri: str) -> OpenOutcome:
        return await asyncio.to_thread(self.open_blocking, uri)
