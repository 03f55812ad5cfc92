"""auth.resolve_viewer inside a simulated Streamlit session (AppTest): who gets in, as what.

The real sign-in round trip through an OIDC provider is in test_auth_browser.py; here
st.user is set directly, as Streamlit does after a successful sign-in.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from streamlit import config as streamlit_config
from streamlit.testing.v1 import AppTest

from dashboard import audit
from dashboard.access_policy import ALLOW_LOCAL_ENV, AUDIT_LOG_ENV, POLICY_ENV
from pipelines.ingest import ingest
from tests.source_factory import write_source

POLICY = """
[[user]]
email = "a.analyst@force.police.uk"
role = "analyst"

[[user]]
email = "d.commander@force.police.uk"
role = "district_commander"
force = "Thames Valley"
districts = ["Oxford"]

[[user]]
email = "v.viewer@force.police.uk"
role = "viewer"
force = "Thames Valley"
"""


def _app(warehouse_path: str, bundled_sample: bool) -> None:
    from pathlib import Path

    import streamlit as st

    from dashboard import auth
    from dashboard.warehouse import WarehouseFile

    viewer = auth.resolve_viewer(WarehouseFile(Path(warehouse_path), bundled_sample))
    st.session_state["viewer"] = viewer
    st.write(f"Serving {viewer.scope.role}")


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory) -> dict[str, Path]:
    """A demo warehouse (manifest demo key) and a 'real' one (configured key)."""
    root = tmp_path_factory.mktemp("warehouses")
    source = write_source(root / "src")
    demo, real = root / "demo.duckdb", root / "real.duckdb"
    assert ingest(source, demo, bundled_sample=True).status == "ok"
    assert ingest(source, real, pseudonym_key="a-real-key-from-the-secret-store").status == "ok"
    return {"demo": demo, "real": real}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in (POLICY_ENV, AUDIT_LOG_ENV, ALLOW_LOCAL_ENV):
        monkeypatch.delenv(name, raising=False)
    yield
    audit.configure(None)


@pytest.fixture
def policy(tmp_path) -> Path:
    path = tmp_path / "access_policy.toml"
    path.write_text(POLICY)
    return path


def app(tmp_path: Path, warehouse: Path, bundled_sample: bool = False, secrets: dict | None = None,
        user: dict | None = None) -> AppTest:
    at = AppTest.from_function(_app, args=(str(warehouse), bundled_sample), default_timeout=120)
    at.secrets["audit_log_path"] = str(tmp_path / "audit.log")  # also keeps developers' secrets out
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    at.user = user if user is not None else {}
    return at


def signed_in(tmp_path: Path, policy: Path, warehouse: Path, email: str | None, **claims) -> AppTest:
    user = {"is_logged_in": True, "iat": int(time.time()), **({"email": email} if email else {}), **claims}
    return app(tmp_path, warehouse, secrets=auth_secrets(policy), user=user)


def auth_secrets(policy: Path) -> dict:
    return {"access_policy_path": str(policy), "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "c" * 48,
        "client_id": "outcomes", "client_secret": "not-a-real-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}}


def viewer_of(at: AppTest):
    return at.session_state["viewer"] if "viewer" in at.session_state else None


def audit_rows(tmp_path: Path) -> list[dict]:
    return audit.read_rows(tmp_path / "audit.log")


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def preview_widgets(at: AppTest) -> list:
    return [w for w in [*at.selectbox, *at.multiselect] if str(w.key).startswith("_preview")]


# --- local mode ----------------------------------------------------------------------

def test_local_mode_serves_the_bundled_synthetic_sample_as_an_analyst(tmp_path, warehouses):
    at = app(tmp_path, warehouses["demo"], bundled_sample=True).run()
    assert not at.exception
    viewer = viewer_of(at)
    assert viewer.local_mode and viewer.email is None
    assert (viewer.scope.role, viewer.scope.forces, viewer.scope.districts) == ("analyst", None, None)
    [row] = audit_rows(tmp_path)
    assert row["event"] == "local_mode" and row["synthetic"] is True


def test_local_mode_refuses_a_warehouse_that_is_not_the_bundled_sample(tmp_path, warehouses):
    at = app(tmp_path, warehouses["real"], bundled_sample=False).run()
    assert viewer_of(at) is None and titles(at) == ["Sign-in required"]
    assert audit_rows(tmp_path)[0]["reason"] == "no_sign_in_for_non_sample_warehouse"


def test_local_mode_refuses_real_data_put_where_the_sample_belongs(tmp_path, warehouses):
    at = app(tmp_path, warehouses["real"], bundled_sample=True).run()
    assert viewer_of(at) is None and titles(at) == ["Sign-in required"]


def test_local_mode_refuses_a_demo_built_warehouse_configured_by_path(tmp_path, warehouses):
    # Only the embedded default counts as the sample; a configured path is treated as real.
    at = app(tmp_path, warehouses["demo"], bundled_sample=False).run()
    assert viewer_of(at) is None


def test_allow_unauthenticated_local_in_the_secrets_serves_another_warehouse(tmp_path, warehouses):
    at = app(tmp_path, warehouses["real"], secrets={"allow_unauthenticated_local": True}).run()
    viewer = viewer_of(at)
    assert viewer.local_mode and viewer.scope.role == "analyst"
    [row] = audit_rows(tmp_path)
    assert row["event"] == "local_mode" and row["synthetic"] is False
    assert row["warehouse"] == str(warehouses["real"])


def test_allow_unauthenticated_local_from_the_environment(tmp_path, warehouses, monkeypatch):
    monkeypatch.setenv(ALLOW_LOCAL_ENV, "1")
    assert viewer_of(app(tmp_path, warehouses["real"]).run()).local_mode


def test_preview_as_role_only_narrows_the_scope(tmp_path, warehouses):
    at = app(tmp_path, warehouses["demo"], bundled_sample=True).run()
    at.selectbox(key="_preview_role").set_value("district_commander").run()
    scope = viewer_of(at).scope
    assert scope.role == "district_commander" and len(scope.districts) == 1 and len(scope.forces) == 1
    assert scope.suppress
    at.selectbox(key="_preview_role").set_value("viewer").run()
    assert viewer_of(at).scope.role == "viewer" and not viewer_of(at).scope.row_level
    at.selectbox(key="_preview_role").set_value("commissioner").run()
    at.selectbox(key="_preview_force").set_value("Nottinghamshire").run()
    scope = viewer_of(at).scope
    assert scope.forces == frozenset({"Nottinghamshire"}) and scope.districts is None


# --- signed in -----------------------------------------------------------------------

def test_with_sign_in_configured_a_visitor_sees_only_the_sign_in_page(tmp_path, policy, warehouses):
    at = app(tmp_path, warehouses["demo"], bundled_sample=True, secrets=auth_secrets(policy),
             user={"is_logged_in": False}).run()
    assert viewer_of(at) is None
    assert [b.label for b in at.button] == ["Sign in"]
    assert not preview_widgets(at)
    assert not any("Serving" in m.value for m in at.markdown)


def test_allow_unauthenticated_local_never_bypasses_a_configured_sign_in(tmp_path, policy, warehouses):
    secrets = {**auth_secrets(policy), "allow_unauthenticated_local": True}
    at = app(tmp_path, warehouses["demo"], bundled_sample=True, secrets=secrets,
             user={"is_logged_in": False}).run()
    assert viewer_of(at) is None and [b.label for b in at.button] == ["Sign in"]


def test_a_listed_email_gets_exactly_its_policy_scope_and_no_preview(tmp_path, policy, warehouses):
    at = signed_in(tmp_path, policy, warehouses["demo"], "D.Commander@Force.Police.UK").run()
    viewer = viewer_of(at)
    assert viewer.email == "d.commander@force.police.uk" and not viewer.local_mode
    assert viewer.scope.role == "district_commander"
    assert viewer.scope.forces == frozenset({"Thames Valley"}) and viewer.scope.districts == frozenset({"Oxford"})
    assert not preview_widgets(at)
    at.run()
    at.run()
    rows = audit_rows(tmp_path)
    assert [(r["event"], r["email"], r["role"]) for r in rows] == [
        ("sign_in", "d.commander@force.police.uk", "district_commander")]  # once per session
    assert rows[0]["scope"] == {"forces": ["Thames Valley"], "districts": ["Oxford"]}
    assert abs(dt.datetime.fromisoformat(rows[0]["signed_in_at"]) - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_url_parameters_cannot_change_the_scope(tmp_path, policy, warehouses):
    at = signed_in(tmp_path, policy, warehouses["demo"], "d.commander@force.police.uk")
    at.query_params.update({"role": "analyst", "district": "Ashfield", "force": "Nottinghamshire",
                            "_preview_role": "analyst", "email": "a.analyst@force.police.uk"})
    scope = viewer_of(at.run()).scope
    assert scope.role == "district_commander" and scope.districts == frozenset({"Oxford"})


def test_a_sign_in_older_than_the_maximum_age_must_be_renewed(tmp_path, policy, warehouses):
    # Streamlit's cookie lasts 30 days; a person removed from the provider must not keep access that long.
    stale = int(time.time()) - 13 * 3600
    at = signed_in(tmp_path, policy, warehouses["demo"], "a.analyst@force.police.uk", iat=stale).run()
    assert viewer_of(at) is None and [b.label for b in at.button] == ["Sign in"]
    assert "expired" in at.info[0].value
    at = app(tmp_path, warehouses["demo"], secrets={**auth_secrets(policy), "sign_in_max_age_hours": 24},
             user={"is_logged_in": True, "iat": stale, "email": "a.analyst@force.police.uk"}).run()
    assert viewer_of(at).scope.role == "analyst"


def test_an_identity_without_an_issue_time_must_sign_in_again(tmp_path, policy, warehouses):
    at = app(tmp_path, warehouses["demo"], secrets=auth_secrets(policy),
             user={"is_logged_in": True, "email": "a.analyst@force.police.uk"}).run()
    assert viewer_of(at) is None and [b.label for b in at.button] == ["Sign in"]


def test_an_unlisted_email_is_refused_with_a_clear_page_and_an_audit_row(tmp_path, policy, warehouses):
    at = signed_in(tmp_path, policy, warehouses["demo"], "Stranger@Elsewhere.Example").run()
    assert viewer_of(at) is None and titles(at) == ["No access"]
    assert "stranger@elsewhere" in at.error[0].value and "no access" in at.error[0].value
    assert [b.label for b in at.button] == ["Sign out"]
    [row] = audit_rows(tmp_path)
    assert (row["event"], row["email"], row["reason"]) == ("refused", "stranger@elsewhere.example",
                                                           "not_in_access_policy")


def test_an_email_the_provider_has_not_verified_is_refused(tmp_path, policy, warehouses):
    at = signed_in(tmp_path, policy, warehouses["demo"], "a.analyst@force.police.uk", email_verified=False).run()
    assert viewer_of(at) is None and titles(at) == ["No access"]
    assert audit_rows(tmp_path)[0]["reason"] == "no_verified_email"


def test_an_identity_without_an_email_is_refused(tmp_path, policy, warehouses):
    at = signed_in(tmp_path, policy, warehouses["demo"], None, sub="abc").run()
    assert viewer_of(at) is None and titles(at) == ["No access"]


def test_the_identity_claim_can_be_configured(tmp_path, policy, warehouses):
    at = app(tmp_path, warehouses["demo"], secrets={**auth_secrets(policy), "email_claim": "preferred_username"},
             user={"is_logged_in": True, "iat": int(time.time()), "email": "stranger@elsewhere.example",
                   "preferred_username": "V.Viewer@force.police.uk"}).run()
    assert viewer_of(at).scope.role == "viewer"


def test_removing_a_person_from_the_policy_revokes_access_on_their_next_interaction(tmp_path, policy, warehouses):
    at = signed_in(tmp_path, policy, warehouses["demo"], "v.viewer@force.police.uk").run()
    assert viewer_of(at).scope.role == "viewer"
    policy.write_text(POLICY.replace('email = "v.viewer@force.police.uk"', 'email = "someone.else@force.police.uk"'))
    at.session_state["viewer"] = None
    at.run()
    assert viewer_of(at) is None and titles(at) == ["No access"]


def test_a_broken_policy_file_stops_everyone_with_a_clear_page(tmp_path, policy, warehouses):
    policy.write_text('[[user]]\nemail = "a.analyst@force.police.uk"\nrole = "analist"\n')
    at = signed_in(tmp_path, policy, warehouses["demo"], "a.analyst@force.police.uk").run()
    assert viewer_of(at) is None and titles(at) == ["Access policy problem"]
    assert "`role` must be one of" in at.error[0].value


def test_a_missing_policy_file_stops_everyone(tmp_path, policy, warehouses):
    policy.unlink()
    at = signed_in(tmp_path, policy, warehouses["demo"], "a.analyst@force.police.uk").run()
    assert viewer_of(at) is None and titles(at) == ["Access policy problem"]


def test_a_half_configured_sign_in_fails_closed_instead_of_falling_back_to_local_mode(tmp_path, policy,
                                                                                       warehouses):
    secrets = auth_secrets(policy)
    del secrets["auth"]["client_secret"]
    at = app(tmp_path, warehouses["demo"], bundled_sample=True, secrets=secrets).run()
    assert viewer_of(at) is None and titles(at) == ["Sign-in is not set up correctly"]
    assert "client_secret" in at.error[0].value


def test_identity_from_request_headers_is_refused(tmp_path, policy, warehouses):
    streamlit_config.set_option("server.trustedUserHeaders", {"X-Forwarded-Email": "email"})
    try:
        at = signed_in(tmp_path, policy, warehouses["demo"], "a.analyst@force.police.uk").run()
    finally:
        streamlit_config.set_option("server.trustedUserHeaders", {})
    assert viewer_of(at) is None and titles(at) == ["Sign-in is not set up correctly"]


def test_nothing_is_served_when_the_audit_log_cannot_be_written(tmp_path, policy, warehouses):
    blocker = tmp_path / "file"
    blocker.write_text("")
    at = signed_in(tmp_path, policy, warehouses["demo"], "a.analyst@force.police.uk")
    at.secrets["audit_log_path"] = str(blocker / "audit.log")
    at.run()
    assert viewer_of(at) is None and titles(at) == ["Cannot record access"]


# --- identity claims -------------------------------------------------------------------

@pytest.mark.parametrize("claim", [False, "false", "False", 0, "0", "true", 1, None, "yes"])
def test_email_verified_must_be_boolean_true_when_present(tmp_path, policy, warehouses, claim):
    at = signed_in(tmp_path, policy, warehouses["demo"], "a.analyst@force.police.uk", email_verified=claim).run()
    assert viewer_of(at) is None and titles(at) == ["No access"]
    assert audit_rows(tmp_path)[-1]["reason"] == "no_verified_email"


def test_email_verified_true_or_absent_is_accepted(tmp_path, policy, warehouses):
    # Absent is accepted on purpose: Microsoft Entra ID and others omit it for addresses the
    # organisation manages (the README asks for such a claim).
    at = signed_in(tmp_path, policy, warehouses["demo"], "a.analyst@force.police.uk", email_verified=True).run()
    assert viewer_of(at).scope.role == "analyst"
    at = signed_in(tmp_path, policy, warehouses["demo"], "a.analyst@force.police.uk").run()
    assert viewer_of(at).scope.role == "analyst"


def test_a_non_ascii_email_claim_is_refused_with_a_clear_message(tmp_path, policy, warehouses):
    # "ﬁ" (one ligature character) would case-fold to "fi"; the address is refused, not folded.
    policy.write_text(POLICY + '\n[[user]]\nemail = "fiona@force.police.uk"\nrole = "analyst"\n')
    at = signed_in(tmp_path, policy, warehouses["demo"], "ﬁona@force.police.uk").run()
    assert viewer_of(at) is None and titles(at) == ["No access"]
    assert "outside plain ASCII" in at.error[0].value and "ﬁona@force.police.uk" in at.error[0].value
    [row] = audit_rows(tmp_path)
    assert (row["event"], row["reason"]) == ("refused", "non_ascii_email")


# --- what can change while a page is open ---------------------------------------------------

def test_a_sign_out_recorded_by_another_tab_ends_this_session_on_its_next_run(tmp_path, policy, warehouses):
    from dashboard import revocation

    iat = int(time.time())
    at = signed_in(tmp_path, policy, warehouses["demo"], "v.viewer@force.police.uk", iat=iat).run()
    assert viewer_of(at).sign_in.iat == iat
    revocation.record_sign_out(revocation.record_path(tmp_path / "audit.log"), "v.viewer@force.police.uk", iat)
    at.session_state["viewer"] = None
    at.run()
    assert viewer_of(at) is None and [b.label for b in at.button] == ["Sign in"]
    assert "signed out" in at.info[0].value
    # A fresh sign-in of the same person (a new issue time) is not affected.
    at = signed_in(tmp_path, policy, warehouses["demo"], "v.viewer@force.police.uk", iat=iat + 1).run()
    assert viewer_of(at).scope.role == "viewer"


def test_the_sign_out_button_records_the_sign_in_as_ended(tmp_path, policy, warehouses):
    from dashboard import revocation

    iat = int(time.time())
    at = signed_in(tmp_path, policy, warehouses["demo"], "v.viewer@force.police.uk", iat=iat).run()
    at.button(key="_sign_out").click().run()
    assert revocation.is_signed_out(revocation.record_path(tmp_path / "audit.log"), "v.viewer@force.police.uk", iat)
    assert [r["event"] for r in audit_rows(tmp_path)] == ["sign_in", "sign_out"]


def test_an_audit_log_that_becomes_unwritable_stops_a_session_already_running(tmp_path, policy, warehouses):
    at = signed_in(tmp_path, policy, warehouses["demo"], "a.analyst@force.police.uk").run()
    assert viewer_of(at).scope.role == "analyst"
    log = tmp_path / "audit.log"
    log.rename(tmp_path / "audit.log.rotated")
    (tmp_path / "audit.log").mkdir()  # the path can no longer be opened for appending
    at.session_state["viewer"] = None
    at.run()
    assert viewer_of(at) is None and titles(at) == ["Cannot record access"]
