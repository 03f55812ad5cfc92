"""Sign-in end to end: the real app, a real OIDC round trip (mock provider on loopback), Chromium.

One Streamlit server for the module, configured like a deployment: [auth] secrets pointing
at tests/oidc_mock.py, an access policy file, an audit log, and a warehouse built from the
bundled sample. Each test signs a different person in through a fresh browser context.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from pathlib import Path

import openpyxl

import pytest

from dashboard.pages_catalogue import pages_for
from tests.browser import ARTIFACTS, PATIENCE, new_page, wait_for_app
from tests.oidc_deployment import DISTRICT, FORCE, PEOPLE, deployed, settle

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    with deployed(tmp_path_factory.mktemp("deployment")) as running:
        yield running


def nav_titles(page) -> list[str]:
    links = page.locator("[data-testid='stSidebarNav'] [data-testid='stSidebarNavLink']")
    return [link.get_attribute("aria-label") or link.inner_text().split("\n")[-1].strip()
            for link in links.all()]


def heading(page) -> str:
    return page.locator("[data-testid='stMain'] h1").first.inner_text().strip()


@pytest.mark.parametrize("role", list(PEOPLE))
def test_each_role_signs_in_and_gets_its_own_page_list(deployment, role):
    page = deployment.sign_in(PEOPLE[role].upper())  # the provider's case does not matter
    try:
        page.wait_for_selector("[data-testid='stSidebarNav']", timeout=PATIENCE)
        assert nav_titles(page) == [spec.title for spec in pages_for(role)]
        sidebar = page.locator("[data-testid='stSidebar']").inner_text()
        assert PEOPLE[role] in sidebar and "Local mode" not in sidebar
        assert "Preview as role" not in page.inner_text("body")
        page.screenshot(path=ARTIFACTS / f"auth-signed-in-{role}.png")
    finally:
        page.context.close()
    rows = [r for r in deployment.audit_rows() if r["email"] == PEOPLE[role]]
    assert [(r["event"], r["role"]) for r in rows][-1] == ("sign_in", role)


def test_row_level_pages_appear_only_for_the_roles_that_may_see_them(deployment):
    titles = {role: {spec.title for spec in pages_for(role)} for role in PEOPLE}
    assert {"Cohort review", "Data quality"} <= titles["analyst"]
    assert "Cohort review" in titles["district_commander"] and "Data quality" not in titles["district_commander"]
    assert not {"Cohort review", "Data quality"} & (titles["viewer"] | titles["commissioner"])


def test_an_unknown_email_sees_the_refusal_page_and_is_audited(deployment):
    page = deployment.sign_in("stranger@elsewhere.example")
    try:
        assert heading(page) == "No access"
        assert "stranger@elsewhere.example" in page.inner_text("[data-testid='stMain']")
        assert page.locator("[data-testid='stSidebarNav']").count() == 0
        page.screenshot(path=ARTIFACTS / "auth-refused.png")
    finally:
        page.context.close()
    rows = [r for r in deployment.audit_rows() if r["email"] == "stranger@elsewhere.example"]
    assert [(r["event"], r["reason"]) for r in rows] == [("refused", "not_in_access_policy")]


def test_an_unverified_email_is_refused(deployment):
    page = deployment.sign_in(PEOPLE["analyst"], extra_claims={"email_verified": False})
    try:
        assert heading(page) == "No access"
    finally:
        page.context.close()


def test_a_sign_in_older_than_a_shift_must_be_renewed(deployment):
    deployment.idp.email = PEOPLE["analyst"]
    deployment.idp.extra_claims = {"iat": int(time.time()) - 13 * 3600}
    page = new_page(deployment.browser)
    try:
        page.goto(deployment.url)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("Your sign-in has expired").wait_for(timeout=PATIENCE)
        assert page.locator("[data-testid='stSidebarNav']").count() == 0
        deployment.idp.extra_claims = {}  # signing in again gives a fresh token
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_selector("[data-testid='stSidebarNav']", timeout=PATIENCE)
    finally:
        page.context.close()


def test_a_viewer_opening_a_row_level_page_by_url_does_not_get_it(deployment):
    page = deployment.sign_in(PEOPLE["viewer"])
    try:
        for path in ("cohort-review", "data-quality"):
            page.goto(f"{deployment.url}/{path}")
            page.wait_for_selector("[data-testid='stSidebarNav']", timeout=PATIENCE)
            wait_for_app(page)
            assert heading(page) not in ("Cohort review", "Data quality")
            assert "Person (pseudonym)" not in page.inner_text("body")
    finally:
        page.context.close()


def test_a_forged_identity_cookie_or_header_does_not_sign_anyone_in(deployment):
    page = new_page(deployment.browser, extra_http_headers={
        "X-Forwarded-Email": PEOPLE["analyst"], "X-Forwarded-User": PEOPLE["analyst"],
        "Remote-User": PEOPLE["analyst"]})
    forged = json.dumps({"email": PEOPLE["analyst"], "is_logged_in": True, "origin": deployment.url,
                         "provider": "default"})
    try:
        page.context.add_cookies([{"name": "_streamlit_user", "value": forged, "url": deployment.url}])
        page.goto(deployment.url)
        page.get_by_role("button", name="Sign in").wait_for(timeout=PATIENCE)
        assert page.locator("[data-testid='stSidebarNav']").count() == 0
        page.screenshot(path=ARTIFACTS / "auth-sign-in.png")
    finally:
        page.context.close()


def test_signing_out_ends_the_session_and_is_audited(deployment):
    page = deployment.sign_in(PEOPLE["commissioner"])
    try:
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name="Sign in").wait_for(timeout=PATIENCE)
        page.goto(deployment.url)
        page.get_by_role("button", name="Sign in").wait_for(timeout=PATIENCE)
        assert page.locator("[data-testid='stSidebarNav']").count() == 0
    finally:
        page.context.close()
    events = [r["event"] for r in deployment.audit_rows() if r["email"] == PEOPLE["commissioner"]]
    assert events[-2:] == ["sign_in", "sign_out"]


def test_a_commanders_export_holds_only_their_district_and_is_audited(deployment):
    page = deployment.sign_in(PEOPLE["district_commander"])
    try:
        page.goto(f"{deployment.url}/?district=Reading&district=Bristol")  # asking for more
        page.wait_for_selector("[data-testid='stSidebarNav']", timeout=PATIENCE)
        settle(page)
        button = page.locator("[data-testid='stDownloadButton'] button", has_text="Spreadsheet (XLSX)")
        with page.expect_download(timeout=180_000) as download:
            button.click()
        content = Path(download.value.path()).read_bytes()
    finally:
        page.context.close()
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    text = "\n".join(str(cell) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
                     for cell in row if cell is not None)
    assert DISTRICT in text
    assert not [name for name in ("Reading", "Milton Keynes", "Slough", "Bristol", "County Durham", "Ashfield")
                if name in text]
    [row] = [r for r in deployment.audit_rows() if r["event"] == "export" and r["email"] == PEOPLE["district_commander"]]
    assert row["kind"] == "xlsx" and row["sha256"] == hashlib.sha256(content).hexdigest()
    assert row["role"] == "district_commander" and row["scope"] == {"forces": [FORCE], "districts": [DISTRICT]}


def test_the_audit_log_is_json_lines_without_person_identifiers(deployment):
    text = deployment.audit_log.read_text()
    rows = [json.loads(line) for line in text.splitlines()]
    assert rows and all({"ts", "event", "email", "role"} <= set(row) for row in rows)
    assert not any(key in text for key in ('"person_id"', '"referral_id"'))
