"""Statutory documents: pure renderers (``model`` → ``render``), PDF/A post-processing
(``pdfa``), PAdES signing and validation (``signing``), the pipeline (``pipeline.produce``), a
demo CA (``democa``) and the installer's self-test (``sample.sample_decision_roundtrip``).

The renderers import only :mod:`officer_console.domain`; ``setup`` is the glue to settings,
secrets and the store. See docs/documents.md.
"""
