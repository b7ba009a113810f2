"""城管执法 board figures equal independent computations from the raw tables, and every figure's
click opens an object list with the same count (SQLite and PostgreSQL)."""
from __future__ import annotations

import base64
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from dashboard.panels import View
from data_access import boards, clock, objects
from data_access import enforcement as enf
from data_access.filters import Scope
from data_access.models import Camera, CameraEvent, Category
from data_access.models_enforcement import BodyCamera, EnforcementCase, Officer, OfficerDuty, OfficerWork
from data_access.models_image import ServiceFeedback
from layouts import panels_enforcement as pe

LOCAL = timedelta(hours=8)


def url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def scopes():
    today = clock.today()
    return [Scope(today - timedelta(days=29), today), Scope(today - timedelta(days=364), today),
            Scope(today - timedelta(days=89), today, region="441900003")]


def raw(engine, model) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(select(model)).mappings().all())


def in_scope(df, column, scope: Scope, region_column="region_code"):
    day = (pd.to_datetime(df[column]) + LOCAL).dt.date
    keep = (day >= scope.day_from) & (day <= scope.day_to)
    if scope.region and region_column:
        keep &= df[region_column] == scope.region
    return df[keep]


def cases_of(seeded, scope):
    return in_scope(raw(seeded, EnforcementCase), "filed_at", scope)


@pytest.mark.parametrize("which", range(3))
def test_headline_equals_raw_cases(seeded, which):
    scope = scopes()[which]
    ec = cases_of(seeded, scope)
    now = clock.utcnow()
    got = enf.headline.uncached(url(seeded), scope)
    open_ = ec["status"].isin(enf.OPEN_STATUSES)
    closed = ec[ec["status"] == "closed"]
    assert got["filed"] == len(ec) > 0
    assert got["closed"] == len(closed)
    assert got["open"] == open_.sum()
    assert got["overdue"] == (open_ & (pd.to_datetime(ec["deadline_at"]) < now)).sum()
    assert got["fined"] == (ec["penalty"] == "fine").sum()
    assert got["fines_decided"] == pytest.approx(ec["fine_amount"].fillna(0).sum())
    assert got["fines_paid"] == pytest.approx(ec["fine_paid"].fillna(0).sum())
    assert got["paid"] == ec["fine_paid"].notna().sum()
    days = (pd.to_datetime(closed["closed_at"]) - pd.to_datetime(closed["filed_at"])).dt.total_seconds() / 86400
    assert got["avg_days"] == pytest.approx(days.mean(), rel=1e-6)


def test_year_has_overdue_cases_and_both_procedures(seeded):
    got = enf.stages.uncached(url(seeded), scopes()[1])
    assert set(got["procedure"]) == {"simple", "ordinary"}
    assert got["overdue"].sum() > 0


@pytest.mark.parametrize("which", range(3))
def test_stages_violations_and_towns_equal_raw_cases(seeded, which):
    scope = scopes()[which]
    ec = cases_of(seeded, scope)
    now = clock.utcnow()
    ec = ec.assign(overdue=ec["status"].isin(enf.OPEN_STATUSES) & (pd.to_datetime(ec["deadline_at"]) < now))
    stages = enf.stages.uncached(url(seeded), scope).set_index(["procedure", "status"]).sort_index()
    expected = ec.groupby(["procedure", "status"]).agg(cases=("id", "size"), overdue=("overdue", "sum")).sort_index()
    assert stages["cases"].tolist() == expected["cases"].tolist()
    assert stages["overdue"].tolist() == expected["overdue"].astype(int).tolist()

    by_v = enf.by_violation.uncached(url(seeded), scope).set_index("violation").sort_index()
    grouped = ec.groupby("violation")
    assert by_v["cases"].tolist() == grouped.size().sort_index().tolist()
    for penalty in enf.PENALTIES:
        assert by_v[penalty].tolist() == grouped["penalty"].apply(lambda s: (s == penalty).sum()).sort_index().tolist()
    assert by_v["fines_decided"].tolist() == pytest.approx(grouped["fine_amount"].sum().sort_index().tolist())
    assert by_v["fines_paid"].tolist() == pytest.approx(grouped["fine_paid"].sum().sort_index().tolist())

    by_r = enf.by_region.uncached(url(seeded), scope).set_index("region_code").sort_index()
    assert by_r["fines_decided"].tolist() == pytest.approx(
        ec.groupby("region_code")["fine_amount"].sum().sort_index().tolist())


