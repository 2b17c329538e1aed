"""PAdES B-LTA against a real local PKI on loopback (certomancer: TSA, OCSP, CRLs over HTTP):
the decision carries a signature timestamp, the validation data in its DSS and a document
timestamp, and pyHanko validates it as LTA with the PKI switched off."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from officer_console.documents.democa import DemoPki
from officer_console.documents.pdfa import make_pdfa, preflight
from officer_console.documents.render import render
from officer_console.documents.sample import sample_decision
from officer_console.documents.signing import (
    Pkcs12Signer,
    SignedPdf,
    validate_long_term,
    validate_signature,
)
from tests.documents.localpki import LocalPki, running_pki
from tests.documents.tsa import running_tsa, tsa_root


@pytest.fixture(scope="module")
def lta(tmp_path_factory: pytest.TempPathFactory) -> tuple[LocalPki, SignedPdf]:
    with running_pki(tmp_path_factory.mktemp("lta-pki")) as pki:
        signer = Pkcs12Signer(
            pki.unit_p12, pki.password, timestamp_url=pki.tsa_url, lta_roots=[pki.root]
        )
        doc = sample_decision(general=True)
        signed = signer.sign(make_pdfa(render(doc), created=doc.decided_at))
    return pki, signed  # the PKI is stopped from here on: nothing can be fetched


def _dss(pdf: bytes) -> dict[str, int]:
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    dss = reader.root["/DSS"]
    return {key: len(dss[key]) for key in ("/Certs", "/OCSPs", "/CRLs") if key in dss}


def test_b_lta_carries_timestamps_and_validation_data(lta: tuple[LocalPki, SignedPdf]) -> None:
    _, signed = lta
    assert signed.level == "PAdES-B-LTA" and not signed.warning
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(signed.data), strict=False)
    assert len(reader.embedded_regular_signatures) == 1
    assert len(reader.embedded_timestamp_signatures) >= 1  # the document timestamp
    dss = _dss(signed.data)
    assert dss.get("/Certs", 0) >= 3  # unit, TSA, OCSP responder (and the root)
    assert dss.get("/OCSPs", 0) + dss.get("/CRLs", 0) >= 1


def test_b_lta_validates_offline_as_lta(lta: tuple[LocalPki, SignedPdf]) -> None:
    pki, signed = lta
    report = validate_long_term(signed.data, [pki.root])
    assert report.valid, report.problem
    assert report.level == "PAdES-B-LTA"
    assert report.signer.startswith("济南市公安局交通警察支队历下区大队")
    assert report.timestamp_at is not None


def test_b_lta_still_validates_years_later_offline(lta: tuple[LocalPki, SignedPdf]) -> None:
    pki, signed = lta
    later = datetime(2040, 6, 1, tzinfo=UTC)  # the unit's certificate expired in 2030
    report = validate_long_term(signed.data, [pki.root], at=later)
    assert report.valid, report.problem


def test_b_b_file_is_not_lta(lta: tuple[LocalPki, SignedPdf]) -> None:
    pki, _ = lta
    plain = Pkcs12Signer(pki.unit_p12, pki.password).sign(make_pdfa(render(sample_decision())))
    assert plain.level == "PAdES-B-B"
    assert not validate_long_term(plain.data, [pki.root]).valid


def test_b_lta_file_passes_the_gateway_check_and_stays_pdfa(
    lta: tuple[LocalPki, SignedPdf],
) -> None:
    pki, signed = lta
    report = validate_signature(signed.data, [pki.root])
    assert report.valid, report.problem
    assert report.timestamped
    assert preflight(signed.data).ok, preflight(signed.data).problems


def test_unreachable_revocation_data_lowers_to_b_t_and_says_so(
    tmp_path: Path, pki: DemoPki
) -> None:
    with running_pki(tmp_path / "pki") as stopped:
        pass  # its OCSP and CRL URLs, printed in the unit certificate, no longer answer
    with running_tsa(pki) as tsa_url:  # a live TSA elsewhere
        roots = [stopped.root, tsa_root(pki)]
        signer = Pkcs12Signer(
            stopped.unit_p12,
            stopped.password,
            timestamp_url=tsa_url,
            timestamp_timeout=3,
            lta_roots=roots,
        )
        signed = signer.sign(make_pdfa(render(sample_decision())))
    assert signed.level == "PAdES-B-T"
    assert "无法取得证书验证数据" in signed.warning and "已降级为PAdES-B-T" in signed.warning
    report = validate_signature(signed.data, roots)
    assert report.valid and report.timestamped, report.problem
    assert not validate_long_term(signed.data, roots).valid
