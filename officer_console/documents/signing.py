"""Digital signatures behind an interface: PAdES with pyHanko today, an SM2 e-seal later.

:class:`Pkcs12Signer` signs with the unit's PKCS#12. Without a RFC 3161 server: PAdES B-B.
With one and the trust roots (``lta_roots``): PAdES B-LTA — a signature timestamp, the
validation data (certificates, OCSP answers, CRLs, fetched from the URLs in the certificates)
in the document security store and a document timestamp over it all, so the decision
validates offline years later (:func:`validate_long_term`). When the validation data cannot be
fetched the level is B-T; when the timestamp server does not answer, B-B — the document is
still signed and returned, and :attr:`SignedPdf.warning` says what happened. The visible
signature appearance is a small ReportLab page (embedded CJK subset font, PDF/A-safe) imported
into the widget, not pyHanko's default Courier stamp, which is not embedded.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from officer_console.documents.fonts import FONT, ensure_font
from officer_console.documents.layout import local_time

__all__ = [
    "Pkcs12Signer",
    "SignatureReport",
    "SignedPdf",
    "Signer",
    "SigningError",
    "validate_long_term",
    "validate_signature",
]

log = logging.getLogger("officer_console.documents.signing")
FIELD = "UnitSignature"
# Top-left of page 1, above the unit header (the QR code is top-right): x1, y1, x2, y2 in pt.
BOX = (57, 792, 252, 830)


class SigningError(Exception):
    """Signing failed (bad PKCS#12, wrong password, unusable certificate): Chinese message."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else "签名失败"


@dataclass(frozen=True)
class SignedPdf:
    data: bytes
    level: str  # "PAdES-B-B", "PAdES-B-T" or "PAdES-B-LTA"
    warning: str = ""  # e.g. the timestamp server was down and the level was lowered


class Signer(Protocol):
    def sign(self, pdf: bytes, *, reason: str = ..., location: str = ...) -> SignedPdf: ...


def _appearance_pdf(signer_name: str, at: datetime, tz: str) -> bytes:
    """The visible part of the signature: who signed and when, in the embedded CJK font."""
    ensure_font()
    w, h = BOX[2] - BOX[0], BOX[3] - BOX[1]
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(w, h), invariant=1, initialFontName=FONT)
    c.setStrokeColorRGB(0.75, 0.1, 0.1)
    c.setLineWidth(0.8)
    c.rect(1, 1, w - 2, h - 2)
    c.setFillColorRGB(0.75, 0.1, 0.1)
    c.setFont(FONT, 8)
    c.drawString(1.6 * mm, h - 3.9 * mm, "已电子签名（PAdES）")
    c.setFillColorRGB(0.1, 0.1, 0.1)
    c.setFont(FONT, 6.5)
    c.drawString(1.6 * mm, h - 7.6 * mm, f"签名人：{signer_name[:28]}")
    c.drawString(1.6 * mm, h - 11 * mm, f"签名时间：{local_time(at, tz)}")
    c.save()
    return buffer.getvalue()


def _stamp_style(appearance: bytes):  # type: ignore[no-untyped-def]
    import binascii
    import uuid

    from pyhanko.pdf_utils import content
    from pyhanko.pdf_utils.layout import (
        AxisAlignment,
        BoxConstraints,
        Margins,
        SimpleBoxLayoutRule,
    )
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.stamp import StaticStampStyle

    class _ImportedBytes(content.PdfContent):
        def render(self) -> bytes:
            writer = self._ensure_writer
            xobj = writer.import_page_as_xobject(PdfFileReader(io.BytesIO(appearance)), page_ix=0)
            name = b"/Import" + binascii.hexlify(uuid.uuid4().bytes)
            self.resources.xobject[name.decode("ascii")] = xobj
            x1, y1, x2, y2 = xobj.get_object()["/BBox"]
            self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
            return bytes(name + b" Do")

    return StaticStampStyle(
        background=_ImportedBytes(),
        background_opacity=1.0,
        border_width=0,
        background_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MID,
            y_align=AxisAlignment.ALIGN_MID,
            margins=Margins.uniform(0),
        ),
    )


