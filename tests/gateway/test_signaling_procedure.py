"""The wizard's console→citizen messages pass the relay's validation (stage, long notice)."""

from __future__ import annotations

import pytest

from officer_console.domain.procedure_text import NOTICE_MAX_CHARS
from officer_console.gateway.messages import BadMessage, parse_message


def validate_message(role: str, msg: dict[str, object]) -> dict[str, object]:
    """The relayed form, as the relay sends it on."""
    return parse_message(role, msg).relayed()


def test_stage_is_relayed_from_the_console_only() -> None:
    msg = {"type": "stage", "step": "notice", "title": "告知：请阅读拟处罚告知", "x": 1}
    assert validate_message("console", msg) == {
        "type": "stage",
        "step": "notice",
        "title": "告知：请阅读拟处罚告知",
    }
    with pytest.raises(BadMessage):
        validate_message("citizen", msg)
    with pytest.raises(BadMessage):
        validate_message("console", {"type": "stage"})


def test_notice_up_to_8000_chinese_characters() -> None:
    text = "告" * NOTICE_MAX_CHARS  # measured in characters, not in escaped JSON bytes
    assert validate_message("console", {"type": "notice", "text": text})["text"] == text
    with pytest.raises(BadMessage):
        validate_message("console", {"type": "notice", "text": text + "知"})
    title = "公安交通管理简易程序处罚决定书" * 6  # 90 characters
    assert validate_message("console", {"type": "document", "url": "/d/x", "title": title})
