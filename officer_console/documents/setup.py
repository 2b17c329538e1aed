"""The signer and trust roots a workstation, the gateway or ``officer-admin`` uses, from the
settings. (Glue, not rendering: the renderers themselves import only ``domain``.)

Production: ``signing_p12`` names the unit's PKCS#12, its password comes from the environment
(``OFFICER_CONSOLE_SIGNING_P12_PASSWORD``) or the keyring (``SIGNING_P12_PASSWORD``) — never a
file. ``signing_trust_roots`` lists the CA certificates a verifier trusts. Demo: with
``signing_p12`` empty, the demo PKI in ``<data_dir>/signing`` is used (``seed-demo`` and
``--demo`` create it; documents signed with it say 演示 in the signer name).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from officer_console.config import Settings
from officer_console.credentials import get_secret
from officer_console.documents.democa import CA_FILE, DEMO_SIGNING_PASSWORD, P12_FILE
from officer_console.documents.model import AuditStep, AuditTrail, DecisionDoc, FileHash, Unit
from officer_console.documents.pipeline import produce, verification_url
from officer_console.documents.signing import Pkcs12Signer, Signer, SigningError
from officer_console.domain.case_documents import DOCUMENT_KINDS, CaseTrail, DecisionIssue
from officer_console.domain.procedure_records import Step
from officer_console.domain.procedure_text import default_review_body

__all__ = [
    "PASSWORD_SECRET",
    "audit_trail",
    "decision_renderer",
    "signer_from_settings",
    "trust_roots",
    "unit_from_issue",
    "verify_base_url",
]

PASSWORD_SECRET = "SIGNING_P12_PASSWORD"  # noqa: S105 - the secret's name, not its value


def _demo_dir(settings: Settings) -> Path:
    return settings.data_dir / "signing"


def signer_from_settings(settings: Settings) -> Pkcs12Signer:
    """The unit's signer; a clear :class:`SigningError` when it is not configured."""
    if settings.signing_p12:
        password = get_secret(PASSWORD_SECRET)
        if password is None:
            raise SigningError(
                "未设置单位签名证书密码：请设置环境变量 OFFICER_CONSOLE_SIGNING_P12_PASSWORD，"
                "或保存到系统钥匙串（服务名 officer-console，条目 SIGNING_P12_PASSWORD）"
            )
        p12 = Path(settings.signing_p12).expanduser()
    else:
        p12 = _demo_dir(settings) / P12_FILE
        if not p12.is_file():
            raise SigningError(
                "未配置单位签名证书（signing_p12）：请由管理员配置单位 PKCS#12 证书；"
                "演示环境请运行 officer-admin seed-demo"
            )
        password = DEMO_SIGNING_PASSWORD
    return Pkcs12Signer(
        p12,
        password,
        timestamp_url=settings.timestamp_url,
        timezone=settings.timezone,
        # with a TSA: PAdES B-LTA, validation data fetched for the chains to these roots
        lta_roots=trust_roots(settings) if settings.timestamp_url else (),
    )


def trust_roots(settings: Settings) -> list[Path]:
    """CA certificates trusted for verification (the demo CA when nothing is configured)."""
    if settings.signing_trust_roots:
        return [Path(p).expanduser() for p in settings.signing_trust_roots]
    demo = _demo_dir(settings) / CA_FILE
    return [demo] if demo.is_file() else []


def verify_base_url(settings: Settings) -> str:
    return settings.verify_base_url or settings.gateway_url.rstrip("/") + "/verify"


def unit_from_issue(issue: DecisionIssue, settings: Settings) -> Unit:
    """The issuing unit as the renderers want it (review body and court from the squad)."""
    return Unit(
        name=issue.unit_name,
        division_code=issue.division_code,
        review_body=issue.review_body or default_review_body(issue.unit_name),
        court=issue.court,
        timezone=issue.timezone,
        seal_image=Path(settings.seal_image) if settings.seal_image else None,
    )


def decision_renderer(
    build: Callable[[DecisionIssue, Unit, str], DecisionDoc], signer: Signer, settings: Settings
) -> Callable[[DecisionIssue], bytes]:
    """The ``render`` callback for :func:`store.documents.issue_decision`: ``build`` makes the
    decision from the issue (number, code), the unit and the verification URL; the result is
    the archival, signed PDF."""

    def render(issue: DecisionIssue) -> bytes:
        url = verification_url(verify_base_url(settings), issue.number, issue.verify_code)
        return produce(build(issue, unit_from_issue(issue, settings), url), signer).data

    return render


_FILE_LABELS = {
    **DOCUMENT_KINDS,
    "recording": "录像",
    "signature": "签名图像",
    "snapshot": "截图",
    "id_snapshot": "身份证件截图",
}


def audit_trail(trail: CaseTrail, workstation: str = "") -> AuditTrail:
    """The 办案过程记录 of a case (``store.documents.case_trail``) for the decision renderer.

    The decision itself is not listed (it is the document being made); its service time is
    filled in once the case has been served.
    """
    labels = {s.value: s.label for s in Step}
    counts: dict[str, int] = {}
    recordings, documents, signature = [], [], None
    for kind, sha, size in trail.files:
        if kind == "decision":
            continue
        counts[kind] = counts.get(kind, 0) + 1
        label = _FILE_LABELS.get(kind, kind)
        item = FileHash(f"{label}{counts[kind]}" if kind == "recording" else label, sha, size)
        if kind == "recording":
            recordings.append(item)
        elif kind == "signature" and signature is None:
            signature = item  # the first: the one printed on the decision
        elif kind == "signature":
            documents.append(FileHash(f"签名图像{counts[kind]}", sha, size))
        else:
            documents.append(item)
    steps = []
    for step, at, who in trail.steps:
        steps.append(AuditStep(labels.get(step, step), at, who))
        if step == Step.RULING.value and trail.cosign is not None:
            # [157] 48: the second officer of a general case, with the time he co-signed
            steps.append(AuditStep("协办民警核签", trail.cosign[0], trail.cosign[1]))
    return AuditTrail(
        steps=tuple(steps),
        call_started_at=trail.call_started_at,
        call_ended_at=trail.call_ended_at,
        recordings=tuple(recordings),
        signature=signature,
        documents=tuple(documents),
        service_sent_at=trail.service_sent_at,
        workstation=workstation,
    )
