"""`cockpit import FILE`: column names and overrides, each row through the ingest path,
idempotent re-runs, rejected rows with reasons, encodings and unusable files."""
from __future__ import annotations

import csv
import json

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
