"""Render the sample documents, signed with a throwaway demo CA, into docs/screenshots/
(``pdftoppm -r 60``) so layout changes can be looked at: ``.venv/bin/python
scripts/document_screenshots.py``."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from officer_console.documents import sample as s  # noqa: E402
from officer_console.documents.democa import create_demo_pki  # noqa: E402
from officer_console.documents.pipeline import produce  # noqa: E402
from officer_console.documents.signing import Pkcs12Signer  # noqa: E402

DOCS = {
    "decision_simple": s.sample_decision(),
    "decision_general": s.sample_decision(
        general=True, several=True, refused=True, cycle_points_after=10
    ),
    "inquiry_record": s.sample_inquiry(),
    "notice_record": s.sample_notice(waived=False),
    "service_confirm": s.sample_service(),
    "service_receipt": s.sample_receipt(),
}


def main() -> int:
    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pki = create_demo_pki(Path(tmp) / "pki")
        signer = Pkcs12Signer(pki.unit_p12, pki.password)
        for name, doc in DOCS.items():
            pdf = Path(tmp) / f"{name}.pdf"
            pdf.write_bytes(produce(doc, signer).data)
            for old in out.glob(f"doc_{name}-*.png"):
                old.unlink()
            subprocess.run(  # noqa: S603
                ["pdftoppm", "-png", "-r", "60", str(pdf), str(out / f"doc_{name}")],  # noqa: S607
                check=True,
            )
    print(f"screenshots written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