@pytest.mark.parametrize("which", range(3))
def test_offsite_funnel_equals_raw_events_and_cases(seeded, which):
    scope = scopes()[which]
    with seeded.connect() as conn:
        events = pd.DataFrame(conn.execute(
            select(CameraEvent.detected_at, Camera.region_code, Category.code)
            .join(Camera, Camera.id == CameraEvent.camera_id)
            .join(Category, Category.id == CameraEvent.category_id)).all(), columns=["detected_at", "region_code", "code"])
    codes = {c for _zh, _en, group in enf.VIOLATIONS.values() for c in group}
    events = in_scope(events[events["code"].isin(codes)], "detected_at", scope)
    ec = cases_of(seeded, scope)
    video = ec[ec["origin"] == "video"]
    got = enf.offsite.uncached(url(seeded), scope)
    assert got == {"events": len(events), "notices": len(video),
                   "penalties": int(video["penalty"].isin(enf.SANCTIONS).sum())}
    assert got["events"] >= got["notices"] >= got["penalties"]


def test_people_and_equipment_equal_raw_records(seeded):
    for scope in scopes():
        duties = raw(seeded, OfficerDuty)
        today = duties[duties["day"] == scope.day_to]
        if scope.region:
            today = today[today["region_code"] == scope.region]
        got = enf.duty.uncached(url(seeded), scope).set_index("region_code")
        expected = today.groupby("region_code")["officer_id"].nunique()
        assert got["on_duty"][got["on_duty"] > 0].sort_index().tolist() == expected.sort_index().tolist()
        officers = raw(seeded, Officer)
        assert got["officers"].sum() == (len(officers) if not scope.region
                                         else (officers["region_code"] == scope.region).sum())

        work = raw(seeded, OfficerWork)
        work = work[(work["day"] >= scope.day_from) & (work["day"] <= scope.day_to)]
        if scope.region:
            work = work[work["region_code"] == scope.region]
        split = enf.work_split.uncached(url(seeded), scope).set_index("kind")
        for kind in enf.WORK_KINDS:
            assert split.loc[kind, "minutes"] == work.loc[work["kind"] == kind, "minutes"].sum()
        assert split["share"].sum() == pytest.approx(1.0)

        cams = raw(seeded, BodyCamera)
        feedback = in_scope(raw(seeded, ServiceFeedback), "received_at", scope)
        if scope.region:
            cams = cams[cams["region_code"] == scope.region]
        got = enf.equipment.uncached(url(seeded), scope)
        assert (got["cameras"], got["online"]) == (len(cams), (cams["status"] == "online").sum())
        assert got["complaints"] == ((feedback["kind"] == "complaint") & feedback["officer_id"].notna()).sum()


# ---- every figure and the list it opens ----

def view_of(seeded, scope: Scope, search: str) -> View:
    return View(scope=scope, search=search, language="zh", rem=16.0, names=boards.names(url(seeded)),
                today=clock.today())


def figures(component):
    """Every Plotly figure (as a dict) and every link (text, href) inside a built panel."""
    figs, links = [], []

    def walk(node):
        if isinstance(node, (list, tuple)):
            for child in node:
                walk(child)
            return
        if node is None or isinstance(node, (str, int, float)):
            return
        fig = getattr(node, "figure", None)
        if fig is not None:
            figs.append(fig if isinstance(fig, dict) else fig.to_plotly_json())
        href = getattr(node, "href", None)
        if href:
            links.append((node, href))
        walk(getattr(node, "children", None))

    walk(component)
    return figs, links


def count_of(seeded, href: str) -> int:
    path, _, query = href.partition("?")
    kind = path.rsplit("/", 1)[-1]
    return objects.count(url(seeded), kind, query)


