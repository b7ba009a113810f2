"""The object list (/objects/<kind>, /objects/<kind>.csv, /object/<kind>/<key>) on both backends:
counts against raw SQL, paging, sorting, column filters, CSV = grid rows, bad input and the 404s."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dashboard.app import create_app
from dashboard.panels import View
from data_access import clock, objects
from data_access.filters import Scope
from data_access.models_sanitation import (
    PublicToilet,
    SanitationVehicle,
    SanitationVehicleDay,
    TransferStation,
    TransferStationDay,
)


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def raw_count(engine, model, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def a_region(engine) -> str:
    """The region with the most vehicles (picked by property, not position)."""
    with engine.connect() as conn:
        return conn.execute(select(SanitationVehicle.region_code).group_by(SanitationVehicle.region_code)
                            .order_by(func.count().desc(), SanitationVehicle.region_code).limit(1)).scalar_one()


def test_every_kind_is_declared_once_with_valid_names():
    kinds = objects.load()
    assert {"vehicles", "vehicle_days", "waste_days", "transfer_stations", "station_days", "toilets"} <= set(kinds)
    for kind in kinds.values():
        assert objects.KIND_ID.fullmatch(kind.id)
        assert kind.columns and kind.zh and kind.en
        assert not set(kind.filters) & set(objects.COMMON_PARAMS)
    with pytest.raises(ValueError):
        objects.register(objects.Kind(id="vehicles", zh="x", en="x", model=SanitationVehicle,
                                      key=SanitationVehicle.plate, columns=()))
    with pytest.raises(objects.UnknownKind):
        objects.get("nope")


def test_counts_equal_raw_sql(seeded):
    url, today = url_of(seeded), clock.today()
    region = a_region(seeded)
    V, VD, T, SD, S = SanitationVehicle, SanitationVehicleDay, PublicToilet, TransferStationDay, TransferStation
    assert objects.count(url, "vehicles", {"status": "working", "region": region}) == raw_count(
        seeded, V, V.status == "working", V.region_code == region)
    assert objects.count(url, "vehicles", {"online": "1"}) == raw_count(seeded, V, V.status != "offline")
    assert objects.count(url, "vehicles", {"online": "0"}) == raw_count(seeded, V, V.status == "offline")
    week = today - timedelta(days=6)
    sweepers = select(V.id).where(V.kind == "sweeper")
    assert objects.count(url, "vehicle_days", {"range": "7d", "kind": "sweeper"}) == raw_count(
        seeded, VD, VD.day >= week, VD.day <= today, VD.vehicle_id.in_(sweepers))
    yesterday = today - timedelta(days=1)
    with seeded.connect() as conn:
        rows = conn.execute(select(SD.tonnes, S.capacity_t).join(S, S.id == SD.station_id)
                            .where(SD.day == yesterday)).all()
    over = sum(1 for t, cap in rows if t > cap)
    busy = sum(1 for t, cap in rows if t >= 0.9 * cap)
    day = {"range": "custom", "from": str(yesterday), "to": str(yesterday)}
    assert objects.count(url, "station_days", {**day, "load": "over"}) == over
    assert objects.count(url, "station_days", {**day, "load": "busy"}) == busy
    assert objects.count(url, "toilets", {"status": "fault"}) == raw_count(seeded, T, T.status == "fault")
    # Inventories ignore the time range; dated kinds honour it.
    assert objects.count(url, "toilets", {"range": "today"}) == raw_count(seeded, T)
    assert objects.count(url, "waste_days", {"range": "today"}) == 4 * objects.count(url, "waste_days", {
        "range": "today", "waste_class": "kitchen"})


def test_paging_sorting_and_column_filters(seeded):
    url, today = url_of(seeded), clock.today()
    selection, problems = objects.parse("vehicles", {"online": "1"}, today)
    assert problems == []
    total = objects.count_selection(url, selection)
    first = objects.page(url, selection, 0, 100)
    second = objects.page(url, selection, 100, 200)
    keys = [r["_key"] for r in first + second]
    assert len(keys) == len(set(keys)) == min(total, 200)
    assert [r["plate"] for r in first] == sorted(r["plate"] for r in first)  # default order: the key
    everything = [r["_key"] for start in range(0, total, 500) for r in objects.page(url, selection, start, start + 500)]
    assert len(everything) == total == len(set(everything))
    fast = objects.page(url, selection, 0, 50, objects.sort_keys("vehicles", [{"colId": "speed", "sort": "desc"}]))
    speeds = [float(r["speed"]) for r in fast]
    assert speeds == sorted(speeds, reverse=True)
    # A column filter on a coded column matches its label; the count follows the rows.
    filters = objects.column_filters("vehicles", {"status": {"filterType": "text", "type": "equals", "filter": "作业中"}})
    working = objects.parse("vehicles", {"status": "working"}, today)[0]
    assert objects.count_selection(url, selection, filters) == objects.count_selection(url, working)
    assert {r["status"] for r in objects.page(url, selection, 0, 500, (), filters)} == {"作业中"}
    # Unknown columns, bad sort entries and oversized blocks are ignored or capped, not errors.
    assert objects.column_filters("vehicles", {"nope": {"type": "equals", "filter": "x"}, "speed": {}}) == ()
    assert objects.sort_keys("vehicles", [{"colId": "nope", "sort": "desc"}, "x", {"colId": "plate"}]) == ()
    assert len(objects.page(url, selection, 0, 10_000)) == min(total, 500)
    assert objects.page(url, selection, "x", None) == []


def test_bad_parameters_are_named_and_ignored(seeded):
    today = clock.today()
    selection, problems = objects.parse("vehicles", {"status": "flying", "bogus": "1", "region": "12",
                                                     "range": "decade", "kind": "sweeper"}, today)
    assert selection.filters == (("kind", "sweeper"),)
    assert selection.region is None and selection.range_name == "30d"
    text = " ".join(problems)
    for named in ("status", "flying", "bogus", "'12'", "decade"):  # each bad name or value is named
        assert named in text
    assert objects.conditions("vehicles", {"status": "flying"}, today) == []


def test_csv_equals_grid_rows(seeded, make_settings):
    url, today = url_of(seeded), clock.today()
    client = create_app(make_settings(url)).server.test_client()
    region = a_region(seeded)
    for kind, params in (("vehicles", {"status": "working", "region": region}),
                         ("toilets", {"region": region}),
                         ("station_days", {"range": "7d", "region": region})):
        query = "&".join(f"{k}={v}" for k, v in params.items())
        response = client.get(f"/objects/{kind}.csv?{query}")
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/csv")
        assert "attachment" in response.headers["Content-Disposition"]
        body = response.get_data()
        assert body.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        decl = objects.get(kind)
        assert rows[0] == [c.zh for c in decl.columns]
        selection = objects.parse(kind, params, today)[0]
        grid = objects.page(url, selection, 0, 500)
        assert len(rows) - 1 == len(grid) == objects.count_selection(url, selection)
        shown = [c.name for c in decl.columns if c.grid]
        index = [c.name for c in decl.columns]
        for line, row in zip(rows[1:], grid):
            assert [line[index.index(n)] for n in shown] == [row[n] for n in shown]


def test_http_errors_and_pages(seeded, make_settings):
    url = url_of(seeded)
    client = create_app(make_settings(url)).server.test_client()
    bad = client.get("/objects/vehicles.csv?status=flying")
    assert bad.status_code == 400 and "status" in bad.get_json()["errors"][0]
    assert client.get("/objects/nope.csv").status_code == 404
    for missing in ("/objects/nope", "/objects/NOPE", "/object/nope/x", "/object/vehicles/NO-SUCH-PLATE",
                    "/object/toilets/a%20b", "/object/vehicle_days/abc", "/object/vehicle_days/999999999"):
        response = client.get(missing)
        assert response.status_code == 404, missing
        assert "react-entry-point" in response.get_data(as_text=True)
    with seeded.connect() as conn:
        plate = conn.execute(select(SanitationVehicle.plate).order_by(SanitationVehicle.plate).limit(1)).scalar_one()
        toilet = conn.execute(select(PublicToilet.code).order_by(PublicToilet.code).limit(1)).scalar_one()
    assert client.get(f"/object/vehicles/{plate}").status_code == 200
    assert client.get(f"/object/toilets/{toilet}").status_code == 200
    assert client.get("/objects/vehicles?status=flying&x=1").status_code == 200  # the page names the problem


def test_detail_has_every_declared_field(seeded):
    url = url_of(seeded)
    with seeded.connect() as conn:
        plate = conn.execute(select(SanitationVehicle.plate).where(SanitationVehicle.status == "working")
                             .order_by(SanitationVehicle.plate).limit(1)).scalar_one()
    detail = objects.detail(url, "vehicles", plate)
    decl = objects.get("vehicles")
    assert [label for label, _ in detail.fields] == [c.zh for c in (*decl.columns, *decl.detail)]
    assert detail.position and detail.related and detail.related[0].rows
    assert any(href.startswith("/objects/vehicle_days?") for _, href in detail.links)
    assert objects.detail(url, "vehicles", "NO-SUCH") is None
    assert objects.detail(url, "vehicles", "bad key!") is None
    assert objects.detail(url, "vehicle_days", "not-a-number") is None


def test_drill_objects_keeps_region_and_range():
    view = View(scope=Scope(clock.today(), clock.today()), search="?range=7d&region=441900003&major=06&source=hotline",
                language="zh", rem=16, names={}, today=clock.today())
    link = view.drill_objects("vehicles", kind="sweeper", status="working")
    assert link == "/objects/vehicles?range=7d&region=441900003&kind=sweeper&status=working"
    assert view.drill_objects("toilets", region=None) == "/objects/toilets?range=7d"


def _dash_post(client, output: str, outputs: list, inputs: list, state: list):
    return client.post("/_dash-update-component", json={
        "output": output, "outputs": outputs, "inputs": inputs, "state": state,
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]})


def test_grid_callback_pages_and_refuses_bad_payloads(seeded, make_settings):
    client = create_app(make_settings(url_of(seeded))).server.test_client()
    client.get("/objects/toilets")
    output = "..objects-grid.getRowsResponse...objects-filtered.children.."
    outputs = [{"id": "objects-grid", "property": "getRowsResponse"}, {"id": "objects-filtered", "property": "children"}]

    def post(request, state):
        return _dash_post(client, output, outputs,
                          [{"id": "objects-grid", "property": "getRowsRequest", "value": request}],
                          [{"id": "objects-state", "property": "data", "value": state}])

    ok = post({"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}},
              {"kind": "toilets", "search": "?status=fault"})
    assert ok.status_code == 200
    body = ok.get_json()["response"]["objects-grid"]["getRowsResponse"]
    assert body["rowCount"] == raw_count(seeded, PublicToilet, PublicToilet.status == "fault")
    assert all(r["status"] == "故障" for r in body["rowData"])
    for request, state in (("x", {"kind": "toilets", "search": ""}), ({}, {"kind": "nope", "search": ""}),
                           ({"startRow": "a"}, None), ({"startRow": 0, "endRow": 5}, {"kind": 3})):
        response = post(request, state)
        assert response.status_code in (200, 204), response.get_data(as_text=True)
