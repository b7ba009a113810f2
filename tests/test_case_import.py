"""`cockpit import FILE`: column names and overrides, each row through the ingest path,
idempotent re-runs, rejected rows with reasons, encodings and unusable files."""
from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dashboard.cli import main
from data_access import case_import, db, rollups
from data_access.models import Case, Category

HEADER = "工单编号,小类代码,上报时间,经度,纬度,问题描述,地址,联系人,联系电话,来源\n"
GOOD = ("W-1,01001,2026-07-01 09:00:00,113.755,23.025,井盖缺失,东门路1号,王五,13800000001,12345热线\n"
        'W-2,1001,2026/7/2 9:05,113.756,23.026,"井盖\n破损",东门路2号,,,公众举报\n')
BAD = ("W-1,01001,2026-07-01 09:00:00,113.755,23.025,重复,东门路1号,,,\n"     # row 3: already present
       "W-3,99999,2026-07-01 10:00:00,113.755,23.025,未知类别,,,,\n"            # row 4
       "W-4,01001,2026-07-01 10:00:00,114.5,22.5,辖区外,,,,\n"                  # row 5
       "W-5,01001,昨天,113.755,23.025,坏时间,,,,\n"                              # row 6
       ",01001,2026-07-01 10:00:00,113.755,23.025,没有编号,,,,\n")              # row 7


@pytest.fixture
def cockpit(mini_city, monkeypatch, tmp_path):
    """`cockpit import …` in this process against the mini city: (exit status, stdout)."""
    monkeypatch.setenv("DATABASE_URL", mini_city.url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))

    def run(*argv):
        try:
            return main(["import", *map(str, argv), "--no-progress"])
        except SystemExit as exc:
            return exc.code

    run.engine = mini_city.engine
    return run


