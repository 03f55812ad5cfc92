"""Exports re-authorise when they are built, in the real app signed in through the mock OIDC
provider: a person removed from the policy, a sign-in that expired while the page was open,
and a sign-in ended by signing out in another tab all get no file, and each refusal is in
the audit log. A built file is served once, briefly: its /media address is gone after the
download. No table offers a CSV download of its own (client.disableDataExport).
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.browser import PATIENCE, wait_for_app
from tests.oidc_deployment import PEOPLE, POLICY, Deployment, deployed, settle

pytestmark = pytest.mark.browser
BUILD_TIMEOUT = 180_000  # ms: the PDF starts a headless Chromium of its own
EXPORTS = (("pdf", "Board report (PDF)"), ("xlsx", "Spreadsheet (XLSX)"))


class RevocationDeployment(Deployment):
    def __init__(self, url, idp, audit_log, browser, policy: Path):
        super().__init__(url, idp, audit_log, browser)
        self.policy = policy

    def rows(self, email: str, event: str) -> list[dict]:
        return [r for r in self.audit_rows() if r["email"] == email and r["event"] == event]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    root = tmp_path_factory.mktemp("revocation")
    with deployed(root, RevocationDeployment, policy=root / "access_policy.toml") as running:
        yield running


def export_button(page, label: str):
    return page.get_by_test_id("stDownloadButton").filter(has_text=label).locator("button")


def click_and_expect_refusal(page, label: str) -> None:
    """Click an export; the button shows Streamlit's error and the browser gets no file."""
    downloads = []

    def downloaded(download) -> None:
        downloads.append(download)

    page.on("download", downloaded)
    export_button(page, label).click()
    page.get_by_test_id("stDownloadButtonError").first.wait_for(timeout=BUILD_TIMEOUT)
    page.wait_for_timeout(1000)
    assert downloads == []
    page.remove_listener("download", downloaded)


def test_a_person_removed_from_the_policy_can_no_longer_export(deployment):
    email = PEOPLE["district_commander"]
    page = deployment.sign_in(email)
    try:
        page.wait_for_selector("[data-testid='stSidebarNav']", timeout=PATIENCE)
        deployment.policy.write_text(POLICY.replace(email, "someone.else@force.police.uk"))
        for kind, label in EXPORTS:
            click_and_expect_refusal(page, label)
    finally:
        deployment.policy.write_text(POLICY)
        page.context.close()
    refusals = deployment.rows(email, "export_refused")
    assert [(r["kind"], r["reason"], r["role"]) for r in refusals] == [
        ("pdf", "not_in_access_policy", "district_commander"), ("xlsx", "not_in_access_policy", "district_commander")]
    assert deployment.rows(email, "export") == []


def test_a_sign_in_that_expires_while_the_page_is_open_can_no_longer_export(deployment):
    email = PEOPLE["viewer"]
    lasts = 45  # seconds of the 12-hour sign-in left when the token is issued
    expires = time.time() + lasts
    page = deployment.sign_in(email, extra_claims={"iat": int(expires - 12 * 3600)})
    try:
        page.wait_for_selector("[data-testid='stSidebarNav']", timeout=PATIENCE)  # signed in, for now
        assert time.time() < expires, "signing in took longer than the sign-in lasted; raise `lasts`"
        time.sleep(max(0.0, expires - time.time()) + 2)
        click_and_expect_refusal(page, "Spreadsheet (XLSX)")
    finally:
        page.context.close()
    [refusal] = deployment.rows(email, "export_refused")
    assert (refusal["kind"], refusal["reason"]) == ("xlsx", "sign_in_expired")


def test_signing_out_in_one_tab_ends_exports_and_pages_in_the_other(deployment):
    email = PEOPLE["commissioner"]
    first = deployment.sign_in(email)
    try:
        first.wait_for_selector("[data-testid='stSidebarNav']", timeout=PATIENCE)
        second = first.context.new_page()  # another tab of the same browser: the same sign-in
        second.goto(deployment.url)
        second.wait_for_selector("[data-testid='stSidebarNav']", timeout=PATIENCE)
        settle(second)
        second.get_by_role("button", name="Sign out").click()
        second.get_by_role("button", name="Sign in").wait_for(timeout=PATIENCE)

        click_and_expect_refusal(first, "Board report (PDF)")
        first.locator("[data-testid='stSidebarNav'] a").nth(1).click()  # and no other page either
        first.get_by_role("button", name="Sign in").wait_for(timeout=PATIENCE)
        assert "signed out" in first.inner_text("[data-testid='stMain']")
    finally:
        first.context.close()
    [refusal] = deployment.rows(email, "export_refused")
    assert (refusal["kind"], refusal["reason"]) == ("pdf", "signed_out")
    assert deployment.rows(email, "export") == []


def test_a_downloaded_file_is_not_served_again_to_anyone_holding_its_address(deployment):
    page = deployment.sign_in(PEOPLE["analyst"])
    try:
        page.wait_for_selector("[data-testid='stSidebarNav']", timeout=PATIENCE)
        with page.expect_download(timeout=BUILD_TIMEOUT) as info:
            export_button(page, "Spreadsheet (XLSX)").click()
        download = info.value
        assert Path(download.path()).read_bytes()[:2] == b"PK"  # the browser got the workbook
        address = download.url
    finally:
        page.context.close()
    assert "/media/" in address
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(address, timeout=10)  # no cookie, no session: a plain HTTP client
    assert refused.value.code == 404
    assert deployment.rows(PEOPLE["analyst"], "export")[-1]["kind"] == "xlsx"


def test_no_table_offers_a_csv_download(deployment):
    page = deployment.sign_in(PEOPLE["analyst"])
    try:
        for path in ("cohort-review", "data-quality", "definitions"):
            page.goto(f"{deployment.url}/{path}")
            wait_for_app(page)
            tables = page.get_by_test_id("stDataFrame")
            tables.first.wait_for(timeout=PATIENCE)
            hovered = 0
            for index in range(tables.count()):
                if not tables.nth(index).is_visible():  # inside a closed expander
                    continue
                hovered += 1
                tables.nth(index).hover()
                page.wait_for_timeout(300)
                toolbar = page.get_by_test_id("stElementToolbar")
                assert toolbar.count() > 0, path  # the toolbar shows, without a download in it
                assert page.get_by_role("button", name="Download as CSV").count() == 0, path
            assert hovered, path
    finally:
        page.context.close()
