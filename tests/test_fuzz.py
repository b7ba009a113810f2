"""Fuzzing: no callback request and no GET route answers 5xx, whatever the browser sends.

Callback requests are built from the app's own /_dash-dependencies: every server-side callback
gets a valid payload (ids, pattern-matching ids, realistic values), and hypothesis mutates it
(null, numbers huge and NaN, strings with NUL, lists, nested dicts, dropped keys, wrong ids,
missing fields). Every GET route gets generated paths and query strings (repeated keys, huge
numbers, dates at the calendar's ends, NUL, unicode, empty values); page paths are also
rendered through the pages callback, as the browser does. Both run on the seeded demo city on
SQLite and PostgreSQL; the examples are derandomized, so a run is repeatable.

A 5xx raised in a module another change is fixing right now (KNOWN_ELSEWHERE) makes the test
xfail with the cases listed; any other 5xx fails it.
"""
from __future__ import annotations

import csv
import io
import json
import re
import traceback
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from flask import got_request_exception
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.app import create_app

CALLBACK_EXAMPLES = 130  # per server-side callback and backend (about 25 callbacks)
ROUTE_EXAMPLES = 160  # per GET route and backend (about 15 routes; page routes send two requests)
MIN_REQUESTS = 2500  # per test and backend: the issue asks for 10,000 generated inputs per run in all

# 5xx raised in these modules are being fixed in another change (URL dates, repeated query
# parameters, Redis fallbacks): listed and xfailed here instead of patched twice.
KNOWN_ELSEWHERE = ("dashboard/urlstate.py", "dashboard/playlists.py", "dashboard/cache.py", "data_access/cache.py",
                   "data_access/cases.py", "data_access/lifecycle.py", "dashboard/api.py")

FUZZ = settings(max_examples=CALLBACK_EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

# ---- generated values ----

ODD_TEXT = ["", " ", "abc", "\x00", "a\x00b", "null", "NaN", "-1", "1e308", "0001-01-01", "9999-12-31",
            "2026-07-15T10:30:00+14:00", "2026-07-15T10:30:00", "9999-12-31T23:59:59-12:00", "%", "%zz", "../../etc",
            "🚧城管", "x" * 3000, "{\"type\": \"alarm-ack\"}", "[]", "/cases?range=7d", "javascript:alert(1)"]
ODD_NUMBERS = [0, -1, 1, 2**31, 2**63, -2**63, 2**80, 1e308, -1e308, float("inf"), float("-inf"), float("nan"), 0.5,
               1e-300]
scalars = st.one_of(st.none(), st.booleans(), st.sampled_from(ODD_NUMBERS), st.integers(), st.floats(),
                    st.sampled_from(ODD_TEXT), st.text(max_size=20))
junk = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(st.text(max_size=8) | st.sampled_from(
                                                          ["startRow", "search", "now", "points", "properties", "code",
                                                           "rowId", "type", "id", "key", "last_id"]), inner, max_size=4)),
                    max_leaves=10)


def mutated(value, depth: int = 0):
    """A strategy of values near `value`: junk, or the value with one part dropped, changed or added."""
    options = [junk]
    if isinstance(value, dict) and value and depth < 3:
        keys = sorted(value)
        options += [st.sampled_from(keys).map(lambda k: {x: v for x, v in value.items() if x != k}),
                    st.sampled_from(keys).flatmap(lambda k: mutated(value[k], depth + 1).map(lambda v: {**value, k: v})),
                    junk.map(lambda v: {**value, "extra": v})]
    if isinstance(value, list) and value and depth < 3:
        options += [st.just([]), st.integers(0, len(value) - 1).flatmap(
            lambda i: mutated(value[i], depth + 1).map(lambda v: [*value[:i], v, *value[i + 1:]])),
            junk.map(lambda v: [*value, v])]
    return st.one_of(*options)


# ---- the app on the seeded city ----

