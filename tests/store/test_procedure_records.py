"""Each record made, shown and signed at its own step (issue 20): the 询问笔录 after 询问, the
告知笔录 (with the officer's review of the statement) after 告知, the decision with the 确认
signature, the 送达地址确认书 with the consent signature — read back from the stored PDFs: each
carries exactly the image given for it and no image given at another step."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.dispatch.serve_decision import DecisionServer
from officer_console.documents.signing import validate_signature
from officer_console.domain.errors import ConflictError, RuleViolation, ValidationError
from officer_console.store.db import audit
from officer_console.store.db.engine import read_session, run_in_transaction
from officer_console.store.db.models import Case, Decision, EvidenceFile
from officer_console.store.procedure import cases as pc
from officer_console.store.procedure.files import read_file
from officer_console.store.procedure.view import CaseView
from tests.store.test_procedure_cases import CountingSms, run
from tests.support.case_documents import case_documents, demo_pki, pdf_text
from tests.support.procedure_steps import sign
from tests.support.procedure_world import (
    World,
    build,
    citizen_drops,
    citizen_joins,
    png,
    signed_png,
)


def _pixels(png_bytes: bytes) -> str:
    """The image as the PDF can hold it (pixels, not the PNG's bytes)."""
    return hashlib.sha256(Image.open(io.BytesIO(png_bytes)).convert("RGB").tobytes()).hexdigest()


def _images(pdf: bytes) -> set[str]:
    """Pixel hashes of every image drawn on the PDF's pages."""
    out = set()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for _name, raw in page.get_images().items():
                image = pikepdf.PdfImage(raw).as_pil_image().convert("RGB")
                out.add(hashlib.sha256(image.tobytes()).hexdigest())
    return out


def _stored(s: Session, tmp: Path, kind: str) -> bytes:
    row = s.scalar(select(EvidenceFile).where(EvidenceFile.kind == kind))
    assert row is not None, kind
    return read_file(tmp, row)


def _inquire(factory: sessionmaker[Session], w: World, tmp: Path, view: CaseView) -> None:
    case_id = view.case_id
    snap = run(factory, lambda s: pc.record_snapshot(s, w.lead, tmp, case_id, png()))
    run(factory, lambda s: pc.complete_inquiry(
        s, w.lead, case_id, name_confirmed=True, id_last4=w.id_last4, snapshot_evidence_id=snap,
        qa=[("你是否驾驶该车辆？", "是我本人驾驶。")], admissions={v.violation_id: True for v in view.violations}))  # fmt: skip


def test_each_record_carries_only_its_own_signature(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    w = build(factory)
    docs = case_documents(tmp_path / "data")
    view = run(factory, lambda s: pc.start_case(s, w.lead, w.appointment_id))
    case_id = view.case_id
    _inquire(factory, w, tmp_path, view)
    with pytest.raises(RuleViolation) as err:  # 告知 only after the 询问笔录 was signed
        run(factory, lambda s: pc.complete_notice(s, w.lead, case_id, statement=None, waived=True))
    assert err.value.code == "record_unsigned"
    with pytest.raises(ValidationError, match="签名"):  # neither an image nor a refusal
        run(factory, lambda s: pc_records_sign(s, w, tmp_path, case_id, docs))
    citizen_drops(factory, w)
    with pytest.raises(RuleViolation, match="不在视频中"):  # signed on camera only
        run(factory, lambda s: sign(s, w.lead, tmp_path, case_id, "inquiry", docs=docs))
    citizen_joins(factory, w, new_room=False)
    images = {step: signed_png(f"sig-{step}") for step in ("inquiry", "notice")}
    images |= {"confirmation": signed_png("confirmation"), "service": signed_png("service")}
    assert len({_pixels(p) for p in images.values()}) == 4
    view = run(factory, lambda s: sign(s, w.lead, tmp_path, case_id, "inquiry", docs=docs))
    assert "inquiry" in view.records and view.records["inquiry"]["refused"] is False
    with pytest.raises(ConflictError, match="已签名"):
        run(factory, lambda s: sign(s, w.lead, tmp_path, case_id, "inquiry", docs=docs))
    with read_session(factory) as s:  # made at 询问: the notice record does not exist yet
        assert s.scalar(select(EvidenceFile).where(EvidenceFile.kind == "notice_record")) is None
        inquiry_pdf = _stored(s, tmp_path, "inquiry_record")
    with pytest.raises(ValidationError, match="复核意见"):  # a statement needs the review
        run(factory, lambda s: pc.complete_notice(
            s, w.lead, case_id, statement="我当时在避让救护车。", waived=False))  # fmt: skip
    run(factory, lambda s: pc.complete_notice(
        s, w.lead, case_id, statement="我当时在避让救护车。", waived=False,
        review_note="经复核，当事人所述避让情形无证据支持，维持拟处罚意见。"))  # fmt: skip
    vid = view.violations[0].violation_id
    rule = {vid: view.violations[0].fine}, {vid: view.violations[0].points}
    with pytest.raises(RuleViolation) as err:  # 裁决 only after the 告知笔录 was signed
        run(factory, lambda s: pc.complete_ruling(
            s, w.lead, case_id, fines=rule[0], points=rule[1], review_note="维持"))  # fmt: skip
    assert err.value.code == "record_unsigned"
    run(factory, lambda s: sign(s, w.lead, tmp_path, case_id, "notice", docs=docs))
    view = run(factory, lambda s: pc.complete_ruling(
        s, w.lead, case_id, fines=rule[0], points=rule[1], review_note="维持"))  # fmt: skip
    run(factory, lambda s: pc.complete_confirmation(
        s, w.lead, tmp_path, case_id, signature_png=images["confirmation"], refused=False))  # fmt: skip
    server = DecisionServer(
        factory, CountingSms(), evidence_dir=tmp_path, link_base="https://gw", documents=docs
    )
    assert (
        server.serve(w.lead, case_id, confirm_png=images["service"], consent=True).state == "sent"
    )

    with read_session(factory) as s:
        pdfs = {k: _stored(s, tmp_path, k) for k in ("inquiry_record", "notice_record")}
        pdfs |= {k: _stored(s, tmp_path, k) for k in ("decision", "service_confirm")}
        case = s.get(Case, case_id)
        assert case is not None and set(case.state["records"]) == {"inquiry", "notice"}
        actions = [e.action for e in audit.events_for(s, "case", case_id)]
        number = s.scalar(select(Decision.number))
    assert pdfs["inquiry_record"] == inquiry_pdf  # never re-made later
    own = {
        "inquiry_record": "inquiry",
        "notice_record": "notice",
        "decision": "confirmation",
        "service_confirm": "service",
    }
    for kind, step in own.items():
        found = _images(pdfs[kind])
        assert _pixels(images[step]) in found, f"{kind} lacks the signature given at {step}"
        others = {_pixels(p) for st, p in images.items() if st != step}
        assert not found & others, f"{kind} carries a signature given at another step"
        assert validate_signature(pdfs[kind], [demo_pki().ca_cert]).valid
    notice = "".join(pdf_text(pdfs["notice_record"]).split())
    assert "我当时在避让救护车" in notice and "当事人所述避让情形无证据支持" in notice
    inquiry = "".join(pdf_text(pdfs["inquiry_record"]).split())
    assert "是我本人驾驶" in inquiry and number not in inquiry  # made before the ruling
    decision = "".join(pdf_text(pdfs["decision"]).split())
    assert number in decision
    assert actions.count("record.sign") == 2


def pc_records_sign(s: Session, w: World, tmp: Path, case_id: int, docs: object):  # type: ignore[no-untyped-def]
    from officer_console.store.procedure import records

    return records.sign_record(
        s, w.lead, tmp, case_id, step="inquiry", documents=docs,  # type: ignore[arg-type]
        signature_png=None, refused=False,
    )  # fmt: skip


def test_refusal_to_sign_a_record_is_noted_on_it(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """A party who refuses to sign the 询问笔录 (on camera): the record says so, no image."""
    w = build(factory)
    docs = case_documents(tmp_path / "data")
    view = run(factory, lambda s: pc.start_case(s, w.lead, w.appointment_id))
    _inquire(factory, w, tmp_path, view)
    view = run(
        factory,
        lambda s: sign(s, w.lead, tmp_path, view.case_id, "inquiry", docs=docs, signature=b""),
    )
    assert (
        view.records["inquiry"]["refused"] is True and view.records["inquiry"]["signature"] is None
    )
    with read_session(factory) as s:
        pdf = _stored(s, tmp_path, "inquiry_record")
        signatures = s.scalars(select(EvidenceFile).where(EvidenceFile.kind == "signature")).all()
    assert signatures == [] and _images(pdf) == set()
    assert "拒绝签名" in "".join(pdf_text(pdf).split())
    run_in_transaction(  # and the case goes on
        factory, lambda s: pc.complete_notice(s, w.lead, view.case_id, statement=None, waived=True)
    )
