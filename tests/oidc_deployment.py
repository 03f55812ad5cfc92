"""The people, access policy and browser helpers of the signed-in browser tests (a real
Streamlit server configured like a deployment, with tests/oidc_mock.py as the provider)."""

from __future__ import annotations

from pathlib import Path

from dashboard import audit
from tests.browser import PATIENCE, new_page
from tests.oidc_mock import MockOIDCProvider

FORCE, DISTRICT, OTHER_DISTRICT = "Thames Valley Police", "Oxford", "Reading"
PEOPLE = {
    "analyst": "a.analyst@force.police.uk",
    "commissioner": "c.commissioner@pcc.gov.uk",
    "district_commander": "d.commander@force.police.uk",
    "viewer": "v.viewer@force.police.uk",
}
POLICY = f"""
[[user]]
email = "{PEOPLE['analyst']}"
role = "analyst"

[[user]]
email = "{PEOPLE['commissioner']}"
role = "commissioner"
force = "{FORCE}"

[[user]]
email = "{PEOPLE['district_commander']}"
role = "district_commander"
force = "{FORCE}"
districts = ["{DISTRICT}"]

[[user]]
email = "{PEOPLE['viewer']}"
role = "viewer"
force = "{FORCE}"
"""


class Deployment:
    def __init__(self, url: str, idp: MockOIDCProvider, audit_log: Path, browser):
        self.url, self.idp, self.audit_log, self.browser = url, idp, audit_log, browser

    def audit_rows(self) -> list[dict]:
        return audit.read_rows(self.audit_log)

    def sign_in(self, email: str, path: str = "", extra_claims: dict | None = None):
        """A fresh browser signs in as `email`; returns the page, settled."""
        self.idp.email = email
        self.idp.extra_claims = extra_claims or {}
        page = new_page(self.browser)
        try:
            page.goto(f"{self.url}/{path}")
            page.get_by_role("button", name="Sign in").click()
            # Back from the provider: either this person's pages or a refusal.
            page.locator("[data-testid='stSidebarNav'], [data-testid='stMain'] h1:has-text('No access')") \
                .first.wait_for(timeout=PATIENCE)
            settle(page)
        except BaseException:
            page.context.close()
            raise
        return page


def settle(page) -> None:
    """Wait until Streamlit has finished running the script (any page, including refusals)."""
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=180_000)
    page.wait_for_timeout(500)
