"""Temporary (not committed): English pages at 1080p and 4K for docs/screenshots."""
import os

import pytest
from sqlalchemy import select

from browser import open_page, serve
from test_language import SETTLED


@pytest.fixture(scope="module")
def en_url(seeded_sqlite, tmp_path_factory):
    from dashboard.app import create_app
    from dashboard.settings import load_settings

    settings = load_settings({"DATABASE_URL": seeded_sqlite.url.render_as_string(hide_password=False),
                              "DATA_DIR": str(tmp_path_factory.mktemp("en")), "LANGUAGE": os.environ.get("SHOT_LANG", "en")})
    with serve(create_app(settings).server) as url:
        yield url


def test_shots(browser, en_url, seeded_sqlite):
    from data_access.models import Case

    with seeded_sqlite.engine.connect() as conn:
        case_no = conn.execute(select(Case.case_no).where(Case.photos.isnot(None), Case.photos != "[]",
                               Case.camera_id.isnot(None), Case.extension_minutes > 0).order_by(Case.case_no).limit(1)).scalar()
    lang = os.environ.get("SHOT_LANG", "en")
    for size in ((1920, 1080), (3840, 2160)):
        with open_page(browser, en_url, size=size) as page:
            for name, path in [("cases", "/cases"), ("case", f"/case/{case_no}"), ("live", "/live"),
                               *[(p.strip("/").replace("/", "-"), p) for p in os.environ.get("SHOT_PATHS", "").split(",") if p]]:
                page.page.goto(en_url + path)
                page.page.wait_for_function(SETTLED, polling=250)
                page.screenshot("/tmp/shots", f"{name}-{lang}-{size[0]}x{size[1]}")
