"""Sign-in, the access policy, and the viewer's scope: nobody sees what is not theirs.

Two modes, chosen only by the deployment's configuration:

- *Signed in*: the secrets have an [auth] section, so every visitor signs in with the
  organisation's OpenID Connect provider (`st.login`). The verified email is looked up in
  the access policy file; the role, force and districts found there are the scope, and
  nothing on the page (widget, URL parameter, preview) can widen it. An email the policy
  does not list is refused. Sign-ins and refusals go to the audit log.
- *Local mode*: no [auth] section. The app serves only the bundled synthetic sample (or any
  warehouse if `allow_unauthenticated_local` is deliberately switched on), as an analyst,
  with a "preview as role" selector for demonstrations.

Anything half-configured (an [auth] section missing keys, no policy, a broken secrets or
policy file, an unwritable audit log) stops the app with an explanation: it fails closed.
Every run re-checks what can change while a page is open: the policy entry, the sign-in's
age, whether that sign-in was ended by a sign-out in another tab (dashboard/revocation.py),
and that the audit log can still be written.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Mapping
from pathlib import Path

import streamlit as st
from streamlit import config as streamlit_config

import metrics
from dashboard import audit, revocation
from dashboard.access_policy import (
    ROLES,
    AccessPolicy,
    ConfigurationError,
    NonAsciiEmail,
    PolicyError,
    Settings,
    current_policy,
    normalise_email,
    scope_for,
)
from dashboard.revocation import SignIn
from dashboard.viewer import Viewer
from dashboard.warehouse import WarehouseFile, open_read_only
from metrics import ANALYST
from metrics import views
from metrics.scope import ROLE_LABELS, Role

LOG = logging.getLogger(__name__)


def resolve_viewer(warehouse: WarehouseFile) -> Viewer:
    """This session's viewer; renders a sign-in, refusal or set-up page and stops otherwise."""
    try:
        settings = Settings.read(_secrets())
        if settings.sign_in_configured:
            _refuse_header_identity()
    except ConfigurationError as exc:
        _stop_page("Sign-in is not set up correctly", str(exc), icon=":material/settings_alert:")
    audit.configure(settings.audit_log_path)
    try:
        audit.check_writable()  # every run: a log that stops being writable stops open sessions too
    except audit.AuditError as exc:
        LOG.error("%s", exc)
        _cannot_record_page()
    if settings.sign_in_configured:
        return _signed_in_viewer(settings)
    return _local_viewer(warehouse, settings)


# --- signed in ---------------------------------------------------------------------

def _signed_in_viewer(settings: Settings) -> Viewer:
    if not st.user.is_logged_in:
        _sign_in_page(settings)
    if not _signed_in_recently(settings):
        _sign_in_page(settings, expired=True)
    email, refusal = _verified_email(settings)
    iat = float(st.user.get("iat"))
    sign_outs = revocation.record_path(settings.audit_log_path)
    if email is not None and _signed_out(sign_outs, email, iat):
        _sign_in_page(settings, signed_out=True)
    try:
        policy = _policy(settings.access_policy_path)
    except PolicyError as exc:
        LOG.error("access policy: %s", exc)
        _stop_page("Access policy problem", f"{exc}. Nobody can be given access until it is fixed.",
                   icon=":material/policy:", sign_out=True)
    if refusal:
        _refusal_page(email if refusal != "non_ascii_email" else st.user.get(settings.email_claim), refusal)
    grant = policy.grant_for(email)
    if grant is None:
        _refusal_page(email, "not_in_access_policy")
    sign_in = SignIn(grant, iat, settings.sign_in_max_age_hours, settings.access_policy_path, sign_outs)
    viewer = Viewer(scope=grant.scope, email=grant.email, sign_in=sign_in)
    # One row per browser session; signed_in_at tells a new sign-in from a reused cookie.
    _audit_once("sign_in", viewer.email, grant.role, scope=audit.scope_summary(viewer.scope),
                signed_in_at=dt.datetime.fromtimestamp(iat, dt.UTC).isoformat())
    with st.sidebar:
        if st.button("Sign out", icon=":material/logout:", key="_sign_out"):
            _sign_out(viewer.email, grant.role)
    return viewer


