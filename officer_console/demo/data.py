"""Generators of realistic Jinan (济南) demo values: names, ID numbers, phones, plates, roads.

Everything is drawn from a caller-owned ``random.Random`` so a seed reproduces the data, and
every generated value is checked with the same validators the booking path uses.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from officer_console.domain.booking import SlotTemplate
from officer_console.domain.catalogue import CatalogueEntry
from officer_console.domain.dates import anniversary
from officer_console.domain.procedure_text import default_review_body
from officer_console.domain.validators import (
    validate_id_number,
    validate_mobile,
    validate_name,
    validate_plate,
)

__all__ = [
    "CODE_WEIGHTS",
    "DISTRICTS",
    "EXPRESSWAY_LOCATIONS",
    "ID_DIVISIONS",
    "INSPECTION_YEARS",
    "INTERSECTIONS",
    "LICENCE_CLASSES",
    "VEHICLE_KINDS",
    "District",
    "Draws",
    "UniqueDraw",
    "account_plan",
    "address",
    "citizen_and_licence",
    "first_issue_for_cycle_end",
    "id_number",
    "licence_valid_until",
    "officer_rows",
    "openid",
    "person_name",
    "phone",
    "plate",
    "registration_for_due",
    "schedule_rows",
    "squad_row",
    "vehicle",
    "violation_location",
    "violation_row",
]


@dataclass(frozen=True)
class District:
    code: str  # 6-digit administrative division code
    name: str  # 历下区
    streets: tuple[str, ...]

    @property
    def squad_name(self) -> str:
        return f"{self.name}大队"


DISTRICTS: tuple[District, ...] = (
    District("370102", "历下区", ("文化东路", "解放路", "历山路", "和平路", "燕子山路", "山大路")),
    District("370103", "市中区", ("经四路", "经七路", "英雄山路", "纬二路", "舜耕路", "民生大街")),
    District("370104", "槐荫区", ("经十路", "纬十二路", "阳光新路", "腊山河西路", "经二路")),
    District("370105", "天桥区", ("北园大街", "济泺路", "堤口路", "无影山中路", "标山路")),
    District("370112", "历城区", ("花园路", "工业北路", "二环东路", "华山路", "洪家楼南路")),
    District("370113", "长清区", ("大学路", "清河街", "长清湖路", "龙泉街", "紫薇路")),
)

# Divisions of 济南市 used for the address code (first six digits) of citizens' ID numbers.
ID_DIVISIONS = (
    *(d.code for d in DISTRICTS),
    "370114",  # 章丘区
    "370115",  # 济阳区
    "370116",  # 莱芜区
    "370117",  # 钢城区
    "370124",  # 平阴县
    "370126",  # 商河县
)

INTERSECTIONS = (
    "经十路与舜耕路交叉口",
    "经十路与历山路交叉口",
    "经十路与山大路交叉口",
    "经十路与奥体中路交叉口",
    "经十路与二环西路交叉口",
    "经十路与阳光新路交叉口",
    "泺源大街与历山路交叉口",
    "泉城路与舜井街交叉口",
    "解放路与历山路交叉口",
    "和平路与山大路交叉口",
    "文化东路与山大南路交叉口",
    "二环东路与花园路交叉口",
    "北园大街与济泺路交叉口",
    "北园大街与历山北路交叉口",
    "经七路与纬二路交叉口",
    "经七路与纬十二路交叉口",
    "经四路与纬四路交叉口",
    "英雄山路与二环南路交叉口",
    "工业南路与奥体中路交叉口",
    "旅游路与奥体中路交叉口",
    "工业北路与花园路交叉口",
    "千佛山路与文化西路交叉口",
    "黑虎泉北路与明湖东路交叉口",
    "顺河高架路与泺源大街匝道口",
    "大学路与紫薇路交叉口",
)

EXPRESSWAY_LOCATIONS = (
    "G2京沪高速济南段K415+300",
    "G20青银高速济南段K338+600",
    "G2001济南绕城高速K52+100",
    "G3京台高速济南段K421+800",
)

ISSUING_AUTHORITY = "山东省济南市公安局交通警察支队"
# Licence class → (share of drivers in percent, minimum age at first issue).
LICENCE_CLASSES: dict[str, tuple[int, int]] = {
    "C1": (70, 18),
    "C2": (15, 18),
    "B2": (8, 21),
    "A1": (7, 26),
}
# Licence class → vehicles its holders drive: (vehicle type, inspection class, plate kind).
VEHICLE_KINDS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "C1": (
        ("小型轿车", "private_small", "ordinary"),
        ("小型普通客车", "private_small", "ordinary"),
        ("小型轿车", "private_small", "nev_small"),
    ),
    "C2": (("小型轿车", "private_small", "ordinary"), ("小型轿车", "private_small", "nev_small")),
    "B2": (("重型厢式货车", "truck", "ordinary"), ("中型厢式货车", "truck", "nev_large")),
    "A1": (
        ("大型普通客车", "commercial_passenger", "ordinary"),
        ("大型普通客车", "commercial_passenger", "nev_large"),
    ),
}
# Inspection class → years after registration at which an inspection falls due (dates.py).
INSPECTION_YEARS: dict[str, tuple[int, ...]] = {
    "private_small": (2, 4, 6, 8, 10, 11, 12, 13),
    "truck": tuple(range(1, 11)),
    "commercial_passenger": (1, 2, 3, 4, 5),
}
# How often each catalogue code shows up in the demo (codes not listed: 2).
CODE_WEIGHTS = {"1625": 6, "1352": 8, "1344": 5, "1345": 5, "1208": 6, "1039": 6, "1223": 4}
CODE_WEIGHTS |= {"1101": 4, "1019": 3, "1205": 3, "1721": 1, "1329": 1, "4008": 1}

_SURNAMES = "王张李刘陈杨赵孙周吴徐马高朱胡郭林何宋郑韩曹邢冯于董程袁许吕田丁魏崔潘任房姜谭"
_MALE = "建国 志强 海涛 国栋 文博 浩然 子轩 明远 立伟 庆华 传忠 宝山 永刚 晓东 振华 鹏 磊 强 军 伟 勇 超 凯 鑫"
_FEMALE = (
    "秀英 丽娟 晓燕 雪梅 淑芬 海燕 婷婷 雨欣 思琪 梦瑶 欣怡 静 敏 丽 娜 颖 芳 倩 慧 玲 媛 洁 璐 蕾"
)
# Mobile prefixes of the three carriers (the fourth digit onwards is random).
_PHONE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
]
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # GA 36: no I, no O
_OPENID_CHARS = string.ascii_letters + string.digits + "-_"


class UniqueDraw:
    """Keeps drawing until a value not seen before comes up (IDs, phones, plates, openids)."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def take(self, make: Callable[[], str]) -> str:
        for _ in range(1000):
            value = make()
            if value not in self._seen:
                self._seen.add(value)
                return value
        raise RuntimeError("demo value space exhausted")


