"""``officer-admin check``'s evidence section: the store (reachable, writable, object lock)
and this workstation's spool backlog (recordings not yet verified in the store)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from officer_console.config import Settings
from officer_console.domain.errors import DomainError

__all__ = ["check_evidence_store", "upload_spool"]


def check_evidence_store(settings: Settings) -> tuple[list[str], list[str]]:
    """(lines to print, problems) — never raises for a store problem: it is reported."""
    from officer_console.evidence_store import open_store
    from officer_console.evidence_store.factory import spool_dir
    from officer_console.video.handoff import MISMATCH, pending_uploads
    from officer_console.video.recording_files import read_sidecar, unfinished_recordings

    lines: list[str] = []
    problems: list[str] = []
    try:
        store = open_store(settings)
    except DomainError as exc:
        return [f"证据存储: {settings.evidence_store}  无法打开"], [str(exc)]
    report = store.describe()
    lines.extend(report.lines())
    problems.extend(report.problems)
    if report.reachable and not report.writable and not report.problems:
        problems.append("证据存储不可写入")
    spool = spool_dir(settings)
    pending = len(pending_uploads(spool))
    unfinished = len(unfinished_recordings(spool)) if spool.is_dir() else 0
    mismatched = (
        sum(1 for p in spool.rglob("*.mp4") if (read_sidecar(p) or {}).get("status") == MISMATCH)
        if spool.is_dir()
        else 0
    )
    lines.append(
        f"本机暂存区 {spool}: 待上传 {pending}，待恢复 {unfinished}，校验不符 {mismatched}"
    )
    if mismatched:
        problems.append(f"暂存区有 {mismatched} 个录像与其证据记录的哈希不符（已保留，见审计日志）")
    return lines, problems


def upload_spool(settings: Settings, run_db: Callable[[Callable[[Session], Any]], Any]) -> int:
    """``officer-admin upload-evidence``: hand this data dir's spool to the store now (what
    the console does in the background), print each outcome; exit status 1 if any failed."""
    from officer_console.evidence_store import open_store
    from officer_console.evidence_store.factory import spool_dir
    from officer_console.store.db.audit import Actor
    from officer_console.video.handoff import upload_pending

    store = open_store(settings)
    actor = Actor.system(settings.workstation_name, "officer-admin")
    outcomes = upload_pending(store, spool_dir(settings), run_db, actor)
    labels = {"stored": "已存储", "failed": "失败（稍后重试）", "mismatch": "哈希不符（已保留）"}
    for outcome in outcomes:
        note = f"：{outcome.message}" if outcome.message else ""
        print(
            f"证据 #{outcome.evidence_id} {outcome.path.name}: {labels.get(outcome.outcome, outcome.outcome)}{note}"
        )
    stored = sum(o.outcome == "stored" for o in outcomes)
    print(f"已上传并核验 {stored} 个，未完成 {len(outcomes) - stored} 个（证据存储: {store.kind}）")
    return 0 if stored == len(outcomes) else 1