class Target:
    """An app on one seeded backend, its test client, realistic sample values and the 5xx found."""

    def __init__(self, engine, data_dir: Path, make_settings):
        self.app = create_app(make_settings(engine.url.render_as_string(hide_password=False),
                                            DATA_DIR=str(data_dir)))
        self.client = self.app.server.test_client()
        self.sent = 0
        self.failures: dict[str, str] = {}  # where it broke -> the first request that broke it
        self.errors: list[BaseException] = []
        got_request_exception.connect(self._record, self.app.server)
        self.samples = self._samples()

    def _record(self, _sender, exception, **_extra):
        self.errors.append(exception)

    def _samples(self) -> dict:
        from dashboard import panels
        from data_access import objects

        c = self.client
        cases = list(csv.reader(io.StringIO(c.get("/api/v1/cases.csv?range=30d").get_data(as_text=True).lstrip("\ufeff"))))
        cameras = json.loads(c.get("/camera-media/cameras.geojson").get_data())["features"]

        def codes(layer):
            features = json.loads(c.get(f"/api/v1/geo/{layer}").get_data()).get("features") or []
            return [f["properties"]["code"] for f in features[:3] if f["properties"].get("code")] or ["X1"]

        return {"case": [row[0] for row in cases[1:4]] or ["X1"], "camera": [f["properties"]["code"] for f in cameras[:3]],
                "kind": sorted(objects.load()), "panel": sorted(panels.PANELS)[:12],
                "layer": sorted(json.loads(c.get("/api/v1/geo").get_data())["layers"]),
                "pipe": codes("gas-pipelines"), "site": codes("illegal-sites"), "flood": codes("flood-points"),
                "playlist": sorted(p.stem for p in Path("playlists").glob("*.toml"))}

    def send(self, method: str, where: str, path: str, **kwargs):
        """One request; a 5xx or an error while streaming the body is recorded under `where`."""
        self.sent += 1
        self.errors.clear()
        try:
            response = self.client.open(path, method=method, **kwargs)
            status = response.status_code
            try:
                if "mjpeg" not in path:  # an endless stream: its status is what counts
                    response.get_data()  # a streamed body (CSV) must not break halfway
            finally:
                response.close()  # as a web server does: gives back an export's connection
        except Exception as exc:  # noqa: BLE001 - recorded and reported below
            status = 500
            self.errors.append(exc)
        if status >= 500:
            error = self.errors[0] if self.errors else None
            origin = _origin(error)
            key = f"{where} -> {status} {type(error).__name__ if error else ''} at {origin}"
            self.failures.setdefault(key, f"{method} {path} {json.dumps(kwargs.get('json'), default=str)[:600]}")


def _origin(error) -> str:
    """The project file and line nearest the raise, e.g. 'dashboard/urlstate.py:88'."""
    if error is None:
        return "?"
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "site-packages" not in f.filename]
    if not frames:
        return "dash/flask"
    frame = frames[-1]
    return f"{Path(frame.filename).relative_to(Path.cwd()) if frame.filename.startswith(str(Path.cwd())) else frame.filename}:{frame.lineno}"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def target(request, tmp_path_factory, make_settings_factory):
    engine = request.getfixturevalue(f"seeded_{request.param}")
    return Target(engine, tmp_path_factory.mktemp(f"fuzz-{request.param}"), make_settings_factory)


@pytest.fixture(scope="module")
def make_settings_factory():
    from dashboard.settings import load_settings

    def make(database_url: str, **env):
        return load_settings({"LOGIN": "off", "DATABASE_URL": database_url, **env})  # as conftest.make_settings

    return make


def _report(target: Target, what: str):
    known = {k: v for k, v in target.failures.items() if any(m in k for m in KNOWN_ELSEWHERE)}
    new = {k: v for k, v in target.failures.items() if k not in known}
    print(f"\n{what}: {target.sent} requests sent so far, {len(target.failures)} kinds of 5xx")
    if new:
        pytest.fail("5xx answers:\n" + "\n".join(f"{k}\n    {v}" for k, v in new.items()), pytrace=False)
    if known:
        pytest.xfail("5xx in modules another change is fixing:\n" + "\n".join(f"{k}\n    {v}" for k, v in known.items()))


