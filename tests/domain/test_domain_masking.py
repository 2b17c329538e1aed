"""Masking never raises and never shows more than the agreed characters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from officer_console.domain.masking import (
    mask_id_number,
    mask_name,
    mask_phone,
    mask_plate,
    mask_text,
)


def test_examples_from_domain() -> None:
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("11010519491231002x") == "110105********002X"
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("+86 138-1234-1234") == "138****1234"
    assert mask_name("张三") == "张*"


@pytest.mark.parametrize(
    ("name", "masked"), [("张三丰", "张**"), ("张", "*"), ("欧阳娜娜", "欧***"), ("", "")]
)
def test_names(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize("value", ["", "1", "12345", "1101051949", "abc", "1234567890123456789"])
def test_malformed_values_are_fully_masked(value: str) -> None:
    assert set(mask_id_number(value)) <= {"*"}
    assert set(mask_phone(value)) <= {"*"}


def test_none_is_empty() -> None:
    assert mask_id_number(None) == ""
    assert mask_phone(None) == ""
    assert mask_name(None) == ""
    assert mask_plate(None) == ""
    assert mask_text(None) == ""


def test_plates_are_shown() -> None:
    assert mask_plate("鲁A12345") == "鲁A12345"


def test_mask_text_finds_ids_and_phones() -> None:
    text = "当事人11010519491231002X（手机13812341234，备用 +86 139-0000-1111）已预约"
    masked = mask_text(text)
    assert masked == "当事人110105********002X（手机138****1234，备用 139****1111）已预约"


def test_mask_text_leaves_other_numbers() -> None:
    text = "决定书编号 37010020240000001，金额 200 元，时间 2024-03-01 10:00"
    assert mask_text(text) == text
    assert mask_text("旧身份证110105491231002") == "旧身份证110105*********"


@given(st.text())
def test_masking_never_raises(value: str) -> None:
    for func in (mask_id_number, mask_phone, mask_name, mask_plate, mask_text):
        assert isinstance(func(value), str)


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.text(alphabet="当事人的电话是：，。 "))
def test_mask_text_hides_middle_digits_of_any_mobile(number: str, around: str) -> None:
    masked = mask_text(f"{around}{number}{around}")
    assert number not in masked
    assert f"{number[:3]}****{number[7:]}" in masked
