"""The category catalogue with its local configuration: time limit and default department.

GB/T 47678.5 does not set time limits or departments; these rules follow typical published
local limits (see reference/PROVENANCE.md). Limits count natural minutes; 挂账 stops the clock.
A category without a professional department is handled by the 镇街 where the case lies.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from data_access.vocabulary import MAJOR_NAMES

REFERENCE = Path(__file__).with_name("reference")
HOUR, DAY = 60, 24 * 60

# code, name, the keywords of the categories it handles (first match wins, in this order)
# Keywords are substrings, so order matters: 雨水/污水井盖 contain 水井, 交通信号灯 contains 通信.
PROFESSIONAL_DEPARTMENTS = [
    ("GAS", "东莞新奥燃气有限公司", ("燃气", "输油")),
    ("WATER", "市水务局", ("雨水", "污水", "化粪池", "排水", "防汛", "排放口", "水域", "河道", "堤岸", "沙（河）滩", "跨河")),
    ("WATERSUPPLY", "东莞市供水集团", ("供水", "水井", "中水", "水鹤", "水塔")),
    ("POWER", "东莞供电局", ("电力", "变压器", "高压线", "电缆")),
    ("TRAFFICPOLICE", "市公安局交通警察支队", ("信号灯", "交通信号", "交通岗亭", "机动车乱停放")),
    ("TELECOM", "通信管线联合办公室", ("通信", "电视井盖", "网络井盖", "基站", "电话亭", "信息亭", "架空线缆")),
    ("TRANSPORT", "市交通运输局", ("公交", "出租车", "天桥", "地下通道", "立交桥", "交通标志", "限高架", "交通护栏",
                                 "防撞桶", "安全岛", "道路信息显示屏", "隔音屏", "铁道口", "隧道", "减速带", "轨道交通")),
    ("GREEN", "市园林绿化管理中心", ("古树", "行道树", "独立树", "护树", "花架", "绿地", "树池", "林地", "绿化", "病虫害",
                                  "伐树", "占绿", "园林井盖")),
    ("SANITATION", "市环境卫生管理中心", ("公共厕所", "公厕", "垃圾间", "垃圾箱", "环卫工具", "宠物拾便", "烟头收集")),
    ("CONSTRUCTION", "市住房和城乡建设局", ("施工", "工地", "渣土运输", "预埋件", "高空悬吊")),
    ("MUNICIPAL", "市市政设施管理中心", ("井盖", "箅子", "沟槽盖板", "路灯", "地灯", "景观灯", "道路破损", "交通标线",
                                   "台阶", "路缘石", "盲道", "无障碍坡道", "边坡", "道路积雪")),
]

# (keywords, limit in minutes, urgent?): first match wins; see the README of the reference data.
TIME_LIMITS = [
    (("燃气", "输油"), 1 * HOUR, True),
    (("露天烧烤",), 1 * HOUR, True),
    (("焚烧垃圾", "乱丢弃医疗废物", "架空线缆脱落", "动物尸体"), 2 * HOUR, True),
    (("道路不洁", "占道经营", "无照经营游商", "店外经营", "占道洗车", "占道促销", "机动车乱停放",
      "非机动车乱停放", "共享单车", "占用消防通道", "占用无障碍通道", "流浪乞讨"), 2 * HOUR, False),
    (("暴露垃圾", "积存垃圾", "垃圾站（箱）满溢", "雨水箅子", "雨水井盖", "排水泵站", "焚烧", "乱倒乱排"), 4 * HOUR, False),
    (("井盖",), 8 * HOUR, False),
    (("路灯", "地灯", "景观灯", "非法小广告", "街头散发广告", "施工", "工地", "交通信号灯"), 1 * DAY, False),
    (("渣土", "道路遗撒", "废弃车辆", "乱堆杂物", "古树名木"), 2 * DAY, False),
    (("私搭乱建", "无证建设", "违章"), 7 * DAY, False),
    (("病虫害", "非法伐树", "违规户外广告", "违规牌匾"), 3 * DAY, False),
]
DEFAULT_LIMIT = 2 * DAY

@dataclass(frozen=True)
class CategorySpec:
    kind: str
    code: str
    major_code: str
    major_name: str
    name: str
    time_limit_minutes: int
    urgent: bool
    department_code: str | None  # None: the 镇街 of the case's region


def department_for(name: str) -> str | None:
    for code, _dept_name, words in PROFESSIONAL_DEPARTMENTS:
        if any(word in name for word in words):
            return code
    return None


def time_limit_for(name: str) -> tuple[int, bool]:
    for words, minutes, urgent in TIME_LIMITS:
        if any(word in name for word in words):
            return minutes, urgent
    return DEFAULT_LIMIT, False


def load_categories() -> list[CategorySpec]:
    """All 403 rows of the catalogue, components and events, with local configuration."""
    with open(REFERENCE / "gb47678_5_categories.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    specs = []
    for row in rows:
        minutes, urgent = time_limit_for(row["name"])
        specs.append(CategorySpec(
            kind=row["kind"], code=row["code"], major_code=row["major_code"],
            major_name=MAJOR_NAMES[row["major_code"]], name=row["name"],
            time_limit_minutes=minutes, urgent=urgent, department_code=department_for(row["name"]),
        ))
    return specs


def town_department_code(region_code: str) -> str:
    return f"TOWN-{region_code}"


def town_department_name(region_name: str) -> str:
    return f"{region_name}综合行政执法办公室"