def write(tmp_path, text: str, name="export.csv", encoding="utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def cases_by_external_id(eng) -> dict:
    with db.session_scope(eng) as session:
        rows = session.execute(select(Case.external_id, Case.source, Case.status, Category.code, Case.description,
                                      Case.reporter_name).join(Category, Category.id == Case.category_id)
                               .where(Case.external_id.is_not(None))).all()
    return {row[0]: row[1:] for row in rows}


def count_cases(eng) -> int:
    with eng.connect() as conn:
        return conn.execute(select(func.count()).select_from(Case)).scalar_one()


def test_good_duplicate_and_bad_rows(cockpit, tmp_path, capsys):
    from test_rollups import assert_rollups_match_raw

    with cockpit.engine.begin() as conn:
        rollups.rebuild(conn)
    path = write(tmp_path, HEADER + GOOD + BAD)
    assert cockpit(path) == 1
    out = capsys.readouterr().out
    assert "7 rows: 2 created, 1 already present, 4 rejected" in out
    assert "row 4: 小类代码: unknown event category '99999'" in out
    assert "row 5: lon/lat:" in out and "outside the jurisdiction" in out
    assert "row 6: 上报时间:" in out and "row 7: 工单编号: required" in out
    stored = cases_by_external_id(cockpit.engine)
    assert stored == {"W-1": ("hotline", "reported", "01001", "井盖缺失", "王五"),
                      "W-2": ("public", "reported", "01001", "井盖\n破损", None)}
    with open(path + ".rejected.csv", encoding="utf-8-sig", newline="") as fh:
        rejected = list(csv.DictReader(fh))
    assert [r["row"] for r in rejected] == ["4", "5", "6", "7"]
    assert rejected[0]["工单编号"] == "W-3" and "99999" in rejected[0]["reason"]
    assert_rollups_match_raw(cockpit.engine)

    before = count_cases(cockpit.engine)  # a second run changes nothing
    assert cockpit(path) == 1
    assert "7 rows: 0 created, 3 already present, 4 rejected" in capsys.readouterr().out
    assert count_cases(cockpit.engine) == before and cases_by_external_id(cockpit.engine) == stored

    write(tmp_path, HEADER + GOOD)  # the same file without its bad rows: exit 0, the old report gone
    assert cockpit(path) == 0
    assert "2 rows: 0 created, 2 already present, 0 rejected" in capsys.readouterr().out
    assert not (tmp_path / "export.csv.rejected.csv").exists()


def test_gbk_file(cockpit, tmp_path, capsys):
    path = write(tmp_path, HEADER + GOOD, encoding="gbk")
    assert cockpit(path) == 0
    out = capsys.readouterr().out
    assert "gb18030" in out and "2 rows: 2 created" in out
    assert cases_by_external_id(cockpit.engine)["W-1"][3] == "井盖缺失"


def test_map_overrides_and_json_lines(cockpit, tmp_path, capsys):
    rows = [{"ticket": "J-1", "cat": "01001", "when": "2026-07-01T09:00:00+08:00", "x": 113.755, "y": 23.025,
             "text": "井盖缺失", "urgency": "紧急"},
            {"ticket": "J-2", "cat": "01001", "when": "2026-07-01T09:00:00+08:00", "x": "113.755", "y": None,
             "text": "没有纬度"},
            ["not", "an", "object"]]
    path = write(tmp_path, "\n".join(json.dumps(r, ensure_ascii=False) for r in rows), name="export.jsonl")
    assert cockpit(path) == 2  # the fields have other names
    assert "no column for external_id, category_code, reported_at, lon, lat, description" in capsys.readouterr().err
    maps = ["--map", "external=ticket,category=cat,reported=when", "--map", "lon=x,lat=y,description=text"]
    assert cockpit(path, *maps) == 1
    out = capsys.readouterr().out
    assert "3 rows: 1 created, 0 already present, 2 rejected" in out and "row 2: y: required" in out
    with db.session_scope(cockpit.engine) as session:
        assert session.execute(select(Case.urgency).where(Case.external_id == "J-1")).scalar_one() == "urgent"


def test_batches_in_one_run(cockpit, tmp_path):
    """Rows over several transactions, a duplicate in a later batch found in an earlier one."""
    text = HEADER + "".join(f"B-{i % 5},01001,2026-07-01 09:{i:02d}:00,113.755,23.025,批量,,,,\n" for i in range(12))
    report = case_import.import_file(cockpit.engine, write(tmp_path, text), batch_size=4)
    assert (report.total, report.created, report.present, report.rejected) == (12, 5, 7, [])
    assert count_cases(cockpit.engine) == 7 + 5  # the mini city's cases and the new ones


@pytest.mark.parametrize("text, words", [
    ("", "empty file"),
    ("   \n", "empty file"),
    ("a,b,c\n1,2,3\n", "no column for external_id"),
    ("[1, 2", "not JSON"),
    ('{"a": 1}', "no column for"),
])
def test_unusable_files(cockpit, tmp_path, capsys, text, words):
    before = count_cases(cockpit.engine)
    assert cockpit(write(tmp_path, text)) == 2
    err = capsys.readouterr().err
    assert err.startswith("cockpit: error:") and words in err and len(err.strip().splitlines()) == 1
    assert count_cases(cockpit.engine) == before


def test_unreadable_input(cockpit, tmp_path, capsys):
    assert cockpit(tmp_path / "missing.csv") == 2
    assert "No such file" in capsys.readouterr().err
    assert cockpit(write(tmp_path, HEADER + GOOD, encoding="utf-16")) == 2
    assert "neither UTF-8 nor GBK" in capsys.readouterr().err
    assert cockpit(write(tmp_path, HEADER), "--map", "nonsense=x") == 2
    assert "--map 'nonsense=x'" in capsys.readouterr().err
    assert cockpit(write(tmp_path, HEADER), "--map", "lat=纬度2") == 2
    assert "no such column" in capsys.readouterr().err


def test_header_only_file(cockpit, tmp_path, capsys):
    assert cockpit(write(tmp_path, HEADER)) == 0
    assert "0 rows: 0 created, 0 already present, 0 rejected" in capsys.readouterr().out


# --- mapping files (--mapping MAPPING.toml) ---------------------------------------------------

def add_town_department(eng, region="441900003"):
    """The mini city's 镇街 department, so filed rows can be dispatched."""
    from data_access.models import Department

    with db.session_scope(eng) as session:
        next_id = session.execute(select(func.max(Department.id))).scalar_one() + 1
        session.add(Department(id=next_id, code=f"TOWN-{region}", name="东城街道综合行政执法办公室", kind="town",
                               region_code=region))


def stages_of(eng, external_id) -> list[tuple]:
    from data_access.models import CaseStage

    with db.session_scope(eng) as session:
        return [tuple(r) for r in session.execute(
            select(CaseStage.stage, CaseStage.started_at, CaseStage.ended_at).join(Case, Case.id == CaseStage.case_id)
            .where(Case.external_id == external_id).order_by(CaseStage.seq)).all()]


def case_row(eng, external_id):
    with db.session_scope(eng) as session:
        return session.execute(select(Case.status, Case.reported_at, Case.closed_at, Case.lon, Case.lat,
                                      Case.grid_code, Case.department_id, Category.code)
                               .join(Category, Category.id == Case.category_id)
                               .where(Case.external_id == external_id)).one()


SZCG_MAPPING = """
encoding = "gbk"
date_format = ["%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M:%S"]
timezone = "Asia/Shanghai"
region = "point"

[columns]
external_id = "案件编号"
category_code = "小类"
description = ["小类", "问题描述"]
closed_at = "结案时间"
status = "案件状态"
region = "所属街道"

[categories]
"供水井盖" = "01001"
default = "01001"

[statuses]
"已结案" = "closed"
"待立案" = "reported"
"处置中" = "dispatched"

[regions]
"东城" = "441900003"
"""
SZCG_HEADER = "案件编号,小类,问题描述,发生地址,经度,纬度,上报时间,结案时间,案件状态,所属街道\n"


def test_mapping_statuses_dates_and_regions(cockpit, tmp_path, capsys):
    """A GBK 数字城管 export: closed rows through the loop, open ones dispatched, a row without
    coordinates placed by its 所属街道, an unknown 小类 by the default, bad rows rejected."""
    from test_rollups import assert_rollups_match_raw

    add_town_department(cockpit.engine)
    with cockpit.engine.begin() as conn:
        rollups.rebuild(conn)
    rows = ("S-1,供水井盖,井盖缺失,东门路1号,113.755,23.025,2026/07/01 09:00,2026/07/01 17:30,已结案,东城\n"
            'S-2,其他问题,"两行\n描述",东门路2号,113.756,23.026,2026/07/01 10:00,,处置中,东城\n'
            "S-3,供水井盖,没有坐标,,,,2026-07-01 11:00:00,2026-07-02 11:00:00,已结案,东城\n"
            "S-4,供水井盖,没有结案时间,,113.755,23.025,2026/07/01 09:00,,已结案,东城\n"
            "S-5,供水井盖,结案早于上报,,113.755,23.025,2026/07/02 09:00,2026/07/01 09:00,已结案,东城\n"
            "S-6,供水井盖,没有坐标也没有街道,,,,2026/07/01 09:00,,待立案,\n"
            "S-7,供水井盖,美式日期,,113.755,23.025,07/01/2026 9:00 AM,,待立案,东城\n"
            "S-8,供水井盖,未知状态,,113.755,23.025,2026/07/01 09:00,,挂起,东城\n")
    mapping = write(tmp_path, SZCG_MAPPING, name="szcg.toml")
    path = write(tmp_path, SZCG_HEADER + rows, encoding="gbk")
    assert cockpit(path, "--mapping", mapping) == 1
    out = capsys.readouterr().out
    assert "8 rows: 3 created, 0 already present, 5 rejected" in out and "(gbk;" in out
    assert "row 4: 结案时间: empty for a closed case" in out
    assert "row 5: 结案时间: 2026-07-01 01:00:00 UTC is before the report at 2026-07-02 01:00:00 UTC" in out
    assert "row 6: lon/lat: no coordinates, and no region the mapping's [regions] knows" in out
    assert "row 7: 上报时间: not a time in the format %Y/%m/%d %H:%M: '07/01/2026 9:00 AM'" in out
    assert "row 8: 案件状态: '挂起' is not in the mapping's [statuses]" in out

    status, reported, closed, *_, code = case_row(cockpit.engine, "S-1")
    assert (status, reported, closed, code) == ("closed", datetime(2026, 7, 1, 1, 0), datetime(2026, 7, 1, 9, 30), "01001")
    stages = stages_of(cockpit.engine, "S-1")
    assert [s[0] for s in stages] == ["report", "file", "dispatch", "handle", "feedback", "verify", "close"]
    times = [t for _, start, end in stages for t in (start, end)]
    assert times == sorted(times) and times[0] == reported and times[-1] == closed
    s2 = case_row(cockpit.engine, "S-2")
    assert s2.status == "dispatched" and s2.department_id is not None and s2.code == "01001"  # the default
    assert cases_by_external_id(cockpit.engine)["S-2"][3] == "其他问题：两行\n描述"
    s3 = case_row(cockpit.engine, "S-3")
    assert s3.status == "closed" and s3.grid_code == "44190000300101" and (s3.lon, s3.lat) != (None, None)
    assert_rollups_match_raw(cockpit.engine)

    before = count_cases(cockpit.engine)
    assert cockpit(path, "--mapping", mapping) == 1  # idempotent
    assert "8 rows: 0 created, 3 already present, 5 rejected" in capsys.readouterr().out
    assert count_cases(cockpit.engine) == before
    assert_rollups_match_raw(cockpit.engine)


def test_unmapped_category_without_default_and_bom(cockpit, tmp_path, capsys):
    mapping = write(tmp_path, '[categories]\n"井盖" = "01001"\n[columns]\ncategory_code = "类别"\n', name="m.toml")
    text = ("工单编号,类别,上报时间,经度,纬度,问题描述\n"
            "B-1,井盖,2026-07-01T09:00:00+08:00,113.755,23.025,有\n"
            "B-2,路灯,2026-07-01T09:00:00+08:00,113.755,23.025,无\n")
    path = write(tmp_path, "\ufeff" + text)
    assert cockpit(path, "--mapping", mapping) == 1
    out = capsys.readouterr().out
    assert "2 rows: 1 created, 0 already present, 1 rejected" in out
    assert "row 2: 类别: '路灯' is not in the mapping's [categories] and it has no default" in out


def test_short_and_long_csv_rows_are_rejected(cockpit, tmp_path, capsys):
    path = write(tmp_path, HEADER + GOOD.splitlines()[0] + "\nW-9,01001,2026-07-01 09:00:00,113.755\n"
                 "W-8,01001,2026-07-01 09:00:00,113.755,23.025,多,,,,,,extra\n")
    assert cockpit(path) == 1
    out = capsys.readouterr().out
    assert "3 rows: 1 created, 0 already present, 2 rejected" in out
    assert "row 2: row: 4 fields, the header has 10" in out and "row 3: row: 12 fields, the header has 10" in out


@pytest.mark.parametrize("mapping, text, words", [
    ("[columns\n", HEADER + GOOD, "not TOML"),
    ("colums = 1\n", HEADER + GOOD, "unknown key 'colums'"),
    ('[columns]\nlat = "纬度2"\n', HEADER + GOOD, "lat=纬度2: no such column"),
    ('[columns]\nweight = "x"\n', HEADER + GOOD, "[columns] weight: unknown field"),
    ('[statuses]\n"办结" = "finished"\n', HEADER + GOOD, "use one of reported, filed, dispatched, closed"),
    ('[categories]\n"井盖" = "123"\n', HEADER + GOOD, "not a 5-digit GB/T 47678.5 event code"),
    ('[regions]\n"东城" = "441900099"\n', HEADER + GOOD, "none of its regions is in the database (such as 441900099)"),
    ('timezone = "Mars/Olympus"\n', HEADER + GOOD, "not an IANA zone"),
    ('encoding = "utf-8"\n', (HEADER + GOOD).encode("gbk"), "not utf-8 text"),
    ("", (HEADER + GOOD).encode("utf-16"), "neither UTF-8 nor GBK"),
    ("", '[{"工单编号": "J-1", "小类代码": "01001"}, {"工单编号": "J-', "not JSON"),
    ("", HEADER + 'W-1,01001,2026-07-01 09:00:00,113.755,23.025,"没有结束的引号\n', "not readable as CSV"),
    ("", "单号,类别,时间\nW-1,01001,2026-07-01\n", "no column for external_id"),
])
def test_unusable_files_and_mappings(cockpit, tmp_path, capsys, mapping, text, words):
    before = count_cases(cockpit.engine)
    path = tmp_path / "export.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    assert cockpit(path, "--mapping", write(tmp_path, mapping, name="m.toml")) == 2
    err = capsys.readouterr().err
    assert err.startswith("cockpit: error:") and words in err and len(err.strip().splitlines()) == 1
    assert count_cases(cockpit.engine) == before


def test_step_times_are_ordered_between_report_and_close():
    t0 = datetime(2026, 7, 1, 1, 0)
    closed = case_import.STATUS_PATHS["closed"]
    for span in (timedelta(0), timedelta(minutes=3), timedelta(hours=5), timedelta(days=40)):
        times = case_import.step_times(t0, closed, "normal", 240, t0 + span)
        assert [a for a, _ in times] == list(closed) and times[-1][1] == t0 + span
        assert [t for _, t in times] == sorted(t for _, t in times) and times[0][1] >= t0
    long = dict(case_import.step_times(t0, closed, "normal", 240, t0 + timedelta(days=40)))
    assert long["file"] - t0 == timedelta(minutes=7.5)  # half of the 立案 limit
    now = t0 + timedelta(minutes=5)  # an open case's steps never run past now
    assert max(t for _, t in case_import.step_times(t0, ("file", "dispatch"), "normal", 240, now=now)) <= now


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def add_catalogue(eng):
    """Every GB/T 47678.5 event category the mini city lacks."""
    from seeds.catalogue import load_categories

    with db.session_scope(eng) as session:
        have = set(session.scalars(select(Category.code).where(Category.kind == "event")))
        next_id = session.execute(select(func.max(Category.id))).scalar_one()
        for spec in load_categories():
            if spec.kind == "event" and spec.code not in have:
                next_id += 1
                session.add(Category(id=next_id, kind="event", code=spec.code, major_code=spec.major_code,
                                     major_name=spec.major_name, name=spec.name,
                                     time_limit_minutes=spec.time_limit_minutes))


def test_nyc_sample_with_the_shipped_mapping(cockpit, tmp_path, capsys):
    """The 1,000-row NYC 311 sample into the example NYC jurisdiction: every row created or rejected
    with its reason, closed rows closed at their New York closed time, idempotent, rollups = raw."""
    import shutil
    import tomllib
    from zoneinfo import ZoneInfo

    from test_rollups import assert_rollups_match_raw

    add_catalogue(cockpit.engine)
    assert main(["import-regions", str(EXAMPLES / "nyc311" / "boroughs.geojson"), "--jurisdiction", "365100",
                 "--new-jurisdiction", "纽约市"]) == 0
    assert "jurisdiction 365100 created" in capsys.readouterr().out
    with cockpit.engine.begin() as conn:
        rollups.rebuild(conn)
    path = tmp_path / "nyc311.csv"  # its report file goes beside it, not into examples/
    shutil.copy(EXAMPLES / "nyc311" / "nyc311_sample_2018.csv", path)
    mapping_path = EXAMPLES / "mappings" / "nyc311.toml"
    mapping = tomllib.loads(mapping_path.read_text(encoding="utf-8"))

    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    new_york = ZoneInfo("America/New_York")

    def utc(text):
        local = datetime.strptime(text, "%m/%d/%Y %I:%M:%S %p").replace(tzinfo=new_york)
        return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

    statuses = {key.lower(): value for key, value in mapping["statuses"].items()}
    mapped = [r for r in rows if r["Complaint Type"] in mapping["categories"]]
    backwards = [r for r in mapped if statuses[r["Status"].lower()] == "closed"
                 and utc(r["Closed Date"]) < utc(r["Created Date"])]
    assert len(rows) == 1000  # (its rows closed before they were created are of unmapped types)

    before = count_cases(cockpit.engine)
    assert cockpit(path, "--mapping", mapping_path) == 1
    out = capsys.readouterr().out
    nowhere = [r for r in mapped if not r["Latitude"] and r["Borough"] not in mapping["regions"]]
    created = len(mapped) - len(backwards) - len(nowhere)
    assert f"1000 rows: {created} created, 0 already present, {1000 - created} rejected" in out
    assert count_cases(cockpit.engine) == before + created
    with open(str(path) + ".rejected.csv", encoding="utf-8-sig", newline="") as fh:
        rejected = list(csv.DictReader(fh))
    assert len(rejected) == 1000 - created and all(r["reason"] for r in rejected)
    assert sum("is not in the mapping's [categories]" in r["reason"] for r in rejected) == len(rows) - len(mapped)
    assert sum("is before the report" in r["reason"] for r in rejected) == len(backwards)
    assert sum("no coordinates, and no region" in r["reason"] for r in rejected) == len(nowhere) > 0

    regions = mapping["regions"]
    with db.session_scope(cockpit.engine) as session:
        stored = {r.external_id: r for r in session.execute(
            select(Case.external_id, Case.status, Case.reported_at, Case.closed_at, Case.region_code, Case.grid_code,
                   Case.lon, Case.lat).where(Case.region_code.like("365100%")))}
    assert len(stored) == created
    for r in mapped:
        case = stored.get(r["Unique Key"])
        if r in backwards or r in nowhere:
            assert case is None
            continue
        assert case.status == statuses[r["Status"].lower()] and case.reported_at == utc(r["Created Date"])
        if case.status == "closed":
            assert case.closed_at == utc(r["Closed Date"])
        if r["Borough"] in regions:
            assert case.region_code == regions[r["Borough"]] and case.grid_code.startswith(case.region_code)
        if not r["Latitude"]:  # placed in its borough, at a point of its grid
            assert case.lon is not None and case.lat is not None
    closed = next(key for key, case in stored.items() if case.status == "closed")
    assert [s[0] for s in stages_of(cockpit.engine, closed)] == ["report", *case_import.STATUS_PATHS["closed"]]
    assert_rollups_match_raw(cockpit.engine)

    assert cockpit(path, "--mapping", mapping_path) == 1  # a second run changes nothing
    assert f"1000 rows: 0 created, {created} already present, {1000 - created} rejected" in capsys.readouterr().out
    assert count_cases(cockpit.engine) == before + created
    assert_rollups_match_raw(cockpit.engine)


def test_szcg_example_with_the_shipped_mapping(cockpit, tmp_path, capsys):
    """The GBK 数字城管 example into the mini city (东城 only): rows of 莞城 and 南城 lie outside it."""
    import shutil

    add_catalogue(cockpit.engine)
    add_town_department(cockpit.engine)
    path = tmp_path / "szcg.csv"
    shutil.copy(EXAMPLES / "szcg" / "szcg_export_sample.csv", path)
    assert cockpit(path, "--mapping", EXAMPLES / "mappings" / "szcg.toml") == 1
    out = capsys.readouterr().out
    assert "(gbk;" in out and "10 rows: 6 created, 0 already present, 4 rejected" in out
    assert "row 5: 结案时间: empty for a closed case" in out
    assert "row 6: 小类: '其他问题' is not in the mapping's [categories]" in out
    assert "row 7: lon/lat: (113.7664, 23.046) is outside the jurisdiction" in out
    stored = cases_by_external_id(cockpit.engine)
    assert [stored[f"SZCG-202606-{n:04d}"][1] for n in (1, 2, 3, 4, 9, 10)] == \
        ["closed", "closed", "dispatched", "reported", "closed", "reported"]
    assert stored["SZCG-202606-0001"][0] == "inspector" and stored["SZCG-202606-0002"][0] == "hotline"


def test_open311_json_array_with_the_shipped_mapping(cockpit, tmp_path, capsys):
    add_town_department(cockpit.engine)
    requests = [
        {"service_request_id": "DG20260701000001", "status": "closed", "status_notes": "已结案",
         "service_code": "01001", "service_name": "供水井盖异常", "description": "井盖缺失",
         "requested_datetime": "2026-07-01T09:00:00+08:00", "updated_datetime": "2026-07-01T15:00:00+08:00",
         "address": "东门路**号", "lat": 23.025, "long": 113.755},
        {"service_request_id": "DG20260701000002", "status": "open", "status_notes": "处置中",
         "service_code": "01001", "description": "井盖破损", "requested_datetime": "2026-07-01T10:00:00+08:00",
         "updated_datetime": "2026-07-01T10:30:00+08:00", "lat": 23.026, "long": 113.756},
        {"service_request_id": "DG20260701000003", "status": "open", "status_notes": "待核查",
         "service_code": "01001", "description": "待核查", "requested_datetime": "2026-07-01T10:00:00+08:00",
         "lat": 23.026, "long": 113.756},
    ]
    path = write(tmp_path, json.dumps(requests, ensure_ascii=False), name="requests.json")
    assert cockpit(path, "--mapping", EXAMPLES / "mappings" / "open311.toml") == 1
    out = capsys.readouterr().out
    assert "3 rows: 2 created, 0 already present, 1 rejected" in out
    assert "row 3: status_notes: '待核查' is not in the mapping's [statuses]" in out
    first = case_row(cockpit.engine, "DG20260701000001")
    assert (first.status, first.reported_at, first.closed_at) == \
        ("closed", datetime(2026, 7, 1, 1, 0), datetime(2026, 7, 1, 7, 0))
    assert case_row(cockpit.engine, "DG20260701000002").status == "dispatched"
    assert cases_by_external_id(cockpit.engine)["DG20260701000001"][0] == "public"
