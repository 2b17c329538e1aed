"""The payment rows of the verification page, from the domain's penalty rules."""

from __future__ import annotations

from datetime import UTC, date, datetime

from officer_console.documents.verification import payment_rows

TZ = "Asia/Shanghai"
SENT = datetime(2026, 12, 4, 17, 30, tzinfo=UTC)  # 5 December 01:30 in Jinan


def test_deadline_is_the_local_service_date_plus_fifteen_days() -> None:
    rows = dict(payment_rows(200, SENT, TZ, date(2026, 12, 20)))
    assert rows == {"缴款期限": "2026年12月20日前（送达之日起十五日内）"}


def test_surcharge_accrues_three_percent_a_day_after_the_deadline() -> None:
    rows = dict(payment_rows(200, SENT, TZ, date(2026, 12, 21)))
    assert "已逾期1日" in rows["逾期加处罚款"] and "6.00元" in rows["逾期加处罚款"]


def test_surcharge_is_capped_at_the_fine() -> None:
    rows = dict(payment_rows(200, SENT, TZ, date(2027, 3, 1)))
    assert "200.00元" in rows["逾期加处罚款"] and "已达上限" in rows["逾期加处罚款"]


def test_nothing_to_pay_for_a_warning_and_no_date_before_service() -> None:
    assert payment_rows(0, SENT, TZ, date(2027, 1, 1)) == []
    assert payment_rows(200, None, TZ, date(2027, 1, 1)) == [
        ("缴款期限", "自送达之日起十五日内（尚未送达）")
    ]
