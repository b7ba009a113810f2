"""城管形象 figures equal independent computations from the raw tables, figures open lists of the
same count, and return visits are written only through the case write path's checks."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import select

from data_access import clock, db, image
from data_access.cases import record_return_visit
from data_access.filters import Scope
from data_access.models import Case
from data_access.models_image import HotlineTicket, MediaReport, PublicityArticle, ReturnVisit, ServiceFeedback
from layouts import panels_image as pi
from test_enforcement_data import count_of, count_traces, figures, in_scope, raw, url, view_of

SEARCHES = ["?range=30d", "?range=year", "?range=custom&from=2026-04-01&to=2026-06-30&region=441900003"]


def scope_of(search: str) -> Scope:
    from dashboard import urlstate

    query, problems = urlstate.parse(search, clock.today())
    assert not problems
    return Scope(query.day_from, query.day_to, query.region)


@pytest.mark.parametrize("search", SEARCHES)
def test_visits_equal_raw_rows(seeded, search):
    scope = scope_of(search)
    visits = in_scope(raw(seeded, ReturnVisit), "visited_at", scope)
    satisfied = visits["result"].isin(image.SATISFIED)
    got = image.visits.uncached(url(seeded), scope).iloc[0]
    assert (got["visited"], got["reached"], got["satisfied"]) == (len(visits), visits["reached"].sum(), satisfied.sum())
    assert got["rate"] == pytest.approx(satisfied.sum() / visits["reached"].sum())
    by_dept = image.visits.uncached(url(seeded), scope, ("department_id",)).set_index("department_id").sort_index()
    expected = visits.assign(s=satisfied).groupby("department_id").agg(reached=("reached", "sum"), s=("s", "sum"))
    assert by_dept["reached"].tolist() == expected["reached"].astype(int).tolist()
    assert by_dept["satisfied"].tolist() == expected["s"].astype(int).tolist()


def test_every_seeded_visit_follows_the_closing_of_a_public_or_12345_case(seeded):
    with seeded.connect() as conn:
        rows = pd.DataFrame(conn.execute(
            select(ReturnVisit.visited_at, ReturnVisit.reached, ReturnVisit.result, ReturnVisit.source,
                   ReturnVisit.region_code, Case.source.label("case_source"), Case.status, Case.closed_at,
                   Case.region_code.label("case_region"))
            .join(Case, Case.id == ReturnVisit.case_id)).mappings().all())
        closed = conn.execute(select(Case.id).where(Case.source.in_(image.VISIT_SOURCES), Case.status == "closed")).all()
    assert len(rows) > 0.8 * len(closed) * image_seed_visited() - 50
    assert (rows["status"] == "closed").all() and rows["case_source"].isin(image.VISIT_SOURCES).all()
    assert (pd.to_datetime(rows["visited_at"]) >= pd.to_datetime(rows["closed_at"])).all()
    assert (rows["source"] == rows["case_source"]).all() and (rows["region_code"] == rows["case_region"]).all()
    assert rows.loc[~rows["reached"].astype(bool), "result"].isna().all()


def image_seed_visited() -> float:
    from seeds.image import VISITED

    return VISITED


@pytest.mark.parametrize("search", SEARCHES)
def test_tickets_equal_raw_rows(seeded, search):
    scope = scope_of(search)
    t = in_scope(raw(seeded, HotlineTicket), "received_at", scope)
    responded = t["responded_at"].notna() & (pd.to_datetime(t["responded_at"]) <= pd.to_datetime(t["respond_due_at"]))
    got = image.tickets.uncached(url(seeded), scope, ("category",)).set_index("category").sort_index()
    grouped = t.assign(responded=responded, closed=t["closed_at"].notna(), rated=t["rating"].notna(),
                       satisfied=t["rating"].isin(image.SATISFIED)).groupby("category")
    for column in ("responded", "closed", "rated", "satisfied"):
        assert got[column].tolist() == grouped[column].sum().astype(int).sort_index().tolist(), column
    assert got["received"].tolist() == grouped.size().sort_index().tolist()
    whole = image.tickets.uncached(url(seeded), scope).iloc[0]
    assert whole["response_rate"] == pytest.approx(responded.mean())
    assert whole["closing_rate"] == pytest.approx(t["closed_at"].notna().mean())


@pytest.mark.parametrize("search", SEARCHES)
def test_media_feedback_and_publicity_equal_raw_rows(seeded, search):
    scope = scope_of(search)
    media = in_scope(raw(seeded, MediaReport), "published_at", scope)
    got = image.media.uncached(url(seeded), scope, ("outlet", "sentiment")).set_index(["outlet", "sentiment"]).sort_index()
    assert got["reports"].tolist() == media.groupby(["outlet", "sentiment"]).size().sort_index().tolist()
    fb = in_scope(raw(seeded, ServiceFeedback), "received_at", scope)
    got = image.feedback.uncached(url(seeded), scope).set_index(["kind", "subject"]).sort_index()
    assert got["count"].tolist() == fb.groupby(["kind", "subject"]).size().sort_index().tolist()
    articles = in_scope(raw(seeded, PublicityArticle), "published_at", scope, region_column=None)
    got = image.publicity.uncached(url(seeded), scope).set_index("channel").sort_index()
    assert got["reads"].tolist() == articles.groupby("channel")["reads"].sum().sort_index().tolist()


COUNTING = {"image.satisfaction_trend": ("满意率",), "image.hotline_by_region": (), "image.media_outlets": (),
            "image.sentiment_trend": (), "image.recognition": ()}


@pytest.mark.parametrize("search", SEARCHES)
def test_every_counting_figure_opens_a_list_of_the_same_count(seeded, search):
    from dashboard import panels

    scope = scope_of(search)
    view = view_of(seeded, scope, search)
    checked = 0
    for panel_id, skip in COUNTING.items():
        panel = panels.get(panel_id)
        figs, _ = figures(panel.build(panel.data(url(seeded), scope), view))
        for fig in figs:
            for value, listed in count_traces(seeded, fig, skip=skip):
                assert value == listed, panel_id
                checked += 1
    assert checked > 20


@pytest.mark.parametrize("search", SEARCHES[:2])
def test_headline_tiles_and_table_open_lists_of_the_same_count(seeded, search):
    scope = scope_of(search)
    view = view_of(seeded, scope, search)
    data = pi.headline(url(seeded), scope)
    tiles = {tile.children[0].children: tile.href for tile in pi.kpis(data, view).children}
    v, t = data["visits"].iloc[0], data["tickets"].iloc[0]
    assert count_of(seeded, tiles["回访"]) == v["visited"]
    assert count_of(seeded, tiles["回访满意率"]) == v["satisfied"]
    assert count_of(seeded, tiles["12345 受理"]) == t["received"]
    assert count_of(seeded, tiles["响应率"]) == t["responded"]
    assert count_of(seeded, tiles["办结率"]) == t["closed"]
    assert count_of(seeded, tiles["12345 满意率"]) == t["satisfied"]
    media = data["media"].set_index("sentiment")["reports"]
    assert count_of(seeded, tiles["负面舆情"]) == media.get("negative", 0)
    assert count_of(seeded, tiles["表扬 / 投诉"]) == data["feedback"]["count"].sum()
    table = image.tickets.uncached(url(seeded), scope, ("category",))
    _, links = figures(pi.hotline_by_category(table, view))
    by_category = table.set_index("category")
    for node, href in links:
        if "responded=1" in href:
            category = href.split("category=")[1].split("&")[0]
            assert count_of(seeded, href) == by_category.loc[category, "responded"]


# ---- the write path ----

def test_return_visits_go_through_the_case_write_path(mini_city):
    from sqlalchemy.orm import Session

    with Session(mini_city.engine, expire_on_commit=False) as session:
        cases = session.execute(select(Case).order_by(Case.case_no)).scalars().all()
        closed_hotline = next(c for c in cases if c.status == "closed" and c.source == "hotline")
        closed_inspector = next(c for c in cases if c.status == "closed" and c.source == "inspector")
        open_public = next(c for c in cases if c.status != "closed" and c.source == "public")
        later = closed_hotline.closed_at + timedelta(hours=20)
        with pytest.raises(image.VisitError, match="only cases from"):
            record_return_visit(session, closed_inspector, later, True, "satisfied")
        with pytest.raises(image.VisitError, match="follows closing"):
            record_return_visit(session, open_public, later, True, "satisfied")
        with pytest.raises(image.VisitError, match="before closing"):
            record_return_visit(session, closed_hotline, closed_hotline.closed_at - timedelta(minutes=1), True,
                                "satisfied")
        with pytest.raises(image.VisitError, match="needs a result"):
            record_return_visit(session, closed_hotline, later, True, None)
        with pytest.raises(image.VisitError, match="no result"):
            record_return_visit(session, closed_hotline, later, False, "basic")
        record_return_visit(session, closed_hotline, later, False, None)
        record_return_visit(session, closed_hotline, later + timedelta(hours=2), True, "basic", "sms", "回访员02")
        session.commit()
    with db.session_scope(mini_city.engine) as session:
        rows = session.execute(select(ReturnVisit)).scalars().all()
        assert len(rows) == 1
        row = rows[0]
        assert (row.case_id, row.reached, row.result, row.method, row.source) == (
            closed_hotline.id, True, "basic", "sms", "hotline")
        assert row.region_code == closed_hotline.region_code and row.department_id == closed_hotline.department_id