def person_name(rng: random.Random, *, male: bool) -> str:
    given = rng.choice((_MALE if male else _FEMALE).split())
    return validate_name(rng.choice(_SURNAMES) + given)


def id_number(rng: random.Random, birth: date, *, male: bool, today: date) -> str:
    """A GB 11643 number: Jinan division + birth date + sequence (odd = male) + check char."""
    division = rng.choice(ID_DIVISIONS)
    sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)
    body = f"{division}{birth:%Y%m%d}{sequence:03d}"
    total = sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True))
    return validate_id_number(body + "10X98765432"[total % 11], today=today)


def phone(rng: random.Random) -> str:
    return validate_mobile(rng.choice(_PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}")


def openid(rng: random.Random) -> str:
    """WeChat openids are 28 characters; demo ones are recognisable by their ``oDemo`` prefix."""
    return "oDemo" + "".join(rng.choice(_OPENID_CHARS) for _ in range(23))


def address(rng: random.Random, district: District) -> str:
    street = rng.choice(district.streets)
    return f"山东省济南市{district.name}{street}{rng.randint(1, 300)}号"


def plate(rng: random.Random, kind: str) -> str:
    """``ordinary`` 鲁A12345 / 鲁A3B512, ``nev_small`` 鲁AD12345, ``nev_large`` 鲁A12345D."""
    if kind == "ordinary":
        serial = [rng.choice(string.digits) for _ in range(5)]
        for _ in range(rng.choice((0, 0, 1, 2))):
            serial[rng.randrange(5)] = rng.choice(_PLATE_LETTERS)
        value = "鲁A" + "".join(serial)
    elif kind == "nev_small":
        second = rng.choice(_PLATE_LETTERS + string.digits * 3)
        value = f"鲁A{rng.choice('DF')}{second}{rng.randrange(10**4):04d}"
    elif kind == "nev_large":
        value = f"鲁A{rng.randrange(10**5):05d}{rng.choice('DF')}"
    else:
        raise ValueError(f"unknown plate kind {kind!r}")
    return validate_plate(value)


@dataclass
class Draws:
    """Unique-value pools of one demo run."""

    ids: UniqueDraw = field(default_factory=UniqueDraw)
    phones: UniqueDraw = field(default_factory=UniqueDraw)
    openids: UniqueDraw = field(default_factory=UniqueDraw)
    plates: UniqueDraw = field(default_factory=UniqueDraw)
    files: UniqueDraw = field(default_factory=UniqueDraw)
    names: UniqueDraw = field(default_factory=UniqueDraw)


def violation_location(rng: random.Random, code: str) -> str:
    """An intersection of a Jinan road, or an expressway kilometre post for expressway codes."""
    return rng.choice(EXPRESSWAY_LOCATIONS if code == "4008" else INTERSECTIONS)


def licence_valid_until(first_issue: date, today: date) -> date | None:
    """Licence validity 6 → 10 years → long-term ([SSTL] 26); ``None`` is 长期."""
    held = (today - first_issue).days // 365
    if held < 6:
        return anniversary(first_issue, first_issue.year + 6)
    if held < 16:
        return anniversary(first_issue, first_issue.year + 16)
    return None


def citizen_and_licence(
    rng: random.Random,
    draws: Draws,
    district: District,
    *,
    licence_class: str,
    first_issue: date,
    cycle_points: int,
    today: date,
    bound_at: datetime,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A citizen (born old enough for ``licence_class``) and their licence, as insert rows."""
    age = LICENCE_CLASSES[licence_class][1] + rng.randint(0, 12)
    birth = anniversary(first_issue, first_issue.year - age) - timedelta(days=rng.randint(0, 360))
    male = rng.random() < 0.72
    number = draws.ids.take(lambda: id_number(rng, birth, male=male, today=today))
    citizen = {
        "name": draws.names.take(lambda: person_name(rng, male=male)),
        "id_number": number,
        "phone": draws.phones.take(lambda: phone(rng)),
        "wechat_openid": draws.openids.take(lambda: openid(rng)),
        "address": address(rng, district),
        "bound_at": bound_at,
        "created_at": bound_at,
    }
    licence = {
        "licence_number": number,  # the licence number is the ID number
        "licence_class": licence_class,
        "file_number": draws.files.take(lambda: f"3701{rng.randrange(10**8):08d}"),
        "first_issue_date": first_issue,
        "valid_until": licence_valid_until(first_issue, today),
        "issuing_authority": ISSUING_AUTHORITY,
        "cycle_points": cycle_points,
    }
    return citizen, licence


def vehicle(
    rng: random.Random,
    draws: Draws,
    kind: tuple[str, str, str],
    *,
    registration: date,
    inspection_valid_until: date,
) -> dict[str, Any]:
    vehicle_type, vehicle_class, plate_kind = kind
    return {
        "plate": draws.plates.take(lambda: plate(rng, plate_kind)),
        "vehicle_type": vehicle_type,
        "vehicle_class": vehicle_class,
        "registration_date": registration,
        "inspection_valid_until": inspection_valid_until,
    }


def first_issue_for_cycle_end(rng: random.Random, cycle_end: date) -> date:
    """A licence first-issue date whose scoring cycle ends on ``cycle_end`` (dates.py rule:
    the cycle ends the day before an anniversary), 1–24 years back."""
    next_anniversary = cycle_end + timedelta(days=1)
    for years in rng.sample(range(1, 25), 24):
        candidate = anniversary(next_anniversary, next_anniversary.year - years)
        if candidate.day == next_anniversary.day:  # a 29 February needs a leap year
            return candidate
    raise AssertionError("unreachable: some year in 24 is a leap year")


def registration_for_due(rng: random.Random, due: date, vehicle_class: str) -> date:
    """A registration date whose statutory inspection falls due in ``due``'s month."""
    years = rng.choice(INSPECTION_YEARS[vehicle_class])
    return date(due.year - years, due.month, rng.randint(1, 28))


def squad_row(district: District, tz: str) -> dict[str, Any]:
    unit_name = f"济南市公安局交通警察支队{district.squad_name}"
    return {
        "code": district.code,
        "name": district.squad_name,
        "division_code": district.code,
        "timezone": tz,
        "unit_name": unit_name,
        # DOMAIN.md: since the revised 行政复议法 (2024-01-01) the people's government
        "review_authority": default_review_body(unit_name),
        "court": f"济南市{district.name}人民法院",
        "active": True,
    }


def account_plan(rng: random.Random) -> list[tuple[str, str, str, District | None]]:
    """(police number, name, role, squad district): admin, auditor, and per squad one shift
    lead (…010) and three officers (…001–003)."""
    names = UniqueDraw()
    plan: list[tuple[str, str, str, District | None]] = [
        (role, names.take(lambda: person_name(rng, male=True)), role, None)
        for role in ("admin", "auditor")
    ]
    for district in DISTRICTS:
        for number, role in ((10, "shift_lead"), (1, "officer"), (2, "officer"), (3, "officer")):
            name = names.take(lambda: person_name(rng, male=rng.random() < 0.8))
            plan.append((f"{district.code}{number:03d}", name, role, district))
    return plan


def schedule_rows(squad_id: int, templates: list[SlotTemplate]) -> list[dict[str, Any]]:
    return [
        {
            "squad_id": squad_id,
            "weekday": t.weekday,
            "start_time": t.start,
            "end_time": t.end,
            "slot_minutes": t.slot_minutes,
            "capacity": t.capacity,
            "active": True,
        }
        for t in templates
    ]


def officer_rows(
    plan: list[tuple[str, str, str, District | None]],
    squad_ids: dict[District, int],
    password_hash: str,
) -> list[dict[str, Any]]:
    """Insert rows for :func:`account_plan`; every account shares one password hash."""
    return [
        {
            "police_number": number,
            "name": name,
            "role": role,
            "password_hash": password_hash,
            "squad_id": squad_ids[district] if district else None,
        }
        for number, name, role, district in plan
    ]


def violation_row(
    rng: random.Random, entry: CatalogueEntry, occurred_at: datetime, source_ref: str
) -> dict[str, Any]:
    """An unhandled record at the catalogue's default fine and points; ``source_ref`` is the
    unique key of the capture system's export."""
    return {
        "region": entry.region,
        "code": entry.code,
        "status": "unhandled",
        "occurred_at": occurred_at,
        "location": violation_location(rng, entry.code),
        "fine": entry.fine_default,
        "points": entry.points,
        "source_ref": source_ref,
    }
