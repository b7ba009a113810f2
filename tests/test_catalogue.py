"""The GB/T 47678.5 catalogue with its local limits and default departments."""
from __future__ import annotations

import csv
from collections import Counter

import pytest

from seeds.catalogue import (
    DEFAULT_LIMIT,
    MAJOR_NAMES,
    PROFESSIONAL_DEPARTMENTS,
    REFERENCE,
    department_for,
    load_categories,
    time_limit_for,
)

SPECS = load_categories()
DEPARTMENT_CODES = {code for code, _name, _words in PROFESSIONAL_DEPARTMENTS}


def test_all_403_rows():
    assert len(SPECS) == 403
    assert Counter(s.kind for s in SPECS) == {"component": 153, "event": 250}


def test_rows_follow_the_reference_file():
    with open(REFERENCE / "gb47678_5_categories.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["kind"], r["code"], r["major_code"], r["name"]) for r in rows] == \
        [(s.kind, s.code, s.major_code, s.name) for s in SPECS]


@pytest.mark.parametrize("kind", ["component", "event"])
def test_codes_unique_per_kind(kind):
    codes = [s.code for s in SPECS if s.kind == kind]
    assert len(codes) == len(set(codes))


def test_codes_are_five_digits_under_their_major():
    for s in SPECS:
        assert len(s.code) == 5 and s.code.isdigit(), s
        assert s.code[:2] == s.major_code, s
        assert s.major_name == MAJOR_NAMES[s.major_code], s
        assert s.name.strip() == s.name != "", s


def test_components_sit_in_majors_01_to_05():
    assert {s.major_code for s in SPECS if s.kind == "component"} <= {"01", "02", "03", "04", "05"}


def test_documented_gaps_are_absent():
    # reference/PROVENANCE.md lists codes missing from the transcription
    present = {(s.kind, s.code) for s in SPECS}
    for code in ["01016", "05001", "05004", "05005", "05006", "05007", "05008"]:
        assert ("component", code) not in present and ("event", code) not in present
    for code in ["06031", "07005", "09007"]:
        assert ("event", code) not in present


@pytest.mark.parametrize("kind", ["component", "event"])
def test_every_category_has_a_positive_limit(kind):
    assert all(isinstance(s.time_limit_minutes, int) and s.time_limit_minutes > 0 for s in SPECS if s.kind == kind)


def test_gas_categories_are_urgent_with_an_hour():
    gas = [s for s in SPECS if s.department_code == "GAS"]
    assert len(gas) == 10  # 5 components and their 5 events
    assert {s.name for s in gas} >= {"燃气井盖", "燃气井盖异常", "露天燃气管道", "燃气调压站（箱）"}
    for s in gas:
        assert (s.urgent, s.time_limit_minutes) == (True, 60), s
    # and everything named after gas goes to the gas company
    assert all(s.department_code == "GAS" for s in SPECS if "燃气" in s.name or "输油" in s.name)


def test_urgent_categories_have_short_limits():
    urgent = [s for s in SPECS if s.urgent]
    assert urgent and all(s.time_limit_minutes <= 120 for s in urgent)


def test_departments_are_known_or_the_town():
    assert {s.department_code for s in SPECS} <= DEPARTMENT_CODES | {None}
    assert None in {s.department_code for s in SPECS}  # some go to the 镇街
    assert len(DEPARTMENT_CODES) == len(PROFESSIONAL_DEPARTMENTS)


@pytest.mark.parametrize(("name", "department"), [
    ("燃气井盖", "GAS"),            # 燃气 wins over 井盖 (MUNICIPAL)
    ("供水井盖", "WATERSUPPLY"),
    ("雨水井盖", "WATER"),          # contains 水井 (WATERSUPPLY): drainage, not water supply
    ("污水井盖异常", "WATER"),
    ("水井", "WATERSUPPLY"),
    ("交通信号灯", "TRAFFICPOLICE"),  # contains 通信 (TELECOM)
    ("交通信号设施异常", "TRAFFICPOLICE"),
    ("通信井盖", "TELECOM"),
    ("路灯", "MUNICIPAL"),
    ("行道树", "GREEN"),
    ("机动车乱停放", "TRAFFICPOLICE"),
    ("占道经营", None),
])
def test_department_for(name, department):
    assert department_for(name) == department


@pytest.mark.parametrize(("words", "department"), [(("雨水", "污水"), "WATER"), (("交通信号", "信号灯"), "TRAFFICPOLICE"),
                                                  (("燃气", "输油"), "GAS")])
def test_specific_keywords_win(words, department):
    named = [s for s in SPECS if any(w in s.name for w in words)]
    assert named and all(s.department_code == department for s in named), [
        (s.name, s.department_code) for s in named if s.department_code != department]


@pytest.mark.parametrize(("name", "limit", "urgent"), [
    ("燃气井盖异常", 60, True),
    ("露天烧烤", 60, True),
    ("占道经营", 120, False),
    ("雨水井盖异常", 240, False),  # 雨水井盖 before the generic 井盖 rule
    ("污水井盖异常", 480, False),
    ("私搭乱建", 7 * 24 * 60, False),
    ("无关名称", DEFAULT_LIMIT, False),
])
def test_time_limit_for(name, limit, urgent):
    assert time_limit_for(name) == (limit, urgent)
