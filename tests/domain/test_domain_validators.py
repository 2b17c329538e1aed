"""Validators: the docs/domain.md vectors, edge cases and generated ID numbers."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from officer_console.domain.errors import ValidationError
from officer_console.domain.validators import (
    birth_date_from_id,
    is_valid_id_number,
    is_valid_mobile,
    is_valid_plate,
    validate_date,
    validate_id_number,
    validate_mobile,
    validate_name,
    validate_plate,
    validate_text,
)

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def with_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def message_of(func: object, *args: object) -> str:
    with pytest.raises(ValidationError) as info:
        func(*args)  # type: ignore[operator]
    return info.value.message


# --- ID numbers -------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["11010519491231002X", "34052419800101001X"])
def test_valid_id_vectors(number: str) -> None:
    assert validate_id_number(number) == number
    assert is_valid_id_number(number)


def test_id_lowercase_x_and_spaces_are_normalised() -> None:
    assert validate_id_number(" 110105 19491231 002x ") == "11010519491231002X"


def test_id_bad_check_digit() -> None:
    with pytest.raises(ValidationError) as info:
        validate_id_number("110105194912310021")
    assert info.value.field == "id_number"
    assert "校验位" in info.value.message
    assert not is_valid_id_number("110105194912310021")


def test_id_impossible_date_19990230() -> None:
    # Give it a correct check character so that only the date is wrong.
    number = with_check_char("11010519990230001")
    message = message_of(validate_id_number, number)
    assert "出生日期" in message
    assert "19990230" in message


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "请输入"),
        ("1101051949123100", "18位"),
        ("1101051949123100212", "18位"),
        ("11010519491231002Y", "前17位应为数字"),
        ("X10105194912310021", "前17位应为数字"),
    ],
)
def test_id_shape_messages(value: str, fragment: str) -> None:
    assert fragment in message_of(validate_id_number, value)


def test_id_birth_date_limits() -> None:
    future = with_check_char("11010520990101001")
    assert "晚于今天" in message_of(validate_id_number, future)
    old = with_check_char("11010518991231001")
    assert "1900" in message_of(validate_id_number, old)
    tomorrow_born = with_check_char("11010520240302001")
    with pytest.raises(ValidationError):
        validate_id_number(tomorrow_born, today=date(2024, 3, 1))
    assert validate_id_number(tomorrow_born, today=date(2024, 3, 2)) == tomorrow_born


def test_distinct_messages_for_distinct_errors() -> None:
    messages = {
        message_of(validate_id_number, "1101051949"),
        message_of(validate_id_number, with_check_char("11010519990230001")),
        message_of(validate_id_number, "110105194912310021"),
    }
    assert len(messages) == 3


def test_birth_date_from_id() -> None:
    assert birth_date_from_id("11010519491231002X") == date(1949, 12, 31)
    assert birth_date_from_id("34052419800101001x") == date(1980, 1, 1)
    with pytest.raises(ValidationError):
        birth_date_from_id("110105194912310021")


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    st.from_regex(r"[1-9][0-9]{5}", fullmatch=True),
    st.from_regex(r"[0-9]{3}", fullmatch=True),
)
def test_generated_ids_validate_and_one_digit_change_is_caught(
    birth: date, region: str, sequence: str
) -> None:
    number = with_check_char(f"{region}{birth:%Y%m%d}{sequence}")
    assert validate_id_number(number) == number
    assert birth_date_from_id(number) == birth
    wrong = "10X98765432".replace(number[17], "")[0]
    assert not is_valid_id_number(number[:17] + wrong)


# --- plates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("京A12345", "京A12345"),
        ("沪AD12345", "沪AD12345"),
        ("辽D46234F", "辽D46234F"),
        ("鲁A8B2C6", "鲁A8B2C6"),
        ("鲁a 8b2c6", "鲁A8B2C6"),
        ("京A·12345", "京A12345"),
        ("沪AFA1234", "沪AFA1234"),
        ("鲁A1234学", "鲁A1234学"),
        ("鲁A1234挂", "鲁A1234挂"),
    ],
)
def test_valid_plates(value: str, expected: str) -> None:
    assert validate_plate(value) == expected
    assert is_valid_plate(value)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("京AI2345", "I或O"),
        ("京AO2345", "I或O"),
        ("京A1234", "长度"),
        ("XA12345", "简称"),
        ("鲁A123456", "新能源"),
        ("沪AD1234A", "新能源"),
        ("京112345", "字母"),
        ("", "请输入"),
    ],
)
def test_invalid_plates(value: str, fragment: str) -> None:
    assert fragment in message_of(validate_plate, value)
    assert not is_valid_plate(value)


# --- mobiles ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["13812341234", "138 1234 1234", "138-1234-1234", "+8613812341234", "+86 19912341234"]
)
def test_valid_mobiles(value: str) -> None:
    assert validate_mobile(value) in {"13812341234", "19912341234"}
    assert is_valid_mobile(value)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [("12812341234", "13至19"), ("1381234123", "11位"), ("1381234123a", "数字"), ("", "请输入")],
)
def test_invalid_mobiles(value: str, fragment: str) -> None:
    assert fragment in message_of(validate_mobile, value)
    assert not is_valid_mobile(value)


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_every_mobile_pattern_is_accepted(number: str) -> None:
    assert validate_mobile(number) == number
    assert validate_mobile(f"+86 {number[:3]}-{number[3:7]}-{number[7:]}") == number


# --- names, text and dates -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张三", "张三"),
        (" 欧阳娜娜 ", "欧阳娜娜"),
        ("买买提•艾力", "买买提·艾力"),
        ("John Smith", "John Smith"),
    ],
)
def test_valid_names(value: str, expected: str) -> None:
    assert validate_name(value) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [("张", "2至30"), ("张" * 31, "2至30"), ("张3", "“3”"), ("·张三", "间隔号"), ("", "请输入")],
)
def test_invalid_names(value: str, fragment: str) -> None:
    assert fragment in message_of(validate_name, value)


def test_validate_text() -> None:
    assert validate_text("statement", "  我没有异议\r\n谢谢 ", 20) == "我没有异议\n谢谢"
    assert validate_text("note", "   ", 20, required=False) == ""
    assert "不能为空" in message_of(validate_text, "note", " ", 20)
    assert "不能超过5个字" in message_of(validate_text, "note", "一二三四五六", 5)
    assert "控制字符" in message_of(validate_text, "note", "ab\x00c", 20)
    with pytest.raises(ValidationError) as info:
        validate_text("address", "a\nb", 20, multiline=False, label="送达地址")
    assert info.value.field == "address"
    assert info.value.message.startswith("送达地址")


def test_validate_date() -> None:
    assert validate_date("first_issue", "2020-02-29") == date(2020, 2, 29)
    assert validate_date("first_issue", date(2020, 1, 1)) == date(2020, 1, 1)
    assert "不是有效日期" in message_of(validate_date, "d", "2021-02-29")
    assert "格式" in message_of(validate_date, "d", "2021/02/01")
    assert "格式" in message_of(validate_date, "d", "20210201")
