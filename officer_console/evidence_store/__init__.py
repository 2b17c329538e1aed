"""The shared evidence store: recordings and documents reachable from every workstation and
the gateway (docs/evidence.md). Backends: ``local`` and ``path`` directories, ``s3`` buckets."""

from officer_console.evidence_store.base import (
    EvidenceMissing,
    EvidenceStore,
    IntegrityFailure,
    PutResult,
    StoreReport,
    StoreUnavailable,
)
from officer_console.evidence_store.factory import open_store

__all__ = [
    "EvidenceMissing",
    "EvidenceStore",
    "IntegrityFailure",
    "PutResult",
    "StoreReport",
    "StoreUnavailable",
    "open_store",
]
