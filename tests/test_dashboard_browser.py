"""The real Streamlit server in Debian's Chromium (Playwright, system executable)."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

import metrics
from dashboard.presentation import show
from metrics import ANALYST, Filter
from tests.browser import (ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, PATIENCE, choose, chromium, new_page,
                           streamlit_server, wait_for_app)
from tests.dashboard_fixtures import PAGES, TITLES, app_env, build_demo_warehouse, cursor

pytestmark = pytest.mark.browser

URL_PATHS = {p: ("" if p == "overview" else p.replace("_", "-")) for p in PAGES}
SCHEMES = {  # scheme id -> the label the filter (and the URL) uses
    "TVP-DRUGLINK": "Druglink", "DUR-CHECKPOINT": "Checkpoint", "NOR-CITADEL": "#Citadel",
    "ASP-DEP": "Drug Education Programme", "CAM-HUB": "Offender Hub", "DC-DST": "Diversion and Support Team",
    "CHE-PGP": "Problem Gambling Pathway", "NOT-VASS": "Vulnerable Adult Support Scheme",
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return build_demo_warehouse(tmp_path_factory.mktemp("browser"))


@pytest.fixture(scope="module")
def server(warehouse):
    with streamlit_server(app_env(warehouse)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as instance:
        yield instance


def referrals_for(warehouse, **filter_args) -> str:
    return show(metrics.summary(cursor(warehouse), ANALYST, Filter(**filter_args))["referrals"]).text


def tile(page, label: str):
    return page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    ).get_by_test_id("stMetricValue")


def test_every_page_loads_without_an_error_and_is_screenshotted(server, browser):
    page = new_page(browser, viewport={"width": 1400, "height": 1000})
    try:
        for name in PAGES:
            page.goto(f"{server}/{URL_PATHS[name]}")
            wait_for_app(page)
            page.get_by_role("heading", name=TITLES[name]).first.wait_for()
            page.wait_for_timeout(800)  # let plotly draw before the screenshot
            assert page.get_by_test_id("stException").count() == 0, name
            assert page.get_by_test_id("stAlertContentError").count() == 0, name
            assert page.get_by_text("Page not found").count() == 0, name
            page.screenshot(path=str(ARTIFACTS / f"page-{name}.png"), full_page=True)
    finally:
        page.context.close()


def test_choosing_a_scheme_in_the_sidebar_updates_the_tile_and_the_url(server, browser, warehouse):
    from playwright.sync_api import expect

    page = new_page(browser, viewport={"width": 1400, "height": 1000})
    try:
        page.goto(server)
        wait_for_app(page)
        expect(tile(page, "Referrals")).to_have_text(referrals_for(warehouse), timeout=PATIENCE)
        choose(page, "Scheme", "Druglink")
        page.keyboard.press("Escape")
        expect(tile(page, "Referrals")).to_have_text(referrals_for(warehouse, schemes=("TVP-DRUGLINK",)),
                                                    timeout=PATIENCE)
        assert re.search(r"scheme=Druglink", page.url)
    finally:
        page.context.close()


def test_a_deep_link_opens_the_filtered_view(server, browser, warehouse):
    from playwright.sync_api import expect

    page = new_page(browser)
    try:
        page.goto(f"{server}/completion?district=Kettering")
        wait_for_app(page)
        values = metrics.summary(cursor(warehouse), ANALYST, Filter(districts=("Kettering",)))
        expect(tile(page, "Stepped down")).to_have_text(show(values["stepped_down"]).text, timeout=PATIENCE)
        expect(tile(page, "Completion rate")).to_have_text(show(values["completion_rate"]).text, timeout=PATIENCE)
    finally:
        page.context.close()


def test_eight_concurrent_sessions_changing_filters_all_succeed(server, warehouse):
    """Eight browser sessions at once, each opening one scheme's view and then changing to a
    two-scheme view; every one shows the right figure. (Picking in the widget is covered by
    the single-session test: eight tabs of charts starve clicks on two cores.)"""
    from playwright.async_api import async_playwright, expect

    expected = {scheme_id: referrals_for(warehouse, schemes=(scheme_id,)) for scheme_id in SCHEMES}

    async def session(browser, scheme_id: str, other_id: str) -> str:
        context = await browser.new_context()
        context.set_default_timeout(PATIENCE)
        page = await context.new_page()
        await page.goto(f"{server}/?{urlencode({'scheme': SCHEMES[scheme_id]})}")
        await expect(tile(page, "Referrals")).to_have_text(expected[scheme_id], timeout=150_000)
        # change the filter: follow a shared link to a two-scheme, one-period view
        await page.goto(f"{server}/?{urlencode([('scheme', SCHEMES[scheme_id]), ('scheme', SCHEMES[other_id])])}")
        both = referrals_for(warehouse, schemes=(scheme_id, other_id))
        await expect(tile(page, "Referrals")).to_have_text(both, timeout=150_000)
        errors = await page.get_by_test_id("stException").count()
        await context.close()
        return f"{scheme_id}: ok" if errors == 0 else f"{scheme_id}: {errors} errors"

    async def main():
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            ids = list(SCHEMES)
            results = await asyncio.gather(*(session(browser, ids[i], ids[(i + 1) % 8]) for i in range(8)),
                                           return_exceptions=True)
            await browser.close()
            return results

    # The sync Playwright of the other tests owns this thread's event loop: run in another.
    with ThreadPoolExecutor(1) as pool:
        results = pool.submit(asyncio.run, main()).result()
    assert [r for r in results if r != f"{str(r).split(':')[0]}: ok"] == []
    assert len(results) == 8