def _verified_email(settings: Settings) -> tuple[str | None, str | None]:
    """(the normalised email claim, None), or (None, why it cannot be used).

    `email_verified` must be exactly boolean true when the token carries it ("false", 0, "0"
    and "true" the string are all refused). A token without it is accepted, because many
    providers (Microsoft Entra ID among them) omit it for addresses the organisation itself
    manages; the README asks for an email claim the organisation controls.
    """
    email = st.user.get(settings.email_claim)
    if not isinstance(email, str) or "@" not in email:
        return None, "no_verified_email"
    if "email_verified" in st.user and st.user.get("email_verified") is not True:
        return None, "no_verified_email"
    try:
        return normalise_email(email), None
    except NonAsciiEmail:
        return None, "non_ascii_email"


def _signed_out(sign_outs: Path, email: str, iat: float) -> bool:
    try:
        return revocation.is_signed_out(sign_outs, email, iat)
    except revocation.RevocationError as exc:
        LOG.error("%s", exc)
        _cannot_record_page()


def _sign_out(email: str | None, role: str | None) -> None:
    """End this sign-in everywhere: recorded server side first (so every other tab of it stops
    on its next run or export), then audited, then the cookie cleared."""
    iat = st.user.get("iat")
    if email and isinstance(iat, (int, float)) and not isinstance(iat, bool):
        try:
            revocation.record_sign_out(revocation.record_path(audit.log_path()), email, float(iat))
        except revocation.RevocationError as exc:
            LOG.error("%s", exc)
            _cannot_record_page()
    _audit("sign_out", email, role)
    st.logout()
    st.stop()


def _signed_in_recently(settings: Settings) -> bool:
    """Streamlit's sign-in cookie lasts 30 days; the identity token's issue time (`iat`, a
    required OIDC claim) says when the person last really signed in."""
    issued = st.user.get("iat")
    if isinstance(issued, bool) or not isinstance(issued, (int, float)):
        return False
    age = time.time() - issued
    return -300 <= age <= settings.sign_in_max_age_hours * 3600  # 5 minutes' clock skew


def _sign_in_page(settings: Settings, expired: bool = False, signed_out: bool = False) -> None:
    st.title("Diversion Outcomes")
    st.write("Outcomes of police diversion and substance-misuse support schemes. The figures describe "
             "vulnerable people, so every visitor signs in and sees only what their role allows.")
    if expired:
        st.info("Your sign-in has expired. Please sign in again.", icon=":material/schedule:")
    if signed_out:
        st.info("You signed out (perhaps in another tab or window). Please sign in again to continue.",
                icon=":material/logout:")
    if st.button("Sign in", type="primary", icon=":material/login:", key="_sign_in"):
        st.login(settings.auth_provider)
    st.stop()


def _refusal_page(email: str | None, reason: str) -> None:
    _audit_once("refused", email, None, reason=reason)
    if reason == "non_ascii_email":
        message = (f"Your sign-in gave the address {_as_code(email)}, which has characters outside plain "
                   "ASCII. This dashboard accepts only plain ASCII addresses, so that two different "
                   "addresses can never be taken for one another. Ask the dashboard's administrator to "
                   "have your sign-in give your plain ASCII address.")
    else:
        who = _as_code(email) if email else "an account without a verified email address"
        message = (f"You are signed in as {who}, which has no access to this dashboard.\n\n"
                   "Access is given person by person by the dashboard's administrator. If you need it, ask "
                   "them to add this account, saying which role, force and districts you need.")
    _stop_page("No access", message, icon=":material/block:", sign_out=True,
               sign_out_email=email if reason == "not_in_access_policy" else None)


def _policy(path: Path) -> AccessPolicy:
    """Read on every run (cheap, cached by file version) so a revocation applies at once."""
    return current_policy(path)


def _refuse_header_identity() -> None:
    """Streamlit lets `server.trustedUserHeaders` override the signed-in identity with request
    headers; on a force network any client could send them, so refuse to run with it."""
    if streamlit_config.get_option("server.trustedUserHeaders"):
        raise ConfigurationError("server.trustedUserHeaders is set, so the identity could come from "
                                 "request headers instead of the sign-in; remove it")


# --- local mode --------------------------------------------------------------------

