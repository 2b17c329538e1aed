"""What the video package needs of the console's op runner: a small protocol, kept apart so
the call (:mod:`.call`) and the evidence bookkeeping (:mod:`.evidence`) both name it without
importing each other."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

__all__ = ["DbRunner"]

T = TypeVar("T")


class DbRunner(Protocol):
    """What :class:`officer_console.gui.common.services.OpRunner` offers."""

    def run(
        self,
        work: Callable[[Session], T],
        on_success: Callable[[T], None] | None = ...,
        on_failure: Callable[[BaseException], None] | None = ...,
    ) -> Future[T]: ...
