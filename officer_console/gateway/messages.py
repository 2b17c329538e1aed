"""Every WebSocket message of the signaling protocol, declared once (pydantic v2, strict).

The relay validates each frame against these models and forwards only the validated fields
(``relayed``); ``gateway.openapi`` publishes their JSON schema. Other parts of the project
rely on these types and limits: ``offer``/``answer`` (sdp ≤ 65536), ``candidate``, ``bye``,
``signature`` (citizen → console, PNG data URL ≤ ~1 MB), ``request_signature`` (prompt ≤ 500;
optional ``title`` ≤ 100 and ``document`` ≤ 8,000: the record being signed),
``document`` (url ≤ 500, title ≤ 100), ``notice`` (text ≤ 8000) and ``stage`` (the procedure
step shown on the citizen page).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, ClassVar, Literal

from annotated_types import MaxLen, MinLen
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

from officer_console.gateway.fields import Text

MAX_MESSAGE = 1 << 20  # one WebSocket frame; a signature PNG data URL stays below this
MAX_SDP = 65536
MAX_DEPTH = 8  # no message needs deeper JSON than this
PNG_PATTERN = r"^data:image/png;base64,[A-Za-z0-9+/=]*$"
STEPS = ("inquiry", "notice", "ruling", "confirmation", "service", "done")
BOTH = ("citizen", "console")


class Message(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)
    #: roles that may send this type (a class variable: never read from the frame)
    senders: ClassVar[tuple[str, ...]] = BOTH

    def relayed(self) -> dict[str, Any]:
        """The forwarded form: only validated fields, absent optional ones left out."""
        return self.model_dump(exclude_none=True)


class Hello(BaseModel):
    """First frame on a socket: authenticates the console (secret) or the citizen (token)."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)
    type: Literal["hello"]
    role: Literal["console", "citizen"]
    secret: Annotated[Text, MaxLen(512)] | None = None
    token: Annotated[Text, MaxLen(512)] | None = None


class Ping(Message):
    """Keep-alive; an ``id`` is echoed in the pong (clients measure round trips with it)."""

    type: Literal["ping"]
    id: Annotated[int, Field(ge=0, le=2**53)] | None = None


class Offer(Message):
    type: Literal["offer"]
    sdp: Annotated[Text, MinLen(1), MaxLen(MAX_SDP)]


class Answer(Message):
    type: Literal["answer"]
    sdp: Annotated[Text, MinLen(1), MaxLen(MAX_SDP)]


class IceCandidate(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)
    candidate: Annotated[Text, MaxLen(4096)] = ""
    sdpMid: Annotated[Text, MaxLen(64)] | None = None  # noqa: N815 - browser names
    sdpMLineIndex: Annotated[int, Field(ge=0, le=1024)] | None = None  # noqa: N815
    usernameFragment: Annotated[Text, MaxLen(256)] | None = None  # noqa: N815


class Candidate(Message):
    type: Literal["candidate"]
    candidate: IceCandidate | None = None


class Bye(Message):
    type: Literal["bye"]
    reason: Annotated[Text, MaxLen(200)] | None = None


class Signature(Message):
    type: Literal["signature"]
    senders: ClassVar[tuple[str, ...]] = ("citizen",)
    png: Annotated[Text, MaxLen(MAX_MESSAGE - 1024), StringConstraints(pattern=PNG_PATTERN)]


class RequestSignature(Message):
    """``title``/``document``: the record being signed, shown above the pad (issue 20)."""

    type: Literal["request_signature"]
    senders: ClassVar[tuple[str, ...]] = ("console",)
    prompt: Annotated[Text, MaxLen(500)] | None = None
    title: Annotated[Text, MaxLen(100)] | None = None
    document: Annotated[Text, MaxLen(8000)] | None = None


class Document(Message):
    type: Literal["document"]
    senders: ClassVar[tuple[str, ...]] = ("console",)
    url: Annotated[Text, MinLen(1), MaxLen(500)]
    title: Annotated[Text, MaxLen(100)] | None = None


