"""The people, access policy and browser helpers of the signed-in browser tests (a real
Streamlit server configured like a deployment, with tests/oidc_mock.py as the provider)."""

from __future__ import annotations

import secrets
from contextlib import contextmanager
from pathlib import Path

from dashboard import audit
from pipelines.ingest import ingest
from tests.browser import PATIENCE, ROOT, chromium, new_page, streamlit_server
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


@contextmanager
def deployed(root: Path, deployment_class=Deployment, **extra):
    """The bundled sample served like a deployment: sign-in through the mock provider, the
    access policy POLICY in root/access_policy.toml, an audit log; yields deployment_class(url,
    idp, audit log, browser, **extra)."""
    warehouse = root / "warehouse.duckdb"
    assert ingest(ROOT / "sample_data" / "demo", warehouse, bundled_sample=True).status == "ok"
    policy = root / "access_policy.toml"
    policy.write_text(POLICY)
    audit_log = root / "audit" / "audit.log"
    with MockOIDCProvider() as idp:
        secrets_file = root / "secrets.toml"
        secrets_file.write_text(
            f'warehouse_path = "{warehouse}"\n'
            f'access_policy_path = "{policy}"\n'
            f'audit_log_path = "{audit_log}"\n'
            "[auth]\n"
            'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
            f'client_id = "{idp.client_id}"\n'
            f'client_secret = "{idp.client_secret}"\n'
            f'server_metadata_url = "{idp.metadata_url}"\n'
        )
        env = {"STREAMLIT_SECRETS_FILES": str(secrets_file), "HOME": str(root),
               "OUTCOMES_ACCESS_POLICY": "", "OUTCOMES_AUDIT_LOG": "", "OUTCOMES_WAREHOUSE": "",
               "OUTCOMES_ALLOW_UNAUTHENTICATED_LOCAL": ""}
        with streamlit_server(env=env, cwd=root) as url, chromium() as browser:
            idp.redirect_uris = {f"{url}/oauth2callback"}  # as a real provider pins it
            yield deployment_class(url, idp, audit_log, browser, **extra)
