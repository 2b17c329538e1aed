"""The signaling message contract other parts of the project rely on: types, senders and
limits (``gateway/messages.py``), and the rule that no gateway module imports ``app.py``."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from officer_console.gateway import messages as m

OK: list[tuple[str, dict[str, Any]]] = [
    ("citizen", {"type": "offer", "sdp": "v" * 65536}),
    ("console", {"type": "answer", "sdp": "v=0"}),
    ("console", {"type": "candidate", "candidate": None}),
    ("citizen", {"type": "bye"}),
    ("citizen", {"type": "signature", "png": "data:image/png;base64," + "A" * 900_000}),
    ("console", {"type": "request_signature", "prompt": "签" * 500}),
    ("console", {"type": "document", "url": "/api/v1/documents/" + "a" * 482, "title": "决" * 100}),
    ("console", {"type": "notice", "text": "告" * 8000}),
    *[("console", {"type": "stage", "step": s, "title": "询问"}) for s in m.STEPS],
]
BAD: list[tuple[str, dict[str, Any]]] = [
    ("citizen", {"type": "offer", "sdp": "v" * 65537}),
    ("console", {"type": "request_signature", "prompt": "签" * 501}),
    ("console", {"type": "document", "url": "u" * 501}),
    ("console", {"type": "document", "url": "/x", "title": "t" * 101}),
    ("console", {"type": "notice", "text": "告" * 8001}),
    ("console", {"type": "stage", "step": "appeal"}),
    ("console", {"type": "stage", "step": "done", "title": "t" * 101}),
    ("citizen", {"type": "stage", "step": "done"}),  # console only
    ("console", {"type": "signature", "png": "data:image/png;base64,AA"}),  # citizen only
    ("citizen", {"type": "signature", "png": "data:image/svg+xml;base64,AA"}),
    ("console", {"type": "notice", "text": 5}),
    ("console", {"type": "notice", "text": "\ud800"}),
]


@pytest.mark.parametrize(("role", "data"), OK)
def test_contract_accepts(role: str, data: dict[str, Any]) -> None:
    assert (
        m.parse_message(role, data).relayed()
        == data | ({} if data.get("candidate", 1) is not None else {"type": "candidate"})
        or data["type"] == "candidate"
    )


@pytest.mark.parametrize(("role", "data"), BAD)
def test_contract_refuses(role: str, data: dict[str, Any]) -> None:
    with pytest.raises(m.BadMessage):
        m.parse_message(role, data)


def test_senders_are_the_documented_ones() -> None:
    both = ("citizen", "console")
    assert {
        "offer": both,
        "answer": both,
        "candidate": both,
        "bye": both,
        "signature": ("citizen",),
        "request_signature": ("console",),
        "document": ("console",),
        "notice": ("console",),
        "stage": ("console",),
    } == m.MESSAGES


def test_no_gateway_module_imports_the_application_module() -> None:
    package = Path(m.__file__).parent
    for path in package.glob("*.py"):
        if path.name in ("app.py", "__init__.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = {a.name for a in node.names}
                assert node.module != "officer_console.gateway.app", path.name
                assert not (node.module == "officer_console.gateway" and "app" in names), path.name
