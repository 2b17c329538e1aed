"""Schema-driven fuzzing: hypothesis builds requests from the served OpenAPI document —
valid shapes, wrong types, junk and edge values, and hostile ones (lone surrogates, huge
integers, deep nesting, oversized strings, raw JSON literals json cannot take) — against a
live gateway on both databases. Nothing may answer 5xx, every error is the JSON error shape,
every 429 carries Retry-After, and a rejected request leaves the database as it was."""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.gateway.openapi import document
from officer_console.gateway.ratelimit import Limit, Limits
from officer_console.store.db.models import Appointment, AppointmentViolation, Citizen, VideoSession
from tests.gateway.world import NOW, build_world, live_gateway, settings_for

SPEC = document()
JUNK = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)
HEADER_TEXT = st.text(alphabet=string.ascii_letters + string.digits + "_-!.", max_size=70)


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return dict(SPEC["components"]["schemas"][name])
    return schema


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    schema = resolve(schema)
    if "anyOf" in schema:
        return st.one_of([from_schema(option) for option in schema["anyOf"]])
    kind = schema.get("type")
    if kind == "null":
        return st.none()
    if kind == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {k: from_schema(v) for k, v in props.items() if k in required},
            optional={k: from_schema(v) for k, v in props.items() if k not in required},
        )
    if kind == "array":
        return st.lists(from_schema(schema["items"]), max_size=schema.get("maxItems", 5) + 2)
    if kind == "integer":
        return st.integers(min_value=-(2**63), max_value=2**63) | st.integers(-3, 40)
    if kind == "boolean":
        base: st.SearchStrategy[Any] = st.booleans()
    elif schema.get("format") == "date":
        base = st.dates().map(lambda d: d.isoformat()) | st.text(max_size=12)
    elif schema.get("format") == "date-time":
        moments = st.integers(-5, 5).map(lambda d: NOW + timedelta(days=d, minutes=30 * (d % 7)))
        base = moments.map(lambda m: m.isoformat()) | st.datetimes(
            min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
        ).map(lambda d: d.isoformat())
    elif "enum" in schema:
        base = st.sampled_from(schema["enum"]) | st.text(max_size=8)
    elif "pattern" in schema:
        base = st.from_regex(schema["pattern"], fullmatch=True) | st.text(max_size=20)
    else:
        limit = schema.get("maxLength", 40)
        base = st.text(max_size=limit + 4) | st.sampled_from(
            ["13800000000", "11010519491231002X", "鲁A10001", "张三", "", "\x00", "0" * 20]
        )
    return base | st.none() if schema.get("nullable") else base


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op) for path, item in SPEC["paths"].items() for method, op in item.items()
    ]


@st.composite
def requests_for(draw: st.DrawFn) -> tuple[str, str, dict[str, str], Any]:
    method, template, op = draw(st.sampled_from(operations()))
    path, query, headers = template, {}, {}
    for param in op.get("parameters", []):
        schema = param["schema"]
        if param["in"] == "path":
            value = draw(from_schema(schema).map(str) | st.text(min_size=1, max_size=20))
            path = path.replace("{" + param["name"] + "}", quote(value, safe="") or "x")
        elif param["in"] == "query" and draw(st.booleans() | st.just(True)):
            query[param["name"]] = str(draw(from_schema(schema)))
        elif param["in"] == "header":
            openid = draw(st.sampled_from(["openid-0001", "openid-0002", ""]) | HEADER_TEXT)
            if openid:
                headers[param["name"]] = openid
    body: Any = None
    if "requestBody" in op:
        content = op["requestBody"]["content"]  # non-JSON bodies (PDF upload) get JSON: a 415
        schema = content.get("application/json", {"schema": {"type": "string"}})["schema"]
        body = draw(from_schema(schema) | JUNK)
    if query:
        path += "?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in query.items())
    return method, path, headers, body


@pytest.fixture
def base_url(factory: sessionmaker[Session], tmp_path: Path) -> Iterator[str]:
    build_world(factory)
    with live_gateway(factory, settings_for(tmp_path)) as url:
        yield url


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=requests_for())
def test_no_5xx_and_json_errors(
    base_url: str, request: tuple[str, str, dict[str, str], Any]
) -> None:
    method, path, headers, body = request
    resp = requests.request(
        method.upper(),
        base_url + path,
        headers=headers,
        json=body if body is not None else None,
        timeout=30,
    )
    assert resp.status_code < 500, (method, path, body, resp.text)
    if resp.status_code >= 400:
        error = resp.json()["error"]
        assert (
            isinstance(error["code"], str)
            and isinstance(error["message"], str)
            and error["message"]
        )