def decoded(values):
    """Plotly 6 sends numeric arrays as base64 typed arrays ({"dtype", "bdata"}) in figure JSON."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).tolist()
    return list(values)


def count_traces(seeded, fig, skip=()):
    """(value, count of the list its point opens) for every point of every counting trace."""
    pairs = []
    for trace in fig["data"]:
        links = trace.get("customdata")
        if links is None or trace.get("name") in skip or trace.get("mode") == "text":
            continue
        if trace["type"] == "pie":
            values = trace["values"]
        elif trace["type"] == "funnel" or trace.get("orientation") == "h":
            values = trace["x"]
        else:
            values = trace["y"]
        for value, link in zip(decoded(values), links):
            if link:
                pairs.append((int(value), count_of(seeded, link)))
    return pairs


SEARCHES = ["?range=30d", "?range=year", "?range=custom&from=2026-05-01&to=2026-06-30&region=441900003"]
COUNTING = ("enforcement.procedure", "enforcement.penalty_kinds", "enforcement.offsite", "enforcement.top_violations",
            "enforcement.duty", "enforcement.equipment")


@pytest.mark.parametrize("search", SEARCHES)
def test_every_counting_figure_opens_a_list_of_the_same_count(seeded, search):
    from dashboard import panels, urlstate

    query, problems = urlstate.parse(search, clock.today())
    assert not problems
    scope = Scope(query.day_from, query.day_to, query.region)
    view = view_of(seeded, scope, search)
    checked = 0
    for panel_id in COUNTING:
        panel = panels.get(panel_id)
        figs, _links = figures(panel.build(panel.data(url(seeded), scope), view))
        for fig in figs:
            for value, listed in count_traces(seeded, fig, skip=("编制",)):
                assert value == listed, panel_id
                checked += 1
    assert checked > 20


@pytest.mark.parametrize("search", SEARCHES)
def test_headline_tiles_open_lists_of_the_same_count(seeded, search):
    from dashboard import urlstate

    query, _ = urlstate.parse(search, clock.today())
    scope = Scope(query.day_from, query.day_to, query.region)
    data = enf.headline.uncached(url(seeded), scope)
    row = pe.kpis(data, view_of(seeded, scope, search))
    tiles = {tile.children[0].children: tile.href for tile in row.children}
    assert count_of(seeded, tiles["立案"]) == data["filed"]
    assert count_of(seeded, tiles["已结案"]) == data["closed"]
    assert count_of(seeded, tiles["在办"]) == data["open"]
    assert count_of(seeded, tiles["超期"]) == data["overdue"]
    assert count_of(seeded, tiles["罚款决定"]) == data["fined"]
    assert count_of(seeded, tiles["罚款收缴"]) == data["paid"]


def test_case_page_links_to_the_enforcement_cases_it_started(seeded):
    """The link both ways: an enforcement case names its city case, and the city case's page
    links to the list of its enforcement cases with their number."""
    from sqlalchemy import func

    from data_access import case_list
    from data_access.models import Case
    from layouts.case_detail import enforcement_link

    url = seeded.url.render_as_string(hide_password=False)
    with seeded.connect() as conn:
        case_id, case_no, started = conn.execute(
            select(Case.id, Case.case_no, func.count(EnforcementCase.id))
            .join(EnforcementCase, EnforcementCase.city_case_id == Case.id)
            .group_by(Case.id, Case.case_no).order_by(func.count(EnforcementCase.id).desc(), Case.id).limit(1)).one()
        lone = conn.execute(select(Case.case_no).where(Case.id.not_in(
            select(EnforcementCase.city_case_id).where(EnforcementCase.city_case_id.isnot(None))))
            .order_by(Case.id).limit(1)).scalar_one()
    link, count = enforcement_link(url, case_list.case_detail(url, case_no, clock.utcnow()))
    assert count == started >= 1 and link.startswith("/objects/enforcement_cases?") and f"city_case={case_no}" in link
    assert enforcement_link(url, case_list.case_detail(url, lone, clock.utcnow()))[1] == 0
