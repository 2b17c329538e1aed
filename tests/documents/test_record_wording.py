"""Records read the way a legal officer reviewing a 复议 application reads them: nothing that
was not said or done, officers named by what they did, the general decision's evidence, the
points article, service wording that matches what happened — checked in the PDFs' text."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from officer_console.config import load_settings
from officer_console.documents.case_docs import CaseDocuments
from officer_console.documents.democa import DemoPki
from officer_console.documents.layout import local_time
from officer_console.documents.render import render
from officer_console.documents.sample import (
    ASSIST,
    LEAD,
    RECORDING_SHA,
    sample_decision,
    sample_inquiry,
    sample_notice,
    sample_receipt,
)
from officer_console.documents.signing import Pkcs12Signer, validate_signature
from officer_console.domain.procedure_records import ServiceReceiptFacts
from officer_console.domain.procedure_text import (
    behaviour_phrase,
    default_review_body,
    opening_statement,
)
from tests.documents.pdftools import need, pdf_text

TZ = "Asia/Shanghai"


def _layout_lines(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "layout.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        [need("pdftotext"), "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return out.splitlines()


def test_inquiry_prints_the_rights_statement_once_as_read_and_answered(tmp_path: Path) -> None:
    doc = sample_inquiry()
    text = pdf_text(render(doc), tmp_path)
    opening = opening_statement(doc.unit.name, "王强（警号010001）").replace(" ", "")
    assert text.count("你听清楚了吗") == 1
    assert f"问：{opening}答：听清楚了。" in text
    assert text.count("答：听清楚了") == 1


def test_inquiry_without_the_statement_does_not_invent_it(tmp_path: Path) -> None:
    doc = sample_inquiry()
    doc = replace(doc, qa=doc.qa[1:])  # the officer removed the statement: nothing is added
    text = pdf_text(render(doc), tmp_path)
    assert "听清楚" not in text and "回避" not in text


def test_one_officer_is_named_once_two_only_when_two_took_part(tmp_path: Path) -> None:
    one = pdf_text(render(sample_inquiry()), tmp_path, "one.pdf")
    officer = f"{LEAD.name}（警号{LEAD.police_number}）"
    assert one.count(officer) == 3  # the table, the statement as read, the signature block
    assert f"询问、记录人{officer}" in one and "记录人：" not in one.replace("询问、记录人：", "")
    assert ASSIST.name not in one
    two = pdf_text(render(replace(sample_inquiry(), recorder=ASSIST)), tmp_path, "two.pdf")
    assert f"询问人{officer}" in two
    assert f"记录人{ASSIST.name}（警号{ASSIST.police_number}）" in two
    assert "询问、记录人" not in two


def test_notice_calls_the_party_dangshiren_and_names_only_its_officers(tmp_path: Path) -> None:
    text = pdf_text(render(sample_notice(waived=False)), tmp_path)
    assert "被处罚人" not in text
    assert "当事人于2026年11月20日08时35分" in text
    assert f"告知民警：{LEAD.name}" in text and ASSIST.name not in text


def test_no_doubled_de_before_the_code(tmp_path: Path) -> None:
    assert behaviour_phrase("驾驶机动车超过规定时速未达20%的") == "驾驶机动车超过规定时速未达20%"
    doc = sample_decision()
    fact = replace(doc.violations[0], behaviour="驾驶机动车超过规定时速未达20%的", code="1352")
    text = pdf_text(render(replace(doc, violations=(fact,))), tmp_path, "d.pdf")
    assert "未达20%（代码1352）的违法行为" in text
    assert "的（代码" not in text
    notice = replace(sample_notice(), violations=(fact,))
    assert "的（代码" not in pdf_text(render(notice), tmp_path, "n.pdf")


def test_points_line_cites_the_article_by_points(tmp_path: Path) -> None:
    doc = sample_decision(several=True)  # 6 points (第十条) and 1 point (第十二条)
    text = pdf_text(render(doc), tmp_path)
    assert "依据《道路交通安全违法行为记分管理办法》第十条的规定，记6分" in text
    assert "依据《道路交通安全违法行为记分管理办法》第十二条的规定，记1分" in text
    zero = replace(doc.violations[0], points=0)
    text = pdf_text(render(replace(doc, violations=(zero,), points_total=0)), tmp_path, "z.pdf")
    assert "不予记分" in text and "记0分" not in text


def test_general_decision_lists_its_evidence(tmp_path: Path) -> None:
    doc = sample_decision(general=True)
    text = pdf_text(render(doc), tmp_path)
    assert "证据：" in text
    assert "交通技术监控记录（2026年11月20日08时35分" in text
    assert "询问笔录（编号37010220260000001-1）" in text
    assert f"视频录像（远程视频处理全过程，SHA-256：{RECORDING_SHA}）" in text
    assert "证据：" not in pdf_text(render(sample_decision()), tmp_path, "simple.pdf")


def test_issuing_authority_is_not_wrapped(tmp_path: Path) -> None:
    doc = sample_decision()
    lines = _layout_lines(render(doc), tmp_path)
    assert any(doc.party.issuing_authority in line for line in lines)


def test_service_wording_matches_what_happened(tmp_path: Path) -> None:
    for channel in ("sms", "paper", ""):
        text = pdf_text(render(sample_decision(service_channel=channel)), tmp_path, "s.pdf")
        assert "已向我宣告并送达" not in text
        assert "行政处罚决定书已通过视频向我宣告" in text
        assert ("以电子方式（短信）送达" in text) is (channel == "sms")
        assert ("另行以纸质方式送达" in text) is (channel == "paper")


def test_audit_page_lists_both_officers_with_the_cosign_time(tmp_path: Path) -> None:
    doc = sample_decision(general=True)
    text = pdf_text(render(doc), tmp_path)
    assert doc.audit is not None
    cosign = next(s for s in doc.audit.steps if s.label == "协办民警核签")
    assert re.search(
        "协办民警核签" + re.escape(local_time(cosign.at, TZ)) + r"\d\d秒李明（010002）", text
    )
    assert "裁决" in text and "王强（010001）" in text


def test_receipt_records_channel_masked_address_sent_time_and_download(tmp_path: Path) -> None:
    doc = sample_receipt()
    text = pdf_text(render(doc), tmp_path)
    assert "电子送达回证" in text and f"编号：{doc.number}" in text
    assert "送达方式电子送达（短信）送达地址138****1234" in text
    assert f"发送成功时间{local_time(doc.sent_at, TZ)}20秒" in text
    assert doc.downloaded_at is not None
    assert f"首次完整下载{local_time(doc.downloaded_at, TZ)}05秒" in text
    assert "缴款期限2026年12月20日" in text  # sent 12-05 + 15 days
    assert "13812341234" not in text
    pending = pdf_text(render(sample_receipt(downloaded=False)), tmp_path, "p.pdf")
    assert "首次完整下载截至本回证生成时尚未下载" in pending
    no_fine = pdf_text(render(replace(doc, payment_due=False)), tmp_path, "w.pdf")
    assert "缴款期限" not in no_fine


def test_default_review_body_is_the_government_of_the_district() -> None:
    assert default_review_body("济南市公安局交通警察支队历下区大队") == "济南市历下区人民政府"
    assert default_review_body("济南市公安局交通警察支队章丘区大队") == "济南市章丘区人民政府"
    assert default_review_body("某单位") == ""


def test_case_documents_sign_the_receipt_the_store_asks_for(tmp_path: Path, pki: DemoPki) -> None:
    settings = load_settings(env={}, data_dir=tmp_path, database_url="")
    maker = CaseDocuments(settings, Pkcs12Signer(pki.unit_p12, pki.password))
    facts = ServiceReceiptFacts(
        unit={
            "name": "济南市公安局交通警察支队历下区大队",
            "division_code": "370102",
            "review_body": "",
            "court": "济南市历下区人民法院",
            "timezone": TZ,
        },
        party_name="张伟",
        decision_number="37010220260000009",
        decision_title="公安交通管理简易程序处罚决定书",
        channel="sms",
        address_masked="138****1234",
        sent_at=datetime(2026, 12, 5, 2, 13, 20, tzinfo=UTC),
        officer=("王强", "010001"),
    )
    pdf = maker.service_receipt(facts)
    assert validate_signature(pdf, [pki.ca_cert]).valid
    text = pdf_text(pdf, tmp_path)
    assert "电子送达回证" in text and "编号：37010220260000009-4" in text
    assert "发送成功时间2026年12月05日10时13分20秒" in text
    assert ("ServiceReceiptDoc", maker.timings_ms[-1][1]) == maker.timings_ms[-1]


def test_notice_records_the_hearing_choice_where_a_hearing_applies(tmp_path: Path) -> None:
    big = replace(sample_notice(), proposed_fine=2000)
    declined = pdf_text(render(big), tmp_path, "d.pdf")
    assert "是否要求听证：当事人明确表示不要求听证" in declined
    asked = pdf_text(render(replace(big, hearing_requested=True)), tmp_path, "a.pdf")
    assert "是否要求听证：当事人要求举行听证" in asked
    small = pdf_text(render(sample_notice()), tmp_path, "s.pdf")
    assert "是否要求听证" not in small and "本案不适用听证程序" in small
