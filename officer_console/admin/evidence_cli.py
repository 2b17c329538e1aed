"""``officer-admin verify-evidence`` and ``officer-admin export-case``.

verify-evidence re-hashes every evidence file (recordings, documents, signature images,
snapshots) against its row, reading through the shared evidence store (``evidence_store``;
a recording not yet handed off from this machine's spool), and validates the signature of every document; it names each file
that is missing, altered or badly signed and exits 1 if there is any. export-case writes the
case file (卷宗) for review or litigation: the documents, images and recordings of one case,
the case's audit extract and ``manifest.json`` with every file's SHA-256 — into a new
directory (never over an existing one), audited.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from officer_console.admin.common import CommandError, actor, open_engine
from officer_console.config import Settings
from officer_console.evidence_store.base import EvidenceMissing, EvidenceStore, IntegrityFailure
from officer_console.evidence_store.local import DirectoryStore
from officer_console.evidence_store.reading import read_verified
from officer_console.store.db import audit
from officer_console.store.db.engine import read_session, session_factory, transaction
from officer_console.store.db.models import AuditEvent, Case, Decision, EvidenceFile
from officer_console.store.evidence.documents import DOCUMENT_KINDS

__all__ = ["cmd_export_case", "cmd_verify_evidence", "register"]

_FOLDERS = {"recording": "recordings", "signature": "images", "snapshot": "images"}


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Sources:
    """Where evidence is read: the shared store, and this machine's spool for a recording
    not yet handed off (``stored_in`` NULL — it exists only where it was recorded)."""

    store: EvidenceStore
    spool: EvidenceStore

    @classmethod
    def from_settings(cls, settings: Settings) -> Sources:
        from officer_console.evidence_store import open_store
        from officer_console.evidence_store.factory import spool_dir

        return cls(open_store(settings), DirectoryStore(spool_dir(settings), "local"))

    def of(self, row: EvidenceFile) -> EvidenceStore:
        return self.store if row.stored_in is not None else self.spool


@dataclass(frozen=True)
class Finding:
    evidence_id: int
    kind: str
    path: str
    problem: str  # missing | altered | bad_signature
    detail: str = ""

    def line(self) -> str:
        label = {"missing": "缺失", "altered": "已被修改", "bad_signature": "签名无效"}[
            self.problem
        ]
        extra = f" — {self.detail}" if self.detail else ""
        return f"{label}: {self.path}（证据 #{self.evidence_id}，{self.kind}）{extra}"


def check_row(row: EvidenceFile, sources: Sources, roots: list[Path]) -> Finding | None:
    """One file's verdict, read through the evidence store; None when the file is intact
    (and, for documents, validly signed). An unreachable store raises StoreUnavailable."""
    source = sources.of(row)
    try:
        digest, size = source.digest(row.path)
    except EvidenceMissing:
        return Finding(row.id, row.kind, row.path, "missing")
    if size != row.size or digest != row.sha256:
        return Finding(row.id, row.kind, row.path, "altered")
    if row.kind in DOCUMENT_KINDS:
        from officer_console.documents.signing import validate_signature

        try:
            data = read_verified(source, row.path, row.sha256, row.size)
        except IntegrityFailure:  # changed between the two reads
            return Finding(row.id, row.kind, row.path, "altered")
        report = validate_signature(data, roots)
        if not report.valid:
            return Finding(row.id, row.kind, row.path, "bad_signature", report.problem)
    return None


def cmd_verify_evidence(settings: Settings, args: argparse.Namespace) -> int:
    from officer_console.documents.setup import trust_roots

    engine = open_engine(settings)
    factory = session_factory(engine)
    roots = trust_roots(settings)
    with read_session(factory) as session:
        rows = list(session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)))
        session.expunge_all()
    sources = Sources.from_settings(settings)
    findings = [f for row in rows if (f := check_row(row, sources, roots))]
    signed = sum(1 for row in rows if row.kind in DOCUMENT_KINDS)
    with transaction(factory) as session:
        audit.record(
            session,
            actor(settings),
            "evidence.verify",
            entity_type="evidence",
            outcome="ok" if not findings else "failed",
            detail={
                "checked": len(rows),
                "documents": signed,
                "problems": [{"id": f.evidence_id, "problem": f.problem} for f in findings][:200],
            },
        )
    for finding in findings:
        print(finding.line(), file=sys.stderr)
    if not roots and signed:
        print(
            "警告: 未配置受信任的签名根证书（signing_trust_roots），文书签名均无法验证",
            file=sys.stderr,
        )
    if findings:
        print(f"证据校验未通过: {len(findings)} 个文件有问题（共校验 {len(rows)} 个）")
        return 1
    print(f"证据校验通过: {len(rows)} 个文件完整，其中 {signed} 份文书签名有效")
    return 0


# --- export-case --------------------------------------------------------------------------


def _resolve_case(session: Session, ref: str) -> tuple[Case, str]:

    ref = ref.strip()
    decision = session.scalar(select(Decision).where(Decision.number == ref))
    if decision is not None:
        case = session.get(Case, decision.case_id)
        assert case is not None
        return case, decision.number
    if re.fullmatch(r"[0-9]{1,12}", ref):
        case = session.get(Case, int(ref))
        if case is not None:
            number = session.scalar(select(Decision.number).where(Decision.case_id == case.id))
            return case, number or ""
    raise CommandError(f"找不到决定书编号或案件号为 {ref} 的案件")


def _audit_extract(session: Session, case: Case, evidence_ids: list[int]) -> list[dict[str, Any]]:
    conditions = [
        (AuditEvent.entity_type == "case") & (AuditEvent.entity_id == str(case.id)),
        (AuditEvent.entity_type == "appointment")
        & (AuditEvent.entity_id == str(case.appointment_id)),
    ]
    if evidence_ids:
        conditions.append(
            (AuditEvent.entity_type == "evidence")
            & AuditEvent.entity_id.in_([str(i) for i in evidence_ids])
        )
    events = session.scalars(select(AuditEvent).where(or_(*conditions)).order_by(AuditEvent.id))
    return [
        {
            "id": e.id,
            "at": e.at.isoformat(),
            "actor": e.actor,
            "workstation": e.workstation,
            "action": e.action,
            "entity": f"{e.entity_type}:{e.entity_id}",
            "outcome": e.outcome,
            "detail": e.detail,
            "chain": e.chain,
            "chain_seq": e.chain_seq,
            "hash": e.hash,
        }
        for e in events
    ]


def _target_name(row: EvidenceFile, used: set[str]) -> str:
    folder = "documents" if row.kind in DOCUMENT_KINDS else _FOLDERS.get(row.kind, "other")
    name = f"{folder}/{Path(row.path).name}"
    if name in used:
        name = f"{folder}/{row.id}-{Path(row.path).name}"
    used.add(name)
    return name


def cmd_export_case(settings: Settings, args: argparse.Namespace) -> int:

    target = Path(args.dir)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise CommandError(f"目标目录 {target} 已存在且不为空，不会覆盖；请指定新的目录")
    engine = open_engine(settings)
    factory = session_factory(engine)
    with read_session(factory) as session:
        case, number = _resolve_case(session, args.case)
        rows = list(
            session.scalars(
                select(EvidenceFile)
                .where(
                    or_(
                        EvidenceFile.case_id == case.id,
                        EvidenceFile.appointment_id == case.appointment_id,
                    )
                )
                .order_by(EvidenceFile.id)
            )
        )
        extract = _audit_extract(session, case, [r.id for r in rows])
        case_id = case.id
        session.expunge_all()
    sources = Sources.from_settings(settings)
    problems = [
        f.line()
        for row in rows
        if (f := check_row(row, sources, [])) and f.problem != "bad_signature"
    ]
    if problems:
        raise CommandError("证据文件不完整，未导出：" + "；".join(problems))
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    try:
        manifest = _write_case_file(target, rows, extract, sources)
        manifest.update({"case_id": case_id, "decision_number": number})
        (target / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        with transaction(factory) as session:
            audit.record(
                session,
                actor(settings),
                "case.export",
                entity_type="case",
                entity_id=case_id,
                detail={"dir": str(target), "files": len(rows), "decision": number},
            )
    except BaseException:
        if created:
            shutil.rmtree(target, ignore_errors=True)
        else:
            for child in target.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        raise
    print(
        f"卷宗已导出到 {target}: {len(rows)} 个证据文件，审计记录 {len(extract)} 条，清单 manifest.json"
    )
    return 0


def _write_case_file(
    target: Path, rows: list[EvidenceFile], extract: list[dict[str, Any]], sources: Sources
) -> dict[str, Any]:
    used: set[str] = set()
    files = []
    for row in rows:
        name = _target_name(row, used)
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        with sources.of(row).open(row.path) as src, destination.open("xb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        sha = _sha256_file(destination)
        if sha != row.sha256:
            raise RuntimeError(f"复制后哈希不一致: {row.path}")
        files.append(
            {
                "path": name,
                "kind": row.kind,
                "title": DOCUMENT_KINDS.get(row.kind, row.kind),
                "evidence_id": row.id,
                "sha256": sha,
                "size": row.size,
                "created_at": row.created_at.isoformat(),
            }
        )
    audit_bytes = json.dumps(extract, ensure_ascii=False, indent=2).encode("utf-8")
    (target / "audit.json").write_bytes(audit_bytes)
    files.append(
        {
            "path": "audit.json",
            "kind": "audit_extract",
            "title": "审计记录摘录",
            "sha256": hashlib.sha256(audit_bytes).hexdigest(),
            "size": len(audit_bytes),
        }
    )
    return {"exported_at": datetime.now(UTC).isoformat(), "files": files}


def register(sub: Any) -> None:
    """Add the two sub-commands to ``officer-admin``'s parser."""
    sub.add_parser(
        "verify-evidence", help="重新校验所有证据文件的哈希值与文书电子签名"
    ).set_defaults(run=cmd_verify_evidence)
    p = sub.add_parser("export-case", help="导出案件卷宗（文书、图像、录像、审计摘录、清单）")
    p.add_argument("case", metavar="NUMBER_OR_CASE_ID", help="决定书编号或案件号")
    p.add_argument("dir", metavar="DIR", help="新的目标目录（不会覆盖已有内容）")
    p.set_defaults(run=cmd_export_case)
