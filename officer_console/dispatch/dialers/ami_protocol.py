"""AMI wire format: actions out, messages in, and the meaning of ``Reason`` codes.

Messages are ``Key: Value`` lines ended by a blank line. Values are checked for CR/LF because
one embedded line break would let a crafted value inject a second action.
"""

from __future__ import annotations

import asyncio

from officer_console.dispatch.dialers.base import DialerError

__all__ = ["BANNER_PREFIX", "format_action", "read_message", "reason_text"]

BANNER_PREFIX = "Asterisk Call Manager/"


def format_action(fields: list[tuple[str, str]]) -> bytes:
    """Encode one AMI action; CR/LF in a value would inject a second action, so refuse it."""
    lines = []
    for key, value in fields:
        if "\r" in value or "\n" in value or "\r" in key or "\n" in key:
            raise DialerError("AMI 参数中不能包含换行符。")
        lines.append(f"{key}: {value}\r\n")
    return ("".join(lines) + "\r\n").encode()


async def read_message(reader: asyncio.StreamReader) -> dict[str, str]:
    """Read one message; keys are lower-cased (AMI keys are case-insensitive)."""
    message: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("AMI connection closed")
        text = line.decode("utf-8", "replace").rstrip("\r\n")
        if not text:
            if message:
                return message
            continue
        key, sep, value = text.partition(":")
        if sep:
            message.setdefault(key.strip().lower(), value.strip())


def reason_text(reason: str, ext: str) -> str:
    """Chinese text for a failed ``OriginateResponse``.

    ``Reason`` is Asterisk's control code for the first leg (the officer's extension):
    0 failure (no such channel, unregistered), 1 hangup, 3 ringing until ``Timeout`` (no
    answer), 4 answered, 5 busy, 8 congestion.
    """
    texts = {
        "0": f"PBX 无法呼叫分机 {ext}（分机不存在、未注册或线路故障），请确认话机已登录后重试。",
        "1": f"分机 {ext} 挂断了呼叫，未接通群众。",
        "3": f"分机 {ext} 振铃超时无人接听，未接通群众。",
        "5": f"分机 {ext} 正忙，请结束当前通话后重试。",
        "8": "线路拥塞，电话交换机暂时无法呼叫，请稍后重试。",
    }
    return "呼叫失败：" + texts.get(reason, f"电话交换机报告失败（原因码 {reason or '无'}）。")
