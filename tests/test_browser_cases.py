"""/cases and /case/<case_no> in headless Chromium: the count, grid rows, sorting, a click through to
the case page with its timeline and map, nothing from the internet, no scrollbars.
SHOTS_DIR=/tmp/shots keeps screenshots."""
from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
from browser import SCREENS, open_page
from sqlalchemy import func, select

from data_access import clock
from data_access.filters import CaseQuery, case_conditions
from data_access.models import Case

pytestmark = pytest.mark.browser
SHOTS_DIR = os.environ.get("SHOTS_DIR")
LIST = "/cases?measure=closed&range=30d"
ROWS = ".cases-grid .ag-center-cols-container .ag-row[row-id]"
PHOTOS_LOADED = "[...document.querySelectorAll('.photo')].every(img => img.complete && img.naturalWidth > 0)"


@pytest.fixture(scope="module")
def base_url(seeded_app_url):
    return seeded_app_url


def closed_last_30_days(engine) -> tuple[int, str]:
    """The count of the list and its smallest case number."""
    now = clock.utcnow()
    today = (now + timedelta(hours=8)).date()
    query = CaseQuery(today - timedelta(days=29), today, measure="closed")
    with engine.connect() as conn:
        return conn.execute(select(func.count(), func.min(Case.case_no)).where(*case_conditions(query, now))).one()


def test_list_to_case(browser, base_url, seeded_sqlite):
    total, smallest = closed_last_30_days(seeded_sqlite)
    with open_page(browser, base_url) as page:
        p = page.goto(LIST, ready=".cases-count")
        assert p.inner_text(".cases-count").replace("\n", "") == f"共 {total:,} 件"
        assert "近30天" in p.inner_text(".chips") and "结案数" in p.inner_text(".chips")
        assert p.get_attribute("#cases-export", "href") == "/api/v1/cases.csv?measure=closed&range=30d"
        p.wait_for_selector(ROWS)
        assert p.locator(ROWS).count() >= 10
        assert set(p.locator(f"{ROWS} [col-id='status']").all_inner_texts()) == {"已结案"}
        assert page.fits(), page.overflow()

        # Sorting happens on the server: ascending case numbers start with the smallest.
        p.click(".ag-header-cell[col-id='case_no'] .ag-header-cell-label")
        p.wait_for_selector(f"{ROWS}[row-index='0'][row-id='{smallest}']")

        case_no = p.get_attribute(f"{ROWS}[row-index='2']", "row-id")
        p.click(f"{ROWS}[row-index='2'] [col-id='address']")
        p.wait_for_url(re.compile(f"/case/{case_no}$"))
        p.wait_for_selector(".case-page .timeline tbody tr")
        assert p.inner_text(".case-title") == case_no
        assert p.locator(".stepper .step").count() == 7
        assert p.locator(".stepper .step.done").count() == 7  # a closed case went through all steps
        assert "结案" in p.inner_text(".timeline")
        p.wait_for_selector(".case-map .leaflet-overlay-pane path")  # the region outline drawn as the basemap
        p.wait_for_selector(".case-map .case-pin")
        assert p.locator(".case-map .leaflet-tile").count() == 0
        p.wait_for_function(PHOTOS_LOADED)
        assert page.fits(), page.overflow()
        assert page.console_errors == []
        assert page.external_requests == []


@pytest.mark.parametrize("screen", list(SCREENS))
def test_pages_fit_the_screen(browser, base_url, seeded_sqlite, screen):
    with seeded_sqlite.connect() as conn:
        case_no = conn.execute(select(Case.case_no).where(Case.status == "dispatched", Case.photos.isnot(None))
                               .order_by(Case.reported_at.desc()).limit(1)).scalar()
    with open_page(browser, base_url, SCREENS[screen]) as page:
        p = page.goto(LIST + "&hour=25", ready=".cases-count")
        p.wait_for_selector(ROWS)
        assert "小时应为 0-23" in p.inner_text(".warning-line")
        assert page.fits(), page.overflow()
        page.screenshot(SHOTS_DIR, f"cases-{screen}")

        p = page.goto(f"/case/{case_no}", ready=".case-page .timeline")
        p.wait_for_selector(".case-map .leaflet-overlay-pane path")
        p.wait_for_function(PHOTOS_LOADED)
        assert p.locator(".stepper .step.current").count() == 1
        assert page.fits(), page.overflow()
        page.screenshot(SHOTS_DIR, f"case-{screen}")
        assert page.console_errors == []
        assert page.external_requests == []


def test_unknown_case(browser, base_url):
    with open_page(browser, base_url) as page:
        response = page.page.goto(base_url + "/case/DG19990101000001")
        assert response.status == 404
        page.page.wait_for_selector(".case-missing")
        assert "案件不存在" in page.page.inner_text(".case-missing")
        assert page.external_requests == []