def _container_size(pdf: bytes) -> int:
    """Length of the CMS signature container of the last signature in ``pdf``."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    sig = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures[-1]
    return len(sig.pkcs7_content)


class Pkcs12Signer:
    """Signs with a PKCS#12 file; ``password`` comes from the environment or the keyring."""

    def __init__(
        self,
        p12: Path,
        password: str | None,
        *,
        timestamp_url: str = "",
        timestamp_timeout: float = 5.0,
        timezone: str = "Asia/Shanghai",
        lta_roots: Sequence[Path] = (),
    ) -> None:
        from cryptography.hazmat.primitives.serialization import pkcs12
        from cryptography.x509.oid import NameOID
        from pyhanko.sign import signers

        try:
            blob = p12.read_bytes()
        except OSError as exc:
            raise SigningError(f"无法读取单位签名证书文件 {p12}：{exc.strerror}") from None
        try:
            _key, cert, _extra = pkcs12.load_key_and_certificates(
                blob, password.encode() if password else None
            )
        except ValueError:
            raise SigningError(
                f"单位签名证书 {p12.name} 无法打开：密码错误或文件损坏"
                "（密码须通过环境变量或系统钥匙串提供）"
            ) from None
        if cert is None:
            raise SigningError(f"单位签名证书 {p12.name} 中没有证书")
        self.signer = signers.SimpleSigner.load_pkcs12(
            pfx_file=str(p12), passphrase=password.encode() if password else None
        )
        if self.signer is None:
            raise SigningError(f"单位签名证书 {p12.name} 无法用于签名")
        common = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        self.signer_name = str(common[0].value) if common else cert.subject.rfc4514_string()
        self._reserved: int | None = None
        self.timestamp_url = timestamp_url
        self.timestamp_timeout = timestamp_timeout
        self.timezone = timezone
        self.lta_roots = tuple(lta_roots)

    def _lta_context(self) -> object:
        """Validation context that fetches OCSP/CRL answers for the signer and the TSA; a
        certificate that names a revocation service must get an answer (hard-fail)."""
        from pyhanko_certvalidator import ValidationContext

        return ValidationContext(
            trust_roots=_load_roots(self.lta_roots),
            other_certs=list(self.signer.cert_registry),
            allow_fetching=True,
            revocation_mode="hard-fail",
        )

    def _sign(
        self, pdf: bytes, reason: str, location: str, timestamper: object, *, lta: bool = False
    ) -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        at = datetime.now(UTC)
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason,
            location=location,
            embed_validation_info=lta,
            use_pades_lta=lta,
            validation_context=self._lta_context() if lta else None,  # type: ignore[arg-type]
        )
        pdf_signer = signers.PdfSigner(
            meta,
            signer=self.signer,
            timestamper=timestamper,  # type: ignore[arg-type]
            stamp_style=_stamp_style(_appearance_pdf(self.signer_name, at, self.timezone)),
            new_field_spec=fields.SigFieldSpec(FIELD, box=BOX, on_page=0),
        )
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        # After the first signature the container size is known: reserving it spares pyHanko
        # a dry-run signature to estimate it (half of the signing time). Timestamp tokens
        # vary with the TSA, so those are always estimated.
        reserved = None if timestamper is not None else self._reserved
        out = bytes(pdf_signer.sign_pdf(writer, bytes_reserved=reserved).getvalue())
        if timestamper is None and self._reserved is None:
            self._reserved = (_container_size(out) + 1025) // 2 * 2  # must be even
        return out

    def sign(self, pdf: bytes, *, reason: str = "行政执法文书", location: str = "") -> SignedPdf:
        if self.timestamp_url:
            from pyhanko.sign.timestamps import HTTPTimeStamper

            stamper = HTTPTimeStamper(self.timestamp_url, timeout=self.timestamp_timeout)
            lta_warning = ""
            if self.lta_roots:
                try:
                    data = self._sign(pdf, reason, location, stamper, lta=True)
                    return SignedPdf(data, "PAdES-B-LTA")
                except Exception as exc:  # OCSP/CRL/TSA are external: fall back, say so
                    log.warning("B-LTA signing failed, trying B-T: %r", exc)
                    lta_warning = (
                        f"无法取得证书验证数据（{type(exc).__name__}），已降级为PAdES-B-T签名，"
                        "长期验证数据未嵌入"
                    )
            try:
                data = self._sign(pdf, reason, location, stamper)
                return SignedPdf(data, "PAdES-B-T", lta_warning)
            except Exception as exc:  # the TSA is external: any failure lowers the level
                log.warning("timestamp server %s failed: %s", self.timestamp_url, exc)
                warning = (
                    f"时间戳服务器不可用（{type(exc).__name__}），已降级为PAdES-B-B签名，"
                    "签名时间以本机时间为准"
                )
                return SignedPdf(self._sign(pdf, reason, location, None), "PAdES-B-B", warning)
        return SignedPdf(self._sign(pdf, reason, location, None), "PAdES-B-B")


@dataclass(frozen=True)
class SignatureReport:
    """What a validator found: ``valid`` only when intact, trusted and covering the file."""

    present: bool
    intact: bool = False
    trusted: bool = False
    covers_whole_file: bool = False
    signer: str = ""
    signed_at: datetime | None = None
    timestamped: bool = False
    problem: str = ""

    @property
    def valid(self) -> bool:
        return self.present and self.intact and self.trusted and self.covers_whole_file


def _load_roots(paths: Sequence[Path]) -> list[object]:
    from pyhanko.keys import load_certs_from_pemder

    return list(load_certs_from_pemder([str(p) for p in paths]))


