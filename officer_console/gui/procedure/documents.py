"""The wizard's one seam to document generation: :class:`DocumentMaker`.

The real implementation is :class:`officer_console.documents.case_docs.CaseDocuments`: the
statutory renderers, PDF/A and the unit's signature. It is both the store's
:class:`~officer_console.store.procedure.documents.CaseDocumentMaker` (signed records and the
decision, made inside the service transaction on a worker thread) and the maker of the
confirmation step's unsigned drafts.
"""

from __future__ import annotations

from typing import Protocol

from officer_console.documents.case_docs import DRAFT_KINDS, CaseDocuments
from officer_console.store.procedure.documents import CaseDocumentMaker, CaseFacts

__all__ = ["DRAFT_KINDS", "CaseDocuments", "DocumentMaker"]


class DocumentMaker(CaseDocumentMaker, Protocol):
    """Signed documents for the store, plus drafts for the preview (off the GUI thread)."""

    def draft(self, kind: str, facts: CaseFacts) -> bytes:
        """An unsigned draft of ``inquiry``, ``notice`` or ``decision``."""
        ...