def _local_viewer(warehouse: WarehouseFile, settings: Settings) -> Viewer:
    facts = _warehouse_facts(warehouse)
    synthetic = warehouse.bundled_sample and facts.demo
    if not synthetic and not settings.allow_unauthenticated_local:
        _audit_once("refused", None, None, reason="no_sign_in_for_non_sample_warehouse",
                    warehouse=str(warehouse.path))
        _stop_page("Sign-in required",
                   "This dashboard is not set up for sign-in, so it serves only the bundled synthetic "
                   "sample, and the warehouse it was pointed at is not that sample. Configure sign-in "
                   "(see \"Sign-in and access\" in the README) before serving real data.",
                   icon=":material/lock:")
    _audit_once("local_mode", None, ANALYST.role, warehouse=str(warehouse.path), synthetic=synthetic)
    return Viewer(scope=_preview_scope(facts.places), local_mode=True)


def _preview_scope(places: tuple[tuple[str, str], ...]):
    """Local mode only: look at the sample as another role would. Only ever narrows."""
    with st.sidebar.expander("Preview as role", icon=":material/visibility:"):
        role = st.selectbox("Role", ROLES, key="_preview_role", format_func=ROLE_LABELS.get)
        if role == Role.ANALYST or not places:
            return ANALYST
        forces = sorted({force for force, _ in places})
        force = st.selectbox("Force", forces, key="_preview_force")
        districts = sorted(district for f, district in places if f == force)
        if role == Role.COMMISSIONER:
            return scope_for(role, force)
        chosen = st.multiselect("Districts", districts, key="_preview_districts",
                                placeholder="All districts" if role == Role.VIEWER else "Choose districts")
        if role == Role.DISTRICT_COMMANDER:
            chosen = [d for d in chosen if d in districts] or districts[:1]
        return scope_for(role, force, [d for d in chosen if d in districts] or None)


class _WarehouseFacts:
    def __init__(self, demo: bool, places: tuple[tuple[str, str], ...]):
        self.demo, self.places = demo, places


@functools.lru_cache(maxsize=8)
def _read_warehouse_facts(path: str, version: tuple[int, int]) -> _WarehouseFacts:
    # Is this the demo warehouse, and which places does it cover (for the local-mode
    # preview's force and district choices only; a bookkeeping query, not a measure)?
    try:
        with open_read_only(Path(path)) as con:
            demo = metrics.warehouse_info(con)["demo"]
            places = views.places(con)
    except Exception as exc:  # not a warehouse we can vouch for: treat it as real data
        LOG.warning("cannot read warehouse_meta of %s: %s", path, exc)
        return _WarehouseFacts(False, ())
    return _WarehouseFacts(bool(demo), tuple(map(tuple, places)))


def _warehouse_facts(warehouse: WarehouseFile) -> _WarehouseFacts:
    try:
        version = warehouse.version
    except OSError:
        return _WarehouseFacts(False, ())
    return _read_warehouse_facts(str(warehouse.path), version)


# --- shared ------------------------------------------------------------------------

def _secrets() -> Mapping:
    """The secrets as a dict; {} only when there is no secrets file at all."""
    try:
        return st.secrets.to_dict()
    except FileNotFoundError:
        unreadable = [path for path in streamlit_config.get_option("secrets.files") if Path(path).is_file()]
        if unreadable:  # present but not parsed: never fall back to local mode on a typo
            raise ConfigurationError(f"the secrets file {unreadable[0]} cannot be read (is it valid TOML?)") \
                from None
        return {}


def _audit(event: str, email: str | None, role: str | None, **details) -> None:
    try:
        audit.record(event, email, role, **details)
    except audit.AuditError as exc:
        LOG.error("%s", exc)
        _cannot_record_page()


def _cannot_record_page() -> None:
    _stop_page("Cannot record access", "The audit log cannot be written, so the dashboard will not "
               "serve anything until it can. Tell the dashboard's administrator.", icon=":material/error:")


def _audit_once(event: str, email: str | None, role: str | None, **details) -> None:
    """Once per browser session (not on every rerun) per event and identity."""
    done = st.session_state.setdefault("_audited", set())
    key = (event, email, role)
    if key not in done:
        _audit(event, email, role, **details)
        done.add(key)


def _stop_page(title: str, message: str, icon: str, sign_out: bool = False,
               sign_out_email: str | None = None) -> None:
    st.title(title)
    st.error(message, icon=icon)
    if sign_out and st.button("Sign out", icon=":material/logout:", key="_sign_out_refused"):
        _sign_out(sign_out_email, None)
    st.stop()


def _as_code(value: str) -> str:
    """An identity claim shown on a page verbatim: inline code, so no markdown or link."""
    return "`" + value.replace("`", "") + "`"