# ---- callbacks ----

def _outputs(output: str) -> list[tuple[str, str]]:
    """(id, property) of each output in a callback's output key."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [tuple(part.split("@")[0].rsplit(".", 1)) for part in parts]


def _concrete(id_text: str, samples: dict, key):
    """A declared id as the browser sends it: MATCH and ALL filled with `key`."""
    if not id_text.startswith("{"):
        return id_text
    pattern = json.loads(id_text)
    return {k: key if isinstance(v, list) else v for k, v in pattern.items()}


def _is_wildcard(id_text: str) -> bool:
    return id_text.startswith("{") and ("ALL" in id_text or "ALLSMALLER" in id_text)


def base_values(samples: dict) -> dict:
    """A realistic value for each (id or id type, property) a callback reads."""
    grid = {"startRow": 0, "endRow": 100, "sortModel": [{"colId": "reported_at", "sort": "desc"}], "filterModel": {
        "address": {"filterType": "text", "type": "contains", "filter": "路"}}}
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.75, 23.02]}}
    return {
        ("cases-grid", "getRowsRequest"): grid,
        ("cases-state", "data"): {"search": "?range=7d", "now": "2026-07-15T02:30:00"},
        ("cases-grid", "cellClicked"): {"rowId": samples["case"][0], "colId": "case_no"},
        ("objects-grid", "getRowsRequest"): {**grid, "sortModel": [], "filterModel": {}},
        ("objects-state", "data"): {"kind": samples["kind"][0], "search": ""},
        ("objects-grid", "cellClicked"): {"rowId": "1"},
        **{(f"gas-pipes-{p}", "clickData"): {**feature, "properties": {"code": samples["pipe"][0]}}
           for p in ("high", "sub_high", "medium", "low")},
        ("illegal-sites-layer", "clickData"): {**feature, "properties": {"code": samples["site"][0]}},
        ("illegal-points-layer", "clickData"): {**feature, "properties": {"code": samples["site"][0]}},
        ("flood-points-layer", "clickData"): {**feature, "properties": {"code": samples["flood"][0]}},
        ("flood-slider", "value"): 5, ("flood-slider", "max"): 48, ("flood-region", "data"): None,
        ("flood-bbox", "data"): [113.5, 22.6, 114.3, 23.2], ("flood-focus", "data"): samples["flood"][0],
        ("flood-rem", "data"): 16, ("flood-tick", "disabled"): True,
        ("video-region", "value"): "441900003", ("video-state", "data"): {"layout": 9, "cameras": samples["camera"],
                                                                         "region": None},
        ("video-map-cameras", "clickData"): {**feature, "properties": {"code": samples["camera"][-1]}},
        ("board-rem", "data"): 16, ("board-scope", "data"): {"board": "overview", "search": "?range=7d"},
        ("panel-good", "data"): "10:00",
        ("panel-graph", "clickData"): {"points": [{"x": 1, "y": 2, "customdata": "/cases?range=7d"}]},
        ("filter-region", "value"): "441900003", ("filter-range", "value"): "custom",
        ("filter-dates", "start_date"): "2026-07-01", ("filter-dates", "end_date"): "2026-07-14",
        ("filter-major", "value"): "06", ("filter-source", "value"): "public",
        ("board-nav", "pathname"): "/board/overview",
        ("live-cursor", "data"): {"last_id": 19_000, "recent": [18_990], "count": 10},
        ("live-alarm-state", "data"): [["k1", False]], ("live-ack-version", "data"): 0,
        ("live-officer", "value"): "张三", ("alarm-ack", "n_clicks"): 1,
        ("_pages_location", "pathname"): "/cases", ("_pages_location", "search"): "?range=7d",
    }


def _base(values: dict, id_text: str, prop: str):
    name = json.loads(id_text)["type"] if id_text.startswith("{") else id_text
    return values.get((name, prop), 1 if prop in ("n_intervals", "n_clicks") else None)


def callback_payload(dep: dict, samples: dict, values: dict, key) -> dict:
    """The body the browser sends for `dep`, with valid values; MATCH/ALL ids filled with `key`."""
    def one(item):
        id_text, prop = item["id"], item["property"]
        if _is_wildcard(id_text):
            return [{"id": _concrete(id_text, samples, k), "property": prop, "value": _base(values, id_text, prop)}
                    for k in (key, "k2")]
        return {"id": _concrete(id_text, samples, key), "property": prop, "value": _base(values, id_text, prop)}

    outputs = [{"id": _concrete(i, samples, key), "property": p} for i, p in _outputs(dep["output"])]
    inputs = [one(i) for i in dep["inputs"]]
    first = inputs[0][0] if isinstance(inputs[0], list) else inputs[0]
    first_id = json.dumps(first["id"], separators=(",", ":"), sort_keys=True) if isinstance(first["id"], dict) else first["id"]
    return {"output": dep["output"], "outputs": outputs if len(outputs) > 1 else outputs[0], "inputs": inputs,
            "state": [one(s) for s in dep["state"]], "changedPropIds": [f"{first_id}.{first['property']}"]}


@st.composite
def mutated_payload(draw, base: dict):
    """The valid body with some argument values mutated, or (less often) a broken envelope."""
    body = json.loads(json.dumps(base))
    slots = [(part, i, j) for part in ("inputs", "state") for i, item in enumerate(body[part])
             for j in (range(len(item)) if isinstance(item, list) else [None])]
    for part, i, j in draw(st.lists(st.sampled_from(slots), min_size=1, max_size=3)):
        prop = body[part][i] if j is None else body[part][i][j]
        prop["value"] = draw(mutated(prop["value"]))
        if draw(st.integers(0, 9)) == 0:  # a wrong or mistyped id
            prop["id"] = draw(mutated(prop["id"]))
    if draw(st.integers(0, 7)) == 0:
        body = draw(mutated(body))
    return body


def server_callbacks(target: Target) -> list[dict]:
    deps = target.client.get("/_dash-dependencies").get_json()
    return [d for d in deps if not d.get("clientside_function")]


def test_every_callback_takes_any_input_without_5xx(target):
    values = base_values(target.samples)
    first = target.sent
    callbacks = server_callbacks(target)
    assert len(callbacks) >= 20
    for dep in callbacks:
        key = target.samples["panel"][0] if "panel" in json.dumps(dep) else "k1"
        base = callback_payload(dep, target.samples, values, key)
        where = f"callback {dep['output'][:80]}"
        target.send("POST", where, "/_dash-update-component", json=base)  # the valid request itself

        @FUZZ
        @given(mutated_payload(base))
        def fuzz(body):
            target.send("POST", where, "/_dash-update-component", json=body)

        fuzz()
    assert target.sent - first >= MIN_REQUESTS
    _report(target, "callbacks")


# ---- GET routes ----

QUERY_KEYS = ["region", "range", "from", "to", "major", "source", "community", "category", "status", "department",
              "layout", "cameras", "kiosk", "reload", "focus", "at", "bbox", "pressure", "seconds", "city_case",
              "measure", "type", "overdue", "level", "event", "lang", "page", "q", "\x00", "区域", ""]
QUERY_VALUES = ["", "7d", "30d", "today", "custom", "year", "441900003", "441900003001", "06", "public", "0", "-1",
                "99999999999999999999", "1e308", "nan", "inf", "0001-01-01", "9999-12-31", "2026-02-30",
                "2026-07-15T10:30:00+14:00", "113.5,22.6,114.3,23.2", "1,2,3", "9e99,9e99,-9e99,-9e99", "\x00",
                "a\x00b", "城管", "🚧", "%", "x" * 2000, "1", "16", "high,low", "true"]
query_pairs = st.lists(st.tuples(st.sampled_from(QUERY_KEYS) | st.text(max_size=6),
                                 st.sampled_from(QUERY_VALUES) | st.text(max_size=12)), max_size=6)


@st.composite
def query_string(draw) -> str:
    """A query string: known keys, repeated keys, odd values, or raw bytes of text."""
    if draw(st.integers(0, 9)) == 0:
        return quote(draw(st.text(max_size=30)), safe="=&%?")
    pairs = draw(query_pairs)
    if pairs and draw(st.booleans()):
        pairs.append(pairs[0])  # a repeated key
    return urlencode(pairs)


def route_paths(target: Target) -> dict[str, list[str]]:
    """Each GET rule of the server with sample paths for it (real values and odd ones)."""
    s = target.samples
    odd = ["x", "0", "%00", "🚧", "..", "x" * 300]
    pages = ["/", "/board/overview", "/board/city-management", "/board/sanitation", "/board/landscaping",
             "/board/gas-safety", "/board/enforcement", "/board/image", "/board/province", "/live", "/map/gas-pipelines",
             "/map/illegal-construction", "/map/flood-risk", "/video", "/status", "/cases", "/case",
             *(f"/case/{c}" for c in s["case"][:2]), "/case/x", *(f"/objects/{k}" for k in s["kind"]),
             "/objects/nope", f"/object/{s['kind'][0]}/1", f"/object/{s['kind'][0]}/x", "/object/x/y",
             *(f"/kiosk/{p}" for p in s["playlist"]), "/kiosk/nope", *(f"/panel/{p}" for p in s["panel"]),
             "/panel/nope", "/nope"]
    cam = s["camera"][0]
    samples = {
        "/<path:path>": pages,
        "/": ["/"],
        "/api/v1/cases.csv": ["/api/v1/cases.csv"],
        "/objects/<kind_id>.csv": [f"/objects/{k}.csv" for k in SMALL_KINDS if k in s["kind"]] + ["/objects/nope.csv"],
        "/media/<path:path>": ["/media/x.svg", "/media/case/1.svg", *(f"/media/{o}" for o in odd)],
        "/camera-media/<code>/snapshot.jpg": [f"/camera-media/{c}/snapshot.jpg" for c in [cam, *odd]],
        "/camera-media/event/<int:event_id>.jpg": ["/camera-media/event/1.jpg", "/camera-media/event/0.jpg",
                                                   f"/camera-media/event/{2**70}.jpg"],
        "/camera-media/<code>/mjpeg": [f"/camera-media/{c}/mjpeg" for c in [*s["camera"], "x"]],
        "/camera-media/<code>/<path:path>": [f"/camera-media/{cam}/{p}" for p in ["clip.mp4", "index.m3u8", *odd]],
        "/camera-media/cameras.geojson": ["/camera-media/cameras.geojson"],
        "/camera-media/regions.geojson": ["/camera-media/regions.geojson"],
        "/api/v1/geo/<layer>": [f"/api/v1/geo/{layer}" for layer in s["layer"]] + ["/api/v1/geo/nope"],
        "/api/v1/geo": ["/api/v1/geo", "/api/v1/geo/"],
        "/map-media/<name>": ["/map-media/x.svg", "/map-media/site-1-a.svg", *(f"/map-media/{o}" for o in odd)],
        "/health": ["/health"],
        "/_dash-layout": ["/_dash-layout"], "/_dash-dependencies": ["/_dash-dependencies"],
    }
    rules = {r.rule for r in target.app.server.url_map.iter_rules() if "GET" in r.methods}
    others = {rule: [VARIABLE.sub(lambda m: "1" if m.group(1) == "int" else value, rule) for value in ("x", "1")]
              for rule in rules - UNLISTED - set(samples)}  # routes added later (e.g. /login): odd values at least
    return {rule: paths for rule, paths in (samples | others).items() if rule in rules or rule == "/"}


VARIABLE = re.compile(r"<(?:(\w+):)?\w+>")


SMALL_KINDS = ("vehicles", "transfer_stations", "gas_events", "ancient_trees", "publicity_articles")  # quick exports
CSV_EXAMPLES = 60  # exports read every row: fewer examples for them


UNLISTED = {"/static/<path:filename>", "/assets/<path:filename>", "/_reload-hash", "/_favicon.ico",
            "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>", "/api/v1/geo/"}


def test_every_get_route_takes_any_query_without_5xx(target):
    paths = route_paths(target)
    first = target.sent
    rules = {r.rule for r in target.app.server.url_map.iter_rules() if "GET" in r.methods}
    assert rules - UNLISTED <= set(paths)
    for rule, samples in paths.items():
        @settings(FUZZ, max_examples=CSV_EXAMPLES if rule.endswith(".csv") else ROUTE_EXAMPLES)
        @given(st.sampled_from(samples), query_string())
        def fuzz(path, query):
            target.send("GET", f"GET {rule}", f"{path}?{query}" if query else path)
            if rule == "/<path:path>":  # the browser then renders the page through the pages callback
                target.send("POST", f"page {path}", "/_dash-update-component", json=pages_request(path, "?" + query))

        fuzz()
    assert target.sent - first >= MIN_REQUESTS
    _report(target, "routes")


def pages_request(pathname: str, search: str) -> dict:
    return {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "state": [], "changedPropIds": ["_pages_location.pathname"]}


# ---- the inputs that answered 500 before the validation layer (issue 14), answered quietly now ----

FOUND_BEFORE = [  # (callback output containing, input or state slot, value)
    ("panel-body", ("state", 0), None), ("panel-body", ("state", 0), "overview"),
    ("cases-grid", ("inputs", 0), {"startRow": "abc", "endRow": 100}),
    ("cases-grid", ("inputs", 0), {"startRow": 1e308, "endRow": 100}),
    ("cases-grid", ("inputs", 0), {"startRow": 0, "endRow": 100, "sortModel": "reported_at"}),
    ("flood-points-layer.url", ("inputs", 0), "abc"), ("gas-detail", ("inputs", 0), 5),
    ("board-nav.href@d2f4", ("inputs", 0), [5]), ("live-new", ("state", 0), None),
]


def test_inputs_that_answered_500_before_are_quiet_now(target):
    values = base_values(target.samples)
    deps = server_callbacks(target)
    for fragment, (part, index), value in FOUND_BEFORE:
        dep = next(d for d in deps if fragment in d["output"])
        body = callback_payload(dep, target.samples, values, target.samples["panel"][0])
        slot = body[part][index]
        for prop in slot if isinstance(slot, list) else [slot]:
            prop["value"] = value
        response = target.client.post("/_dash-update-component", json=body)
        assert response.status_code == 204, (fragment, value, response.status_code)  # PreventUpdate: no update
    ack = next(d for d in deps if "live-ack-version" in d["output"])
    body = callback_payload(ack, target.samples, values, 7)  # an alarm-ack id whose key is not a string
    body["changedPropIds"] = ['{"key":7,"type":"alarm-ack"}.n_clicks']
    assert target.client.post("/_dash-update-component", json=body).status_code == 204
    grid = next(d for d in deps if "cases-grid" in d["output"])
    body = callback_payload(grid, target.samples, values, "k1")  # an aware time where naive ones are compared
    body["state"][0]["value"] = {"search": "?range=7d", "now": "2026-07-15T10:30:00+14:00"}
    response = target.client.post("/_dash-update-component", json=body)
    assert response.status_code == 200 and response.get_json()["response"]["cases-grid"]["getRowsResponse"]["rowData"]
