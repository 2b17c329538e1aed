"""PDF signature checks in separate, bounded worker processes — so an upload cannot starve
the gateway.

Why a process: pyHanko parses in pure Python, holding the GIL and as much memory as the file
asks for (a 5.8 MiB PDF with 80,000 signature fields took 4–7 s and 339 MiB per upload).
In the gateway's own thread pool that stalled every database-backed request. Here:

- **before parsing** (size in the gateway, the rest in the worker so the event loop never
  scans a large file): size ≤ ``MAX_PDF`` (the route also bounds the body) and at most
  ``max_objects`` objects, counted from the ``obj`` keywords plus the ``/N`` of every object
  stream;
- **during parsing** (in the worker): a memory ceiling (``RLIMIT_DATA``, a MemoryError
  in the worker rather than a swollen gateway), a count of form fields walked before
  pyHanko enumerates signatures, and a wall-clock limit enforced from outside — a worker
  past ``time_limit`` is killed (SIGKILL) and replaced;
- **concurrency**: at most ``workers`` checks run and ``queue`` wait; beyond that the route
  answers 429 with ``Retry-After`` (a gateway-wide limit, unlike the per-address one).

Workers start lazily (``spawn``: no copy of the gateway's threads or connections) and live
on; each runs one check at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

log = logging.getLogger("officer_console.gateway.verify")

MAX_PDF = 8 * 1024 * 1024
_OBJ = re.compile(rb"\d+\s+\d+\s+obj\b")
_OBJSTM = re.compile(rb"/Type\s*/ObjStm")
_N = re.compile(rb"/N\s+(\d+)")


class CheckRefused(Exception):
    """The check was not run or not finished: ``code`` and a Chinese message for the citizen."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def count_objects(data: bytes) -> int:
    """Objects a parser would have to materialise: top-level ``obj`` plus object streams'
    ``/N`` (an object stream hides its members from the plain count)."""
    total = len(_OBJ.findall(data))
    for found in _OBJSTM.finditer(data):
        window = data[max(0, found.start() - 256) : found.end() + 256]
        n = _N.search(window)
        if n is not None:
            total += int(n[1])
    return total


@dataclass(frozen=True)
class Limits:
    max_bytes: int = MAX_PDF
    max_objects: int = 20_000
    max_fields: int = 2_000
    memory: int = 512 << 20  # the worker's data segment; pyHanko's own imports need ≈ 120 MiB
    time_limit: float = 10.0


def precheck(data: bytes, limits: Limits) -> None:
    """The limits checked before any parsing (raises :class:`CheckRefused`)."""
    if len(data) > limits.max_bytes:
        raise CheckRefused("payload_too_large", "文件过大")
    if count_objects(data) > limits.max_objects:
        raise CheckRefused("pdf_too_complex", "文件中的对象过多，无法核验")


def _walk_fields(reader: Any, limit: int) -> None:
    """Count form fields (with their kids) up to ``limit`` before pyHanko enumerates them."""
    root = reader.root
    form = root.get("/AcroForm") if root is not None else None
    if form is None:
        return
    form = form.get_object()
    stack = list(form.get("/Fields", []) or [])
    seen = 0
    while stack:
        seen += 1
        if seen > limit:
            raise CheckRefused("pdf_too_complex", "文件中的表单域过多，无法核验")
        field = stack.pop().get_object()
        kids = field.get("/Kids") if hasattr(field, "get") else None
        if kids:
            stack.extend(kids)


def _check(pdf: bytes, roots: Sequence[str], limits: Limits) -> Any:
    """In the worker: walk the form with a bound, then validate the signature."""
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    from officer_console.documents.signing import SignatureReport, validate_signature

    precheck(pdf, limits)
    try:
        _walk_fields(PdfFileReader(io.BytesIO(pdf), strict=False), limits.max_fields)
    except CheckRefused:
        raise
    except MemoryError:
        raise
    except Exception:  # not parseable: validate_signature reports that in its own words
        return validate_signature(pdf, [Path(r) for r in roots])
    report = validate_signature(pdf, [Path(r) for r in roots])
    assert isinstance(report, SignatureReport)
    return report


def _serve(conn: Connection, limits: Limits) -> None:
    """The worker's loop: one check at a time, under a memory ceiling."""
    import resource

    import officer_console.documents.signing  # noqa: F401  (imports before the ceiling)

    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_DATA, (limits.memory, limits.memory))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        pdf, roots = job
        try:
            conn.send(("ok", _check(pdf, roots, limits)))
        except CheckRefused as exc:
            conn.send(("refused", (exc.code, exc.message)))
        except MemoryError:
            conn.send(("refused", ("pdf_too_complex", "文件结构过于复杂，无法核验")))
        except Exception as exc:  # never let one upload end the worker silently
            conn.send(("refused", ("pdf_unreadable", f"文件无法解析（{type(exc).__name__}）")))
        del pdf, job


class _Worker:
    def __init__(self, limits: Limits) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=_serve, args=(child, limits), name="oc-verify-worker", daemon=True
        )
        self.process.start()
        child.close()

    def run(self, pdf: bytes, roots: Sequence[str], seconds: float) -> tuple[str, Any]:
        self.conn.send((pdf, list(roots)))
        if not self.conn.poll(seconds):
            raise TimeoutError
        result: tuple[str, Any] = self.conn.recv()
        return result

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.join(5)
        with contextlib.suppress(Exception):
            self.conn.close()


class VerifyPool:
    """A fixed number of worker processes plus a bounded waiting line."""

    def __init__(self, workers: int = 1, queue: int = 3, limits: Limits | None = None) -> None:
        self.workers, self.queue = workers, queue
        self.limits = limits or Limits()
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._slots = asyncio.Semaphore(workers)
        self._admitted = 0
        self._threads = ThreadPoolExecutor(workers, thread_name_prefix="verify-wait")

    def admit(self) -> bool:
        """Take a place (running or waiting); False when the gateway-wide limit is reached."""
        if self._admitted >= self.workers + self.queue:
            return False
        self._admitted += 1
        return True

    def release(self) -> None:
        self._admitted -= 1

    async def check(self, pdf: bytes, roots: Sequence[Path]) -> Any:
        """Validate in a worker: the ``SignatureReport``, or :class:`CheckRefused`."""
        if len(pdf) > self.limits.max_bytes:
            raise CheckRefused("payload_too_large", "文件过大")
        async with self._slots:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self._threads, self._run, pdf, [str(r) for r in roots]
            )

    def _run(self, pdf: bytes, roots: list[str]) -> Any:
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        if worker is None or not worker.process.is_alive():
            worker = _Worker(self.limits)
        try:
            kind, value = worker.run(pdf, roots, self.limits.time_limit)
        except TimeoutError:
            worker.kill()
            log.warning("verify: a check ran over %.0f s; worker replaced", self.limits.time_limit)
            raise CheckRefused("pdf_too_complex", "文件核验超时（文件结构过于复杂）") from None
        except (EOFError, OSError, BrokenPipeError):
            worker.kill()  # died (e.g. killed by the kernel): a fresh one next time
            raise CheckRefused("pdf_too_complex", "文件结构过于复杂，无法核验") from None
        with self._lock:
            self._idle.append(worker)
        if kind == "refused":
            raise CheckRefused(*value)
        return value

    def close(self) -> None:
        with self._lock:
            workers, self._idle = self._idle, []
        for worker in workers:
            worker.kill()
        self._threads.shutdown(wait=False, cancel_futures=True)
