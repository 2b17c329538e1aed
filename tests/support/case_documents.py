"""The real statutory documents for wizard tests: one demo PKI per test process (creating a
CA per test would cost more than the tests), a signer from it, trust roots to validate."""

from __future__ import annotations

import subprocess
import tempfile
import threading
from pathlib import Path

from officer_console.config import load_settings
from officer_console.documents.case_docs import CaseDocuments
from officer_console.documents.democa import DemoPki, create_demo_pki
from officer_console.documents.signing import Pkcs12Signer

__all__ = ["case_documents", "demo_pki", "pdf_text"]

_lock = threading.Lock()
_pki: list[DemoPki] = []


def demo_pki() -> DemoPki:
    with _lock:
        if not _pki:
            _pki.append(create_demo_pki(Path(tempfile.mkdtemp(prefix="oc-test-pki-"))))
        return _pki[0]


def case_documents(data_dir: Path) -> CaseDocuments:
    """Documents signed with the shared demo PKI (``trust`` = ``[demo_pki().ca_cert]``)."""
    pki = demo_pki()
    settings = load_settings(env={}, data_dir=data_dir, database_url="")
    return CaseDocuments(settings, Pkcs12Signer(pki.unit_p12, pki.password))


def pdf_text(pdf: bytes) -> str:
    """``pdftotext -layout`` of ``pdf`` (poppler-utils)."""
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