def validate_signature(pdf: bytes, trust_roots: Sequence[Path]) -> SignatureReport:
    """Validate the (last) signature of ``pdf`` against ``trust_roots``; never raises on
    malformed input — a broken file is reported as such."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        # the unit's signatures, not the document timestamps a B-LTA file ends with
        signatures = reader.embedded_regular_signatures
    except Exception:  # uploaded bytes: a parser failure of any kind means "not a valid PDF"
        return SignatureReport(False, problem="文件不是有效的PDF")
    if not signatures:
        return SignatureReport(False, problem="文件中没有电子签名")
    try:
        roots = _load_roots(trust_roots)
    except (OSError, ValueError) as exc:
        log.error("trust roots %s unreadable: %s", [str(p) for p in trust_roots], exc)
        return SignatureReport(True, problem="系统的受信任根证书无法读取，请联系管理员")
    context = ValidationContext(
        trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
    )
    sig = signatures[-1]
    try:
        status = validate_pdf_signature(sig, context)
    except (SignatureValidationError, PdfReadError) as exc:
        return SignatureReport(True, problem=f"签名无法校验：{type(exc).__name__}")
    except Exception as exc:  # malformed signature dictionaries or CMS from an upload
        log.info("signature validation failed on malformed input: %r", exc)
        return SignatureReport(True, problem=f"签名数据已损坏：{type(exc).__name__}")
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    # B-LTA: after the signature come only validation data (DSS) and document timestamps —
    # pyHanko's difference analysis classifies exactly those as LTA updates.
    covers = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level == ModificationLevel.LTA_UPDATES
        and bool(status.docmdp_ok)
    )
    subject = status.signing_cert.subject.native.get("common_name", "")
    problem = ""
    if not status.intact or not status.valid:
        problem = "签名值与文件内容不符（文件已被修改）"
    elif not status.trusted:
        problem = "签名证书不是受信任的单位证书"
    elif not covers:
        problem = "签名之后文件又被追加修改"
    return SignatureReport(
        present=True,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        covers_whole_file=covers,
        signer=str(subject),
        signed_at=status.signer_reported_dt,
        timestamped=status.timestamp_validity is not None,
        problem=problem,
    )


@dataclass(frozen=True)
class LongTermReport:
    """Offline (network off) validation of a B-LTA file: the signature with the validation
    data in the file, under the protection of its timestamps."""

    valid: bool
    level: str  # "PAdES-B-LTA" when a document timestamp covers the validation data
    signer: str = ""
    timestamp_at: datetime | None = None
    problem: str = ""


def validate_long_term(
    pdf: bytes, trust_roots: Sequence[Path], *, at: datetime | None = None
) -> LongTermReport:
    """Validate the unit's signature as PAdES-LTA (ETSI EN 319 102-1 § 5.6.3) with fetching
    disabled: everything needed must be in the file (DSS, timestamps) — what a court does
    with the file years later (``at``: the validation time, default now)."""
    import asyncio

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.ades.report import AdESPassed
    from pyhanko.sign.validation.ades import ades_lta_validation
    from pyhanko.sign.validation.policy_decl import (
        PdfSignatureValidationSpec,
        RevinfoOnlineFetchingRule,
        RevocationInfoGatheringSpec,
        SignatureValidationSpec,
    )
    from pyhanko_certvalidator.context import CertValidationPolicySpec
    from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
    from pyhanko_certvalidator.policy_decl import (
        NO_REVOCATION,
        REQUIRE_REVINFO,
        CertRevTrustPolicy,
    )
    from pyhanko_certvalidator.registry import SimpleTrustManager

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signature = reader.embedded_regular_signatures[0]
        policy = CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=_load_roots(trust_roots)),
            revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
        )
        roots = SimpleTrustManager.build(trust_roots=_load_roots(trust_roots))
        # The newest document timestamp is checked at the validation time, when its TSA's
        # OCSP/CRL answers are out of reach (offline, years later): its chain must lead to a
        # trusted root, revocation is checked where the file holds data (soft-fail). The
        # unit's certificate itself must have revocation data in the file (REQUIRE_REVINFO),
        # judged at the time the timestamps prove.
        ts_policy = CertValidationPolicySpec(
            trust_manager=roots,
            revinfo_policy=CertRevTrustPolicy(NO_REVOCATION),
        )
        spec = PdfSignatureValidationSpec(
            SignatureValidationSpec(
                cert_validation_policy=policy,
                ts_cert_validation_policy=ts_policy,
                revinfo_gathering_policy=RevocationInfoGatheringSpec(
                    RevinfoOnlineFetchingRule.LOCAL_ONLY  # network off: only what is in the file
                ),
            )
        )
        timing = None
        if at is not None:
            timing = ValidationTimingInfo(at, at, point_in_time_validation=True)
        result = asyncio.run(ades_lta_validation(signature, spec, timing_info=timing))
    except Exception as exc:  # no signature, no DSS, a broken file: a finding, not a crash
        return LongTermReport(False, "", problem=f"长期验证失败：{type(exc).__name__}")
    ok = result.ades_subindic == AdESPassed.OK
    status = result.api_status
    signer = ""
    if status is not None:
        signer = str(status.signing_cert.subject.native.get("common_name", ""))
    return LongTermReport(
        valid=ok,
        level="PAdES-B-LTA" if ok and result.oldest_evidence_record_timestamp else "",
        signer=signer,
        timestamp_at=result.oldest_evidence_record_timestamp,
        problem="" if ok else f"长期验证未通过：{result.ades_subindic}（{result.failure_msg}）",
    )
