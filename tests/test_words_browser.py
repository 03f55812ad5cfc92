"""What a person reads on every page, in the real browser: plain words, never a raw code,
no request to another host, and no WCAG 2.2 AA violation that axe-core can find.

For the analyst and a district commander, every page their role has is opened from the
sidebar (as a person does), and its visible text (tiles, chart labels, captions; tables are
drawn on a canvas, so tests/test_words_app.py reads them) is read: no snake_case code outside Definitions (where metric ids are shown as ids), no
"p = <", and in the analyst's unsuppressed view no "suppressed" except inside a sentence
that explains the rule.
"""

from __future__ import annotations

import pytest

from dashboard.pages_catalogue import pages_for
from metrics.scope import ROLE_LABELS
from tests.browser import (ARTIFACTS, PATIENCE, axe_violations, choose, chromium, new_page, streamlit_server,
                           wait_for_app)
from tests.dashboard_fixtures import app_env, build_demo_warehouse
from tests.words import problems

pytestmark = pytest.mark.browser


def recording(page) -> list[str]:
    """Every request the page makes, as scheme://host:port (filled in as it goes)."""
    from urllib.parse import urlsplit

    seen: list[str] = []
    page.on("request", lambda request: seen.append("{0.scheme}://{0.netloc}".format(urlsplit(request.url))))
    return seen


def outside(requests: list[str]) -> set[str]:
    return {r for r in requests if not r.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:"))}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    warehouse = build_demo_warehouse(tmp_path_factory.mktemp("words"))
    with streamlit_server(app_env(warehouse)) as url, chromium() as browser:
        yield url, browser


def visible_text(page) -> str:
    """The text a person can see: the page and the sidebar, chart text (SVG) included."""
    return page.evaluate("""() => {
        // Material icons are ligatures of their names ("keyboard_arrow_right"): drawn, not read
        const icons = Array.from(document.querySelectorAll('[data-testid=stIconMaterial], [data-testid$=Icon], [data-testid=stAlertDynamicIcon]'));
        icons.forEach(i => { i.dataset.display = i.style.display; i.style.display = 'none'; });
        const parts = [document.querySelector('[data-testid=stMain]'),
                       document.querySelector('[data-testid=stSidebar]')].filter(Boolean).map(e => e.innerText);
        for (const t of document.querySelectorAll('.js-plotly-plot svg text')) {
            if (t.checkVisibility()) parts.push(t.textContent);
        }
        icons.forEach(i => { i.style.display = i.dataset.display; });
        return parts.join('\\n');
    }""")


def read_every_page(page, role: str) -> tuple[dict[str, str], dict[str, list]]:
    """Each page's visible text, and axe-core's WCAG 2.2 AA violations on it."""
    texts, violations = {}, {}
    for spec in pages_for(role):
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=spec.title).click()
        page.get_by_role("heading", name=spec.title).first.wait_for(timeout=PATIENCE)
        wait_for_app(page)
        page.wait_for_timeout(800)  # plotly draws after the script has finished
        texts[spec.title] = visible_text(page)
        violations[spec.title] = axe_violations(page)
        page.screenshot(path=str(ARTIFACTS / f"words-{role}-{spec.url_path}.png"), full_page=True)
    return texts, violations


def read_as(server, role: str) -> tuple[dict[str, str], list[str], dict[str, list]]:
    """Every page of the role, opened from the sidebar: (page title -> text, requests made,
    page title -> axe violations)."""
    url, browser = server
    page = new_page(browser, viewport={"width": 1440, "height": 1000})
    requests = recording(page)
    try:
        page.goto(url)
        wait_for_app(page)
        if role != "analyst":
            page.get_by_text("Preview as role").click(timeout=PATIENCE)
            choose(page, "Role", ROLE_LABELS[role])
            wait_for_app(page)
        texts, violations = read_every_page(page, role)
    finally:
        page.context.close()
    assert len(texts) == len(pages_for(role))
    return texts, requests, violations


@pytest.fixture(scope="module")
def read(server):
    """read(role): read_as for the module, each role read once."""
    done = {}

    def once(role: str):
        if role not in done:
            done[role] = read_as(server, role)
        return done[role]
    return once


@pytest.mark.parametrize("role", ["analyst", "commissioner", "district_commander"])
def test_every_page_reads_in_plain_words_and_asks_no_other_host(read, role):
    texts, requests, _ = read(role)
    # nothing is asked of another host: fonts, favicon, scripts all come from this server
    assert len(requests) > 20 and outside(requests) == set(), sorted(outside(requests))
    found = problems(texts, unsuppressed=role == "analyst")
    assert not found, "\n".join(found)


def test_the_demo_reads_as_its_figures_mean(read):
    """Schemes without a contact target say so, the funnel's completed stage says what it is a
    share of (the completion tile's base), the difference of two rates is in points and the
    change in offending a percentage."""
    texts, _, _ = read("analyst")
    assert "no target" in texts["Engagement"]
    assert "Completed" in texts["Overview"] and "of exits counted" in texts["Overview"]
    assert "\u22127.5 points" in texts["Reoffending and comparison"]
    assert "\u221245%" in texts["Reoffending and comparison"]


@pytest.mark.parametrize("role", ["analyst", "commissioner", "district_commander"])
def test_axe_finds_no_wcag_22_aa_violation_on_any_page(read, role):
    """axe-core (tests/axe, installed by ./run.sh) with the tags wcag2a, wcag2aa, wcag21a,
    wcag21aa and wcag22aa, on every page the role has."""
    _, _, violations = read(role)
    found = {title: found for title, found in violations.items() if found}
    assert found == {}, found
