"""What the party and a court read: every field of the case data appears in the PDF text."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from officer_console.documents.layout import local_time
from officer_console.documents.model import DecisionDoc, SignatureSlot
from officer_console.documents.render import render
from officer_console.documents.sample import (
    sample_decision,
    sample_inquiry,
    sample_notice,
    sample_service,
)
from officer_console.domain.errors import ValidationError
from tests.documents.pdftools import pdf_text

TZ = "Asia/Shanghai"


def _expected_decision_fields(doc: DecisionDoc) -> list[str]:
    p, v = doc.party, doc.vehicle
    fields = [
        doc.unit.name,
        f"编号：{doc.number}",
        f"被处罚人{p.name}",
        f"身份证明文件号码{p.id_number}",
        f"机动车驾驶证号{p.licence_number}",
        f"档案编号{p.licence_file_number}",
        f"发证机关{p.issuing_authority}",
        f"准驾车型{p.licence_class}",
        f"联系方式{p.phone}",
        f"车辆类型{v.vehicle_type}",
        f"号牌号码{v.plate}",
        f"处罚地点：{doc.place}",
        f"{doc.lead_officer.name}（警号{doc.lead_officer.police_number}）",
        "十五日内",
        "每日按罚款数额的百分之三加处罚款，加处罚款的数额不超过罚款数额",
        f"六十日内向{doc.unit.review_body}申请行政复议",
        f"六个月内向{doc.unit.court}提起行政诉讼",
        "交管12123",
        local_time(doc.decided_at, TZ, minutes=False),
    ]
    for fact in doc.violations:
        fields += [
            f"被处罚人于{local_time(fact.occurred_at, TZ)}，在{fact.location}实施{fact.behaviour}"
            f"（代码{fact.code}）的违法行为",
            f"违反了{fact.conduct_basis}的规定，依据{fact.penalty_basis}的规定",
            f"记{fact.points}分",
        ]
    if doc.assist_officer is not None:
        fields.append(f"{doc.assist_officer.name}（警号{doc.assist_officer.police_number}）")
    return [f.replace(" ", "") for f in fields]


@pytest.mark.parametrize(
    ("general", "several", "refused"),
    [
        (False, False, False),
        (False, True, True),
        (True, False, True),
        (True, True, False),
    ],
)
def test_decision_text_matches_case_data(
    tmp_path: Path, general: bool, several: bool, refused: bool
) -> None:
    doc = sample_decision(general=general, several=several, refused=refused)
    text = pdf_text(render(doc), tmp_path)
    for field in _expected_decision_fields(doc):
        assert field in text, field
    title = "公安交通管理行政处罚决定书" if general else "公安交通管理简易程序处罚决定书"
    assert title in text
    assert ("当事人拒绝签名" in text) is refused
    if several or general:
        assert f"以上合计：罚款{doc.fine_total}元，记{doc.points_total}分" in text
        for fact in doc.violations:
            assert f"决定处以罚款{fact.fine}元" in text
    else:
        assert f"决定处以罚款{doc.fine_total}元" in text
    assert ("办案民警：" in text) is general
    assert "办案过程记录" in text
    assert "三个月" not in text


def test_nine_point_warning_only_from_nine(tmp_path: Path) -> None:
    below = pdf_text(render(sample_decision(cycle_points_after=8)), tmp_path, "a.pdf")
    at = pdf_text(render(sample_decision(cycle_points_after=9)), tmp_path, "b.pdf")
    assert "累积记分已达9分" not in below
    assert "本记分周期累积记分已达9分" in at and "累积记分已达9分" in at


def test_warning_only_decision_has_no_payment_sentence(tmp_path: Path) -> None:
    doc = sample_decision()
    fact = replace(doc.violations[0], fine=0, points=0)
    doc = replace(doc, violations=(fact,), fine_total=0, points_total=0, warning=True)
    text = pdf_text(render(doc), tmp_path)
    assert "决定给予警告" in text
    assert "十五日内" not in text


def test_audit_page_lists_hashes_and_times(tmp_path: Path) -> None:
    doc = sample_decision()
    assert doc.audit is not None
    text = pdf_text(render(doc), tmp_path)
    assert doc.audit.signature is not None
    for item in (*doc.audit.recordings, doc.audit.signature, *doc.audit.documents):
        assert f"SHA-256：{item.sha256}" in text
    assert local_time(doc.audit.call_started_at, TZ) in text  # type: ignore[arg-type]
    assert "作出决定时尚未送达，发送成功时间记入电子送达回证" in text
    for step in doc.audit.steps:
        assert step.label in text


def test_records_match_their_data(tmp_path: Path) -> None:
    inquiry = sample_inquiry()
    text = pdf_text(render(inquiry), tmp_path, "i.pdf")
    assert "询问笔录" in text and "远程视频" in text
    assert (
        f"询问、记录人{inquiry.questioner.name}（警号{inquiry.questioner.police_number}）" in text
    )
    assert "以上笔录已阅，与所述一致" in text
    assert "核验被询问人出示的居民身份证" in text
    for question, answer in inquiry.qa:
        assert f"问：{question}".replace(" ", "") in text
        assert f"答：{answer}".replace(" ", "") in text
    refused = pdf_text(render(sample_inquiry(refused=True)), tmp_path, "r.pdf")
    assert "当事人拒绝签名" in refused

    notice = sample_notice(waived=False)
    text = pdf_text(render(notice), tmp_path, "n.pdf")
    assert "行政处罚告知笔录" in text
    assert "拟决定处以罚款200元，记6分" in text
    assert "陈述和申辩" in text and "本案不适用听证程序" in text
    assert notice.statement is not None and notice.statement in text
    assert notice.review_result in text
    waived = pdf_text(render(sample_notice(waived=True)), tmp_path, "w.pdf")
    assert "当事人明确表示放弃陈述、申辩" in waived

    service = sample_service()
    text = pdf_text(render(service), tmp_path, "s.pdf")
    assert "送达地址确认书" in text
    assert f"文书编号{service.document_number}" in text
    assert f"送达地址{service.address}" in text
    assert "电子送达（短信）" in text
    assert "同意行政机关采用电子方式向本人送达" in text
    assert service.sent_at is None  # signed at consent, before the SMS
    assert "发送成功时间发送后记入电子送达回证" in text
    assert "尚未发送" not in text


def test_hearing_right_is_announced_from_2000_yuan(tmp_path: Path) -> None:
    notice = replace(sample_notice(), proposed_fine=2000)
    text = pdf_text(render(notice), tmp_path)
    assert "你有权要求听证" in text


def test_signature_slot_is_never_blank() -> None:
    with pytest.raises(ValueError, match="either an image or a refusal"):
        SignatureSlot()
    with pytest.raises(ValueError, match="either an image or a refusal"):
        SignatureSlot(b"png", refused=True)


def test_character_outside_the_font_is_refused_with_a_message() -> None:
    doc = sample_decision()
    odd = replace(doc, party=replace(doc.party, name="张\U00020000"))  # CJK Ext. B
    with pytest.raises(ValidationError) as info:
        render(odd)
    assert "文书字体不支持字符" in info.value.message


def test_rendering_is_deterministic() -> None:
    doc = sample_decision(several=True)
    assert render(doc) == render(doc)


def test_draft_decision_has_no_seal_and_says_it_is_a_draft(tmp_path: Path) -> None:
    """The wizard's preview: signature slot 待当事人签名, no seal drawn; never a signed form."""
    draft = replace(sample_decision(with_audit=False), party_signature=SignatureSlot(pending=True))
    flat = pdf_text(render(draft), tmp_path)
    assert "草稿：待当事人签名" in flat and "草稿，不加盖印章" in flat
    with pytest.raises(ValueError, match="either an image or a refusal"):
        SignatureSlot(b"\x89PNG", pending=True)  # a draft slot holds nothing


def test_warning_in_place_of_one_fine_of_several(tmp_path: Path) -> None:
    """[DJF] 90 "警告或者罚款": the warned violation reads 警告, the other keeps its fine and
    the payment terms stay (there is a fine to pay)."""
    doc = sample_decision(several=True)
    warned = replace(doc.violations[1], fine=0)
    fined = doc.violations[0]
    doc = replace(doc, violations=(fined, warned), fine_total=fined.fine, warning=True)
    text = "".join(pdf_text(render(doc), tmp_path).split())
    assert f"决定处以罚款{fined.fine}元" in text and "决定给予警告" in text
    assert "并处罚款" not in text and "十五日内" in text
