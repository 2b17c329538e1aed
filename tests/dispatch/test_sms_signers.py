"""Both signers reproduce the vendors' published worked examples exactly (docs/pitfalls.md), and the
client signers agree with the local gateway's independent verifiers on arbitrary input."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from officer_console.dispatch.sms.aliyun import acs3_sign, canonical_query
from officer_console.dispatch.sms.tencent import tc3_sign
from tests.servers.vendor_auth import check_acs3, check_tc3

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def test_acs3_matches_aliyun_worked_example() -> None:
    headers = {
        "x-acs-action": "RunInstances",
        "x-acs-version": "2014-05-26",
        "x-acs-date": "2023-10-26T10:22:32Z",
        "x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
        "x-acs-content-sha256": EMPTY_SHA256,
    }
    query = {
        "RegionId": "cn-shanghai",
        "ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
    }
    authorization, canonical, to_sign = acs3_sign(
        "POST",
        "ecs.cn-shanghai.aliyuncs.com",
        "/",
        query,
        headers,
        b"",
        "YourAccessKeyId",
        "YourAccessKeySecret",
    )
    assert canonical == (
        "POST\n/\n"
        "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n"
        "host:ecs.cn-shanghai.aliyuncs.com\n"
        "x-acs-action:RunInstances\n"
        f"x-acs-content-sha256:{EMPTY_SHA256}\n"
        "x-acs-date:2023-10-26T10:22:32Z\n"
        "x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n"
        "x-acs-version:2014-05-26\n\n"
        "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n"
        f"{EMPTY_SHA256}"
    )
    assert to_sign.startswith("ACS3-HMAC-SHA256\n")
    assert authorization == (
        "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,"
        "SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;"
        "x-acs-signature-nonce;x-acs-version,"
        "Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
    )


def test_acs3_signs_content_type_and_ignores_other_headers() -> None:
    _, canonical, _ = acs3_sign(
        "POST",
        "h",
        "/",
        {},
        {"Content-Type": "application/json", "X-ACS-Action": "A", "User-Agent": "x"},
        b"{}",
        "id",
        "secret",
    )
    assert "content-type;host;x-acs-action\n" in canonical
    assert "user-agent" not in canonical


def test_canonical_query_is_rfc3986() -> None:
    assert canonical_query({"b": "a b*~", "a": "济南+=&"}) == (
        "a=%E6%B5%8E%E5%8D%97%2B%3D%26&b=a%20b%2A~"
    )


def test_tc3_matches_tencent_worked_example() -> None:
    payload = (
        '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    )
    authorization, canonical, to_sign = tc3_sign(
        "POST",
        "cvm.tencentcloudapi.com",
        "/",
        "",
        {"content-type": "application/json; charset=utf-8"},
        payload.encode(),
        "cvm",
        1551113065,
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
    )
    assert canonical.startswith(
        "POST\n/\n\ncontent-type:application/json; charset=utf-8\n"
        "host:cvm.tencentcloudapi.com\n\ncontent-type;host\n"
    )
    assert to_sign.startswith("TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n")
    assert authorization == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/"
        "tc3_request, SignedHeaders=content-type;host, "
        "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)


@settings(max_examples=60, deadline=None)
@given(query=st.dictionaries(st.text("abcXYZ_-.~ *", min_size=1, max_size=8), _TEXT, max_size=5))
def test_acs3_agrees_with_independent_verifier(query: dict[str, str]) -> None:
    headers = {
        "x-acs-action": "SendSms",
        "x-acs-version": "2017-05-25",
        "x-acs-date": "2024-01-02T03:04:05Z",
        "x-acs-signature-nonce": "n",
        "x-acs-content-sha256": EMPTY_SHA256,
    }
    authorization, _, _ = acs3_sign("POST", "h:1", "/", query, headers, b"", "ak", "sk")
    received = {**headers, "host": "h:1", "authorization": authorization}
    now = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    raw_query = canonical_query(query)
    assert (
        check_acs3("POST", "/", raw_query, received, b"", secrets_by_key={"ak": "sk"}, now=now)
        == "ak"
    )


@settings(max_examples=60, deadline=None)
@given(body=_TEXT)
def test_tc3_agrees_with_independent_verifier(body: str) -> None:
    payload = body.encode()
    headers = {"content-type": "application/json; charset=utf-8", "x-tc-action": "SendSms"}
    authorization, _, _ = tc3_sign(
        "POST", "h:1", "/", "", headers, payload, "sms", 1_700_000_000, "id", "key"
    )
    received = {
        **headers,
        "host": "h:1",
        "authorization": authorization,
        "x-tc-timestamp": "1700000000",
    }
    verified = check_tc3(
        "POST", "/", "", received, payload, secrets_by_id={"id": "key"}, now=1_700_000_010
    )
    assert verified == "id"