HOSTILE_STR = st.one_of(
    st.text(max_size=30),
    st.text(st.characters(categories=["Cs", "Cc", "Co"]), max_size=6),
    st.sampled_from(
        ["\ud800", "\x00", "鲁A10001\udfff", "9999-12-31", "0001-01-01T00:00:00+00:00"]
    ),
    st.integers(30, 70_000).map(lambda n: "x" * n),
)
HOSTILE_SCALAR = st.one_of(
    HOSTILE_STR,
    st.integers(),
    st.integers(min_value=10**30),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)
HOSTILE_VALUE = st.recursive(
    HOSTILE_SCALAR,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=6,
)
RAW_TAILS = ["9" * 5000, "[" * 3000 + "]" * 3000, "1e999", '"\\ud800"', "-0", "[" * 40 + "]" * 40]


@st.composite
def hostile_requests(draw: st.DrawFn) -> tuple[str, str, dict[str, str], bytes | None]:
    method, template, op = draw(st.sampled_from(operations()))
    path, query = template, {}
    for param in op.get("parameters", []):
        if param["in"] == "path":
            value = draw(st.one_of(HOSTILE_STR, st.integers().map(str)))
            raw = quote(value.encode("utf-8", "surrogatepass"), safe="")
            path = path.replace("{" + param["name"] + "}", raw or "x")
        elif param["in"] == "query":
            query[param["name"]] = draw(HOSTILE_STR)
    headers = {"X-WeChat-OpenId": draw(st.sampled_from(["openid-0001", "openid-0002"]))}
    body: bytes | None = None
    if "requestBody" in op:
        schema = resolve(op["requestBody"]["content"]["application/json"]["schema"])
        fields = list(schema.get("properties", {}))
        obj = {
            name: draw(HOSTILE_VALUE)
            for name in draw(st.lists(st.sampled_from(fields), max_size=5, unique=True))
        }
        text = json.dumps(obj)  # ASCII: lone surrogates travel as escapes
        if obj and draw(st.booleans()):
            name = draw(st.sampled_from(sorted(obj)))
            text = text.replace(
                json.dumps(name) + ": " + json.dumps(obj[name]),
                json.dumps(name) + ": " + draw(st.sampled_from(RAW_TAILS)),
                1,
            )
        body = text.encode()
        headers["Content-Type"] = "application/json"
    if query:
        path += "?" + "&".join(
            f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'))}" for k, v in query.items()
        )
    return method, path, headers, body


def _counts(factory: sessionmaker[Session]) -> tuple[int, ...]:
    with factory() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(model)) or 0
            for model in (Appointment, Citizen, AppointmentViolation, VideoSession)
        )


@pytest.fixture
def hostile_target(factory: sessionmaker[Session], tmp_path: Path) -> Iterator[tuple[str, Any]]:
    build_world(factory)
    tight = Limits(
        Limit(10**9, 60), Limit(10**9, 60), Limit(10**9, 60), Limit(3, 60), Limit(10**9, 60)
    )
    with live_gateway(factory, settings_for(tmp_path), limits=tight) as url:
        yield url, factory


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=hostile_requests())
def test_hostile_requests_never_5xx_and_change_nothing(
    hostile_target: tuple[str, Any], request: tuple[str, str, dict[str, str], bytes | None]
) -> None:
    base_url, factory = hostile_target
    method, path, headers, body = request
    before = _counts(factory)
    resp = requests.request(method.upper(), base_url + path, headers=headers, data=body, timeout=30)
    assert resp.status_code < 500, (method, path, body, resp.text)
    if resp.status_code >= 400:
        assert resp.headers["Content-Type"].startswith("application/json")
        error = resp.json()["error"]
        assert isinstance(error["code"], str) and error["message"]
        assert "\ud800" not in error["message"]
        if resp.status_code == 429:
            assert int(resp.headers["Retry-After"]) > 0
        assert _counts(factory) == before, (method, path)
