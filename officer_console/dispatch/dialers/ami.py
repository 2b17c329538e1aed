"""Asterisk AMI originate: the PBX rings the officer's extension, then dials the citizen.

AMI is a text protocol on TCP 5038: a banner line ``Asterisk Call Manager/x.y``, then messages
of ``Key: Value`` lines ended by a blank line. With ``Async: true`` the ``Originate`` action is
answered at once ("Originate successfully queued") and the outcome arrives later as an
``OriginateResponse`` event carrying our ActionID. That outcome describes the *first* leg — the
``Channel`` (the officer's extension): Success means the officer picked up and the dialplan is
now calling the citizen; a failure ``Reason`` is Asterisk's control code for that leg.

One short-lived connection per call keeps the client simple and leaves nothing to supervise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass, field

from officer_console.dispatch.dialers.ami_protocol import (
    BANNER_PREFIX,
    format_action,
    read_message,
    reason_text,
)
from officer_console.dispatch.dialers.base import (
    CallRequest,
    CallResult,
    Dialer,
    DialerError,
    check_token,
)
from officer_console.domain.errors import ValidationError
from officer_console.domain.masking import mask_phone
from officer_console.domain.validators import validate_mobile

__all__ = ["AmiConfig", "AmiDialer"]

log = logging.getLogger("officer_console.dispatch.dialers.ami")


@dataclass(frozen=True)
class AmiConfig:
    """PBX address, AMI account and the originate parameters of this site's dialplan."""

    host: str
    username: str
    secret: str = field(repr=False)
    port: int = 5038
    context: str = "from-internal"
    channel_template: str = "PJSIP/{extension}"
    dial_prefix: str = ""
    caller_id: str = '"Appt {appointment_id}" <{extension}>'
    ring_timeout: float = 30.0
    connect_timeout: float = 5.0
    response_timeout: float = 5.0
    event_grace: float = 10.0

    def __post_init__(self) -> None:
        if not self.host or not self.username or not self.secret:
            raise DialerError("未配置电话交换机（AMI）地址、用户名或密码。")
        if self.dial_prefix and not self.dial_prefix.isdigit():
            raise DialerError("外线前缀只能包含数字。")


class _Stage:
    CONNECT = "connect"
    LOGIN = "login"
    ORIGINATE = "originate"
    WAIT_EVENT = "wait_event"


