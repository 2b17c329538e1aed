"""Helpers of the procedure panel: the worker thread for blocking work, what the citizen's
page is told at each stage, and the draft decision text read along on the phone."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from officer_console.store.procedure_cases import CaseView

__all__ = ["STAGE_TITLES", "Background", "decision_text"]

T = TypeVar("T")
STAGE_TITLES = {
    "inquiry": "询问：请手持身份证对准摄像头，如实回答民警提问",
    "notice": "告知：请阅读下方拟处罚告知，可以陈述、申辩",
    "ruling": "裁决：民警正在复核并作出处罚决定",
    "confirmation": "确认：请核对文书并签名",
    "service": "送达：请确认送达方式并签名",
    "done": "办理完毕",
}


class Background(QObject):
    """Blocking work (PDF rendering, the SMS) on one worker thread; results on the GUI thread."""

    _deliver = Signal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oc-procedure")
        self._deliver.connect(lambda callback, value: callback(value))

    def run(
        self, work: Callable[[], T], done: Callable[[T], None], failed: Callable[[Exception], None]
    ) -> None:
        def job() -> None:
            try:
                value = work()
            except Exception as exc:
                self._deliver.emit(failed, exc)
            else:
                self._deliver.emit(done, value)

        self._pool.submit(job)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def decision_text(view: CaseView) -> str:
    ruling = view.step_data.get("ruling", {})
    fine = sum(int(x) for x in ruling.get("fines", {}).values())
    points = sum(int(x) for x in ruling.get("points", {}).values())
    return (
        f"处罚决定书（待签名确认）\n编号：{view.decision_number}\n"
        + "\n".join(
            f"{v.occurred} {v.location} {v.behaviour}（代码{v.code}）" for v in view.violations
        )
        + f"\n决定处以罚款{fine}元，记{points}分。请于送达之日起十五日内缴纳罚款。"
    )