class Notice(Message):
    type: Literal["notice"]
    senders: ClassVar[tuple[str, ...]] = ("console",)
    text: Annotated[Text, MaxLen(8000)] | None = None


class Stage(Message):
    type: Literal["stage"]
    senders: ClassVar[tuple[str, ...]] = ("console",)
    step: Literal["inquiry", "notice", "ruling", "confirmation", "service", "done"]
    title: Annotated[Text, MaxLen(100)] | None = None


ClientMessage = Annotated[
    Ping
    | Offer
    | Answer
    | Candidate
    | Bye
    | Signature
    | RequestSignature
    | Document
    | Notice
    | Stage,
    Field(discriminator="type"),
]
RELAYED_TYPES = (
    Offer,
    Answer,
    Candidate,
    Bye,
    Signature,
    RequestSignature,
    Document,
    Notice,
    Stage,
)
#: type → roles allowed to send it (the contract other parts of the project read)
MESSAGES: dict[str, tuple[str, ...]] = {
    m.model_fields["type"].annotation.__args__[0]: m.senders  # type: ignore[union-attr]
    for m in RELAYED_TYPES
}
_CLIENT = TypeAdapter(ClientMessage)
_HELLO = TypeAdapter(Hello)


class BadMessage(Exception):
    """A frame that is not a valid message; the text is safe to send back (no input)."""


def _depth_ok(value: Any, depth: int = 0) -> bool:
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, dict):
        return all(_depth_ok(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return all(_depth_ok(v, depth + 1) for v in value)
    return True


def decode(raw: str) -> Any:
    """JSON text → Python, refusing what ``json`` cannot take safely (depth, huge ints)."""
    if raw.count("[") + raw.count("{") > MAX_DEPTH and _too_nested(raw):
        raise BadMessage("消息嵌套过深")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # JSONDecodeError, int digit limit, depth
        raise BadMessage("消息不是有效的JSON") from None
    if not _depth_ok(data):
        raise BadMessage("消息嵌套过深")
    return data


def _too_nested(raw: str) -> bool:
    """Cheap pre-check so 100,000 nested brackets never reach the recursive parser."""
    depth = 0
    in_string = escaped = False
    for char in raw:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _reason(exc: ValidationError) -> str:
    first = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(p) for p in first["loc"] if isinstance(p, str))
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return "未知的消息类型"
    if first["type"] == "missing":
        return f"缺少 {where}"
    return f"{where} 类型或长度不正确" if where else "消息格式不正确"


def parse_hello(data: Any) -> Hello:
    if not isinstance(data, dict) or data.get("type") != "hello":
        raise BadMessage("第一条消息应为 hello")
    try:
        hello = _HELLO.validate_python(data)
    except ValidationError:
        raise BadMessage("hello 需要 role 与 secret（民警端）或 token（群众端）") from None
    if (hello.secret if hello.role == "console" else hello.token) is None:
        raise BadMessage("hello 需要 role 与 secret（民警端）或 token（群众端）")
    return hello


def parse_message(role: str, data: Any) -> Message:
    """The validated message ``data`` from ``role``; raises BadMessage with a safe reason."""
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise BadMessage("消息应为带 type 字段的JSON对象")
    try:
        message: Message = _CLIENT.validate_python(data)
    except ValidationError as exc:
        raise BadMessage(_reason(exc)) from None
    if role not in message.senders:
        raise BadMessage(f"{role} 不能发送该类型的消息")
    return message


def schemas() -> dict[str, Any]:
    """JSON schema of every message, for the OpenAPI document's components."""
    out: dict[str, Any] = {"Hello": _HELLO.json_schema()}
    for model in (Ping, *RELAYED_TYPES):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schema["x-senders"] = list(model.senders)
        out.update(schema.pop("$defs", {}))
        out[f"Ws{model.__name__}"] = schema
    return out