class AmiDialer(Dialer):
    """Places calls by ``Originate`` on an Asterisk PBX through AMI."""

    name = "ami"

    def __init__(self, config: AmiConfig) -> None:
        self.config = config

    async def place_call(self, req: CallRequest) -> CallResult:
        try:
            number = validate_mobile(req.phone)
            ext = check_token(req.officer_extension, "民警分机号")
            appointment = check_token(req.appointment_id, "预约编号")
        except ValidationError as exc:
            return CallResult(
                "failed", f"手机号码无效，未发起呼叫：{exc.message}", False, "invalid"
            )
        except DialerError as exc:
            return CallResult("failed", f"未发起呼叫：{exc.message}", False, "invalid")
        cfg = self.config
        stage = _Stage.CONNECT
        masked = mask_phone(number)
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(cfg.host, cfg.port), cfg.connect_timeout
            )
        except (OSError, TimeoutError) as exc:
            log.warning("AMI connect to %s:%d failed: %s", cfg.host, cfg.port, type(exc).__name__)
            text = f"无法连接电话交换机（{cfg.host}:{cfg.port}），未发起呼叫，请稍后重试。"
            return CallResult("failed", text, True, f"connect: {type(exc).__name__}")
        logged_in = False
        try:
            stage = _Stage.LOGIN
            banner = await asyncio.wait_for(reader.readline(), cfg.response_timeout)
            if not banner.decode("utf-8", "replace").startswith(BANNER_PREFIX):
                text = "对端不是 Asterisk 电话交换机（AMI 握手失败），请联系管理员检查配置。"
                return CallResult("failed", text, False, "bad banner")
            login_id = f"oc-{uuid.uuid4().hex}"
            writer.write(
                format_action(
                    [
                        ("Action", "Login"),
                        ("ActionID", login_id),
                        ("Username", cfg.username),
                        ("Secret", cfg.secret),
                        ("Events", "call"),
                    ]
                )
            )
            login, _ = await self._await_response(reader, login_id, None)
            if login.get("response", "").lower() != "success":
                log.warning("AMI login refused for user %s", cfg.username)
                text = "登录电话交换机失败：AMI 用户名或密码错误，请联系管理员检查外呼配置。"
                return CallResult("failed", text, False, "login refused")
            logged_in = True
            stage = _Stage.ORIGINATE
            action_id = f"oc-{uuid.uuid4().hex}"
            writer.write(format_action(self._originate_fields(action_id, ext, number, appointment)))
            response, event = await self._await_response(reader, action_id, action_id)
            if response.get("response", "").lower() != "success":
                reason = response.get("message", "")[:80]
                log.warning("AMI originate refused: %s", reason)
                text = f"电话交换机拒绝了呼叫请求（{reason or '无说明'}），请联系管理员。"
                return CallResult("failed", text, False, f"originate error: {reason}")
            stage = _Stage.WAIT_EVENT
            if event is None:
                event = await asyncio.wait_for(
                    self._await_event(reader, action_id), cfg.ring_timeout + cfg.event_grace
                )
            return self._outcome(event, ext, masked)
        except TimeoutError:
            return self._timeout_result(stage)
        except (ConnectionError, OSError) as exc:
            log.warning("AMI connection lost during %s: %s", stage, type(exc).__name__)
            if stage in {_Stage.CONNECT, _Stage.LOGIN}:
                text = "与电话交换机的连接中断，未发起呼叫，请稍后重试。"
                return CallResult("failed", text, True, f"lost during {stage}")
            text = "与电话交换机的连接中断，呼叫状态未知。请先确认分机是否振铃，再决定是否重拨。"
            return CallResult("failed", text, False, f"lost during {stage}")
        finally:
            await self._close(reader, writer, logged_in)

    def _originate_fields(
        self, action_id: str, ext: str, number: str, appointment: str
    ) -> list[tuple[str, str]]:
        cfg = self.config
        caller_id = cfg.caller_id.format(appointment_id=appointment, extension=ext)
        return [
            ("Action", "Originate"),
            ("ActionID", action_id),
            ("Channel", cfg.channel_template.format(extension=ext)),
            ("Exten", f"{cfg.dial_prefix}{number}"),
            ("Context", cfg.context),
            ("Priority", "1"),
            ("CallerID", caller_id),
            ("Timeout", str(int(cfg.ring_timeout * 1000))),
            ("Async", "true"),
            ("Variable", f"OFFICER_CONSOLE_APPOINTMENT={appointment}"),
        ]

    async def _await_response(
        self, reader: asyncio.StreamReader, action_id: str, event_id: str | None
    ) -> tuple[dict[str, str], dict[str, str] | None]:
        """The response to ``action_id``; an early OriginateResponse for ``event_id`` is kept."""

        async def wait() -> tuple[dict[str, str], dict[str, str] | None]:
            early: dict[str, str] | None = None
            while True:
                message = await read_message(reader)
                if message.get("actionid") != action_id:
                    continue
                if "response" in message and "event" not in message:
                    return message, early
                if event_id and message.get("event", "").lower() == "originateresponse":
                    early = message

        return await asyncio.wait_for(wait(), self.config.response_timeout)

    @staticmethod
    async def _await_event(reader: asyncio.StreamReader, action_id: str) -> dict[str, str]:
        while True:
            message = await read_message(reader)
            if (
                message.get("event", "").lower() == "originateresponse"
                and message.get("actionid") == action_id
            ):
                return message

    @staticmethod
    def _outcome(event: dict[str, str], ext: str, masked: str) -> CallResult:
        reason = event.get("reason", "")
        if event.get("response", "").lower() == "success":
            log.info("AMI originate answered on extension %s, calling %s", ext, masked)
            text = f"分机 {ext} 已接通，正在呼叫群众 {masked}。"
            return CallResult("originated", text, True, f"reason {reason}")
        log.info("AMI originate failed on extension %s: reason %s", ext, reason)
        return CallResult("failed", reason_text(reason, ext), True, f"reason {reason}")

    def _timeout_result(self, stage: str) -> CallResult:
        log.warning("AMI timed out during %s", stage)
        if stage == _Stage.LOGIN:
            text = "电话交换机无响应（登录超时），未发起呼叫，请稍后重试。"
            return CallResult("failed", text, True, "timeout during login")
        if stage == _Stage.ORIGINATE:
            text = "电话交换机未确认呼叫请求，呼叫状态未知。请先确认分机是否振铃，再决定是否重拨。"
            return CallResult("failed", text, False, "timeout during originate")
        text = "已提交呼叫，但未在规定时间内收到呼叫结果。请确认分机是否振铃，再决定是否重拨。"
        return CallResult("failed", text, False, "timeout waiting for OriginateResponse")

    async def _close(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, logged_in: bool
    ) -> None:
        """Log off politely when possible, then close; never raises."""
        try:
            if logged_in and not writer.is_closing():
                logoff_id = f"oc-{uuid.uuid4().hex}"
                writer.write(format_action([("Action", "Logoff"), ("ActionID", logoff_id)]))
                await asyncio.wait_for(
                    self._drain_until_goodbye(reader, logoff_id),
                    min(1.0, self.config.response_timeout),
                )
        except (TimeoutError, ConnectionError, OSError):
            pass
        writer.close()
        with contextlib.suppress(TimeoutError, ConnectionError, OSError):
            await asyncio.wait_for(writer.wait_closed(), 1.0)

    @staticmethod
    async def _drain_until_goodbye(reader: asyncio.StreamReader, logoff_id: str) -> None:
        while True:
            message = await read_message(reader)
            if message.get("actionid") == logoff_id and "response" in message:
                return
