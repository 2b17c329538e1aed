"""Archival and signature: PDF/A preflight, pyHanko validation against the demo CA, tamper
detection, timestamp server up (B-T) and down (B-B, says so), QR code to the verify URL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from officer_console.documents.democa import DemoPki, create_demo_pki
from officer_console.documents.pdfa import make_pdfa, preflight
from officer_console.documents.render import render
from officer_console.documents.sample import (
    sample_decision,
    sample_decision_roundtrip,
    sample_inquiry,
    sample_notice,
    sample_receipt,
    sample_service,
)
from officer_console.documents.signing import Pkcs12Signer, SigningError, validate_signature
from tests.documents.pdftools import pdf_text, pdffonts, qpdf_check, qr_codes
from tests.documents.tsa import running_tsa, tsa_root


@pytest.fixture(scope="module")
def signed_decision(pki: DemoPki) -> bytes:
    doc = sample_decision(general=True, several=True)
    pdf = make_pdfa(render(doc), created=doc.decided_at)
    return Pkcs12Signer(pki.unit_p12, pki.password).sign(pdf).data


def test_signed_decision_validates_against_the_demo_ca(
    pki: DemoPki, signed_decision: bytes
) -> None:
    report = validate_signature(signed_decision, [pki.ca_cert])
    assert report.valid, report.problem
    assert report.signer.endswith("电子签章")
    assert not report.timestamped


def test_untrusted_root_is_reported(tmp_path: Path, signed_decision: bytes) -> None:
    other = create_demo_pki(tmp_path / "other")
    report = validate_signature(signed_decision, [other.ca_cert])
    assert not report.valid and report.intact and not report.trusted
    assert "不是受信任" in report.problem


def test_one_byte_change_fails_validation(pki: DemoPki, signed_decision: bytes) -> None:
    data = bytearray(signed_decision)
    spot = data.index(b"/Title") + 10  # inside the signed range, in the document information
    data[spot] ^= 0x01
    report = validate_signature(bytes(data), [pki.ca_cert])
    assert not report.valid
    assert report.problem


def test_appended_update_is_not_whole_file(pki: DemoPki, signed_decision: bytes) -> None:
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(signed_decision)) as doc:
        doc.docinfo["/Title"] = "伪造"
        out = io.BytesIO()
        doc.save(out)
    assert not validate_signature(out.getvalue(), [pki.ca_cert]).valid


def test_garbage_and_unsigned_files_are_reported_not_raised(pki: DemoPki) -> None:
    assert validate_signature(b"not a pdf", [pki.ca_cert]).problem == "文件不是有效的PDF"
    unsigned = make_pdfa(render(sample_service()))
    assert validate_signature(unsigned, [pki.ca_cert]).problem == "文件中没有电子签名"


@pytest.mark.parametrize(
    "doc",
    [
        sample_decision(),
        sample_inquiry(refused=True),
        sample_notice(),
        sample_service(),
        sample_receipt(),
    ],
)
def test_preflight_fonts_qpdf(tmp_path: Path, pki: DemoPki, doc: object) -> None:
    signed = Pkcs12Signer(pki.unit_p12, pki.password).sign(make_pdfa(render(doc))).data  # type: ignore[arg-type]
    report = preflight(signed)
    assert report.ok, report.problems
    fonts = pdffonts(signed, tmp_path)
    assert fonts, "no fonts found"
    for row in fonts:
        emb = row[-5]
        assert emb == "yes", row  # every font embedded, the signature appearance's too
    check = qpdf_check(signed, tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors" in check.stdout
    assert "已电子签名" in pdf_text(signed, tmp_path)


def test_preflight_catches_missing_intent(tmp_path: Path) -> None:
    report = preflight(render(sample_service()))
    assert "缺少PDF/A输出意图（sRGB）" in report.problems
    assert any("pdfaid" in p for p in report.problems)


def test_qr_decodes_to_the_verification_url(tmp_path: Path, signed_decision: bytes) -> None:
    url = sample_decision().verification_url
    assert qr_codes(signed_decision, tmp_path) == [url]


def test_wrong_password_is_a_clear_error(pki: DemoPki) -> None:
    with pytest.raises(SigningError, match="密码错误或文件损坏"):
        Pkcs12Signer(pki.unit_p12, "wrong")
    with pytest.raises(SigningError, match="无法读取"):
        Pkcs12Signer(pki.directory / "missing.p12", "x")


@pytest.fixture
def tsa_url(pki: DemoPki) -> Iterator[str]:
    with running_tsa(pki) as url:
        yield url


def test_timestamp_server_gives_b_t(pki: DemoPki, tsa_url: str) -> None:
    signer = Pkcs12Signer(pki.unit_p12, pki.password, timestamp_url=tsa_url)
    signed = signer.sign(make_pdfa(render(sample_service())))
    assert signed.level == "PAdES-B-T" and not signed.warning
    report = validate_signature(signed.data, [pki.ca_cert, tsa_root(pki)])
    assert report.valid, report.problem
    assert report.timestamped


def test_timestamp_server_down_lowers_level_and_says_so(pki: DemoPki) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    signer = Pkcs12Signer(
        pki.unit_p12,
        pki.password,
        timestamp_url=f"http://127.0.0.1:{port}/tsa",
        timestamp_timeout=2,
    )
    signed = signer.sign(make_pdfa(render(sample_service())))
    assert signed.level == "PAdES-B-B"
    assert "时间戳服务器不可用" in signed.warning
    assert validate_signature(signed.data, [pki.ca_cert]).valid


def test_sample_roundtrip_for_the_installer(tmp_path: Path) -> None:
    summary = sample_decision_roundtrip(tmp_path / "selftest")
    assert "校验通过" in summary
    assert (tmp_path / "selftest" / "sample-decision.pdf").is_file()


def test_mutated_files_never_raise(pki: DemoPki, signed_decision: bytes) -> None:
    """Uploads are hostile: truncations and byte flips anywhere give a report, not an error."""
    import random

    rng = random.Random(11)
    size = len(signed_decision)
    for i in range(60):
        data = bytearray(signed_decision)
        if i % 3 == 0:
            data = data[: rng.randrange(size)]
        else:
            for _ in range(rng.randrange(1, 8)):
                data[rng.randrange(size)] = rng.randrange(256)
        report = validate_signature(bytes(data), [pki.ca_cert])
        # Valid only if every flip hit the unsigned padding of the signature's /Contents.
        assert report.valid or report.problem


def test_unreadable_trust_root_is_a_report(tmp_path: Path, signed_decision: bytes) -> None:
    report = validate_signature(signed_decision, [tmp_path / "missing.pem"])
    assert not report.valid and "根证书无法读取" in report.problem
