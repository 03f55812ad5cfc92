"""The access policy file and the sign-in settings: parsing, errors, role -> scope."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from dashboard.access_policy import (
    ALLOW_LOCAL_ENV,
    AUDIT_LOG_ENV,
    DEFAULT_AUDIT_LOG,
    POLICY_ENV,
    ConfigurationError,
    PolicyError,
    Settings,
    NonAsciiEmail,
    load_policy,
    normalise_email,
    scope_for,
)

ROOT = Path(__file__).resolve().parents[1]

POLICY = """
[[user]]
email = "A.Analyst@Force.Police.UK"
role = "analyst"

[[user]]
email = "c.commissioner@pcc.gov.uk"
role = "commissioner"
force = "Thames Valley Police"

[[user]]
email = "d.commander@force.police.uk"
role = "district_commander"
force = "Thames Valley Police"
districts = ["Oxford", "Cherwell"]

[[user]]
email = "v.viewer@force.police.uk"
role = "viewer"
force = "Thames Valley Police"
"""

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 40,
        "client_id": "outcomes", "client_secret": "secret",
        "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "access_policy.toml"
    path.write_text(text)
    return path


def policy_error(tmp_path: Path, text: str) -> str:
    with pytest.raises(PolicyError) as caught:
        load_policy(write(tmp_path, text))
    return str(caught.value)


# --- the policy file -----------------------------------------------------------------

def test_emails_match_case_insensitively_and_ignoring_surrounding_space(tmp_path):
    policy = load_policy(write(tmp_path, POLICY))
    assert policy.grant_for("a.analyst@force.police.uk").role == "analyst"
    assert policy.grant_for("  A.ANALYST@FORCE.POLICE.UK ").role == "analyst"
    assert policy.grant_for("D.Commander@force.police.uk").districts == frozenset({"Oxford", "Cherwell"})


def test_an_unlisted_or_missing_email_has_no_grant(tmp_path):
    policy = load_policy(write(tmp_path, POLICY))
    assert policy.grant_for("someone.else@force.police.uk") is None
    assert policy.grant_for("") is None
    assert policy.grant_for(None) is None


def test_emails_are_compared_in_ascii_lower_case_only():
    assert normalise_email("  D.Commander@Force.Police.UK ") == "d.commander@force.police.uk"
    # Unicode case folding would turn the ligature "ﬁ" into "fi" and the German "ß" into "ss".
    for lookalike in ("ﬁona@force.police.uk", "STRAẞE@force.police.uk", "fiona@force.polıce.uk"):
        with pytest.raises(NonAsciiEmail):
            normalise_email(lookalike)


def test_a_non_ascii_claim_never_matches_an_ascii_entry(tmp_path):
    policy = load_policy(write(tmp_path, '[[user]]\nemail = "fiona@force.police.uk"\nrole = "analyst"\n'))
    assert policy.grant_for("Fiona@Force.Police.UK").role == "analyst"
    assert policy.grant_for("ﬁona@force.police.uk") is None
    assert policy.grant_for("FİONA@force.police.uk") is None  # dotted capital I


def test_a_non_ascii_email_in_the_policy_is_refused_with_a_clear_message(tmp_path):
    message = policy_error(tmp_path, '[[user]]\nemail = "ﬁona@force.police.uk"\nrole = "analyst"\n')
    assert "entry 1" in message and "outside ASCII" in message and "ﬁona@force.police.uk" in message


def test_a_missing_policy_file_is_a_clear_error(tmp_path):
    with pytest.raises(PolicyError, match=r"access_policy.toml does not exist"):
        load_policy(tmp_path / "access_policy.toml")


def test_a_toml_syntax_error_names_the_file_and_line(tmp_path):
    message = policy_error(tmp_path, '[[user]]\nemail = "a@b.uk"\nrole = analyst\n')
    assert "is not valid TOML" in message and "line 3" in message and "access_policy.toml" in message


def test_an_unknown_role_names_the_entry_and_the_allowed_roles(tmp_path):
    message = policy_error(tmp_path, POLICY + '\n[[user]]\nemail = "x@y.uk"\nrole = "superuser"\n')
    assert "entry 5" in message and "x@y.uk" in message and "superuser" in message
    assert "analyst, commissioner, district_commander, viewer" in message


@pytest.mark.parametrize("entry, needs", [
    ('role = "commissioner"', "needs `force`"),
    ('role = "district_commander"\nforce = "Thames Valley Police"', "needs `districts`"),
    ('role = "district_commander"\ndistricts = ["Oxford"]', "needs `force`"),
    ('role = "viewer"', "needs `force`"),
])
def test_a_role_without_the_places_it_needs_is_refused(tmp_path, entry, needs):
    assert needs in policy_error(tmp_path, f'[[user]]\nemail = "x@y.uk"\n{entry}\n')


@pytest.mark.parametrize("entry, key", [
    ('role = "analyst"\nforce = "Thames Valley Police"', "force"),
    ('role = "commissioner"\nforce = "Thames Valley Police"\ndistricts = ["Oxford"]', "districts"),
])
def test_a_key_that_would_look_narrower_than_the_real_access_is_refused(tmp_path, entry, key):
    message = policy_error(tmp_path, f'[[user]]\nemail = "x@y.uk"\n{entry}\n')
    assert f"`{key}` does not apply" in message and "remove it" in message


def test_a_misspelt_key_is_refused_not_ignored(tmp_path):
    message = policy_error(tmp_path, '[[user]]\nemail = "x@y.uk"\nrole = "district_commander"\n'
                                     'force = "F"\ndistricts = ["Oxford"]\ndistrcts = ["Banbury"]\n')
    assert "unknown key(s) ['distrcts']" in message


def test_the_same_person_twice_in_different_case_is_refused(tmp_path):
    message = policy_error(tmp_path, POLICY + '\n[[user]]\nemail = "a.analyst@force.police.uk"\nrole = "viewer"\n'
                                              'force = "F"\n')
    assert "listed more than once" in message


@pytest.mark.parametrize("text, expected", [
    ("", "no [[user]] entries"),
    ('user = "everyone"', "array of tables"),
    ('[[users]]\nemail = "x@y.uk"\nrole = "analyst"\n', "unknown top-level key(s) ['users']"),
    ('[[user]]\nemail = "not-an-address"\nrole = "analyst"\n', "must be an email address"),
    ('[[user]]\nrole = "analyst"\n', "must be an email address"),
    ('[[user]]\nemail = "x@y.uk"\nrole = "district_commander"\nforce = "F"\ndistricts = []\n',
     "non-empty list"),
    ('[[user]]\nemail = "x@y.uk"\nrole = "district_commander"\nforce = "F"\ndistricts = "Oxford"\n',
     "non-empty list"),
    ('[[user]]\nemail = "x@y.uk"\nrole = "commissioner"\nforce = ""\n', "must be a force name"),
])
def test_malformed_entries_are_clear_errors(tmp_path, text, expected):
    assert expected in policy_error(tmp_path, text)


def test_the_example_policy_in_the_repository_is_valid():
    policy = load_policy(ROOT / "access_policy.example.toml")
    assert {grant.role for grant in policy.grants.values()} == {"analyst", "commissioner", "district_commander",
                                                                  "viewer"}


# --- role -> scope -------------------------------------------------------------------

def test_an_analyst_sees_everything_unsuppressed_with_row_level_views(tmp_path):
    scope = load_policy(write(tmp_path, POLICY)).grant_for("a.analyst@force.police.uk").scope
    assert (scope.role, scope.forces, scope.districts) == ("analyst", None, None)
    assert scope.suppress is False and scope.row_level is True


def test_a_commissioner_sees_all_districts_of_their_force_suppressed(tmp_path):
    scope = load_policy(write(tmp_path, POLICY)).grant_for("c.commissioner@pcc.gov.uk").scope
    assert (scope.role, scope.forces, scope.districts) == ("commissioner", frozenset({"Thames Valley Police"}), None)
    assert scope.suppress is True and scope.row_level is False


def test_a_district_commander_sees_their_districts_suppressed_with_the_review_list(tmp_path):
    scope = load_policy(write(tmp_path, POLICY)).grant_for("d.commander@force.police.uk").scope
    assert scope.forces == frozenset({"Thames Valley Police"})
    assert scope.districts == frozenset({"Oxford", "Cherwell"})
    assert scope.suppress is True and scope.row_level is True


def test_a_viewer_sees_suppressed_aggregates_only(tmp_path):
    scope = load_policy(write(tmp_path, POLICY)).grant_for("v.viewer@force.police.uk").scope
    assert (scope.role, scope.forces, scope.districts) == ("viewer", frozenset({"Thames Valley Police"}), None)
    assert scope.suppress is True and scope.row_level is False


def test_a_viewer_may_be_narrowed_to_districts(tmp_path):
    policy = load_policy(write(tmp_path, '[[user]]\nemail = "v@y.uk"\nrole = "viewer"\nforce = "F"\n'
                                         'districts = ["Oxford"]\n'))
    assert policy.grant_for("v@y.uk").scope.districts == frozenset({"Oxford"})


def test_scope_for_checks_roles_like_the_policy_does():
    assert scope_for("district_commander", "F", ["Oxford"]).districts == frozenset({"Oxford"})
    with pytest.raises(PolicyError):
        scope_for("district_commander", "F")
    with pytest.raises(PolicyError):
        scope_for("superuser")


# --- settings ------------------------------------------------------------------------

def test_without_an_auth_section_sign_in_is_not_configured():
    settings = Settings.read({}, environ={})
    assert not settings.sign_in_configured
    assert settings.access_policy_path is None and settings.audit_log_path == DEFAULT_AUDIT_LOG
    assert settings.allow_unauthenticated_local is False


def test_secrets_take_precedence_over_the_environment(tmp_path):
    environ = {POLICY_ENV: "/env/policy.toml", AUDIT_LOG_ENV: "/env/audit.log", ALLOW_LOCAL_ENV: "1"}
    settings = Settings.read({"auth": AUTH, "access_policy_path": "/secret/policy.toml",
                              "audit_log_path": "/secret/audit.log", "allow_unauthenticated_local": False},
                             environ=environ)
    assert settings.access_policy_path == Path("/secret/policy.toml")
    assert settings.audit_log_path == Path("/secret/audit.log")
    assert settings.allow_unauthenticated_local is False
    from_env = Settings.read({"auth": AUTH}, environ=environ)
    assert from_env.access_policy_path == Path("/env/policy.toml") and from_env.allow_unauthenticated_local


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("0", False), ("", False)])
def test_allow_unauthenticated_local_from_the_environment(value, expected):
    assert Settings.read({}, environ={ALLOW_LOCAL_ENV: value}).allow_unauthenticated_local is expected


def test_an_unclear_allow_unauthenticated_local_value_is_an_error():
    with pytest.raises(ConfigurationError, match="use 1 or 0"):
        Settings.read({}, environ={ALLOW_LOCAL_ENV: "maybe"})
    with pytest.raises(ConfigurationError, match="true or false"):
        Settings.read({"allow_unauthenticated_local": "yes"}, environ={})


@pytest.mark.parametrize("missing", ["redirect_uri", "cookie_secret", "client_id", "client_secret",
                                     "server_metadata_url"])
def test_a_half_configured_auth_section_fails_closed(missing):
    auth = {k: v for k, v in AUTH.items() if k != missing}
    with pytest.raises(ConfigurationError, match=f"missing {missing}"):
        Settings.read({"auth": auth, "access_policy_path": "/p.toml"}, environ={})


def test_sign_in_without_an_access_policy_fails_closed():
    with pytest.raises(ConfigurationError, match="no access policy"):
        Settings.read({"auth": AUTH}, environ={})


def test_a_short_cookie_secret_is_refused():
    with pytest.raises(ConfigurationError, match="at least 32"):
        Settings.read({"auth": {**AUTH, "cookie_secret": "xxx"}, "access_policy_path": "/p.toml"}, environ={})


def test_a_named_provider_section_is_accepted_and_used():
    auth = {"redirect_uri": AUTH["redirect_uri"], "cookie_secret": AUTH["cookie_secret"],
            "entra": {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}}
    settings = Settings.read({"auth": auth, "access_policy_path": "/p.toml"}, environ={})
    assert settings.sign_in_configured and settings.auth_provider == "entra"
    assert Settings.read({"auth": AUTH, "access_policy_path": "/p.toml"}, environ={}).auth_provider is None


@pytest.mark.parametrize("value", [0, -1, 721, "12", True])
def test_an_impossible_sign_in_max_age_is_refused(value):
    with pytest.raises(ConfigurationError, match="sign_in_max_age_hours"):
        Settings.read({"auth": AUTH, "access_policy_path": "/p.toml", "sign_in_max_age_hours": value}, environ={})


def test_sign_in_max_age_defaults_to_a_shift():
    assert Settings.read({"auth": AUTH, "access_policy_path": "/p.toml"}, environ={}).sign_in_max_age_hours == 12
    assert Settings.read({"auth": AUTH, "access_policy_path": "/p.toml", "sign_in_max_age_hours": 1.5},
                         environ={}).sign_in_max_age_hours == 1.5


@pytest.mark.parametrize("tenant", ["common", "organizations", "consumers"])
def test_a_multi_tenant_microsoft_endpoint_is_refused(tenant):
    url = f"https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration"
    with pytest.raises(ConfigurationError, match="multi-tenant"):
        Settings.read({"auth": {**AUTH, "server_metadata_url": url}, "access_policy_path": "/p.toml"}, environ={})
    named = {"redirect_uri": AUTH["redirect_uri"], "cookie_secret": AUTH["cookie_secret"],
             "entra": {"client_id": "c", "client_secret": "s", "server_metadata_url": url}}
    with pytest.raises(ConfigurationError, match="multi-tenant"):
        Settings.read({"auth": named, "access_policy_path": "/p.toml"}, environ={})


def test_the_example_secrets_file_configures_sign_in():
    secrets = tomllib.loads((ROOT / ".streamlit" / "secrets.example.toml").read_text())
    settings = Settings.read(secrets, environ={})
    assert settings.sign_in_configured and settings.access_policy_path is not None
    assert set(secrets["auth"]) >= {"redirect_uri", "cookie_secret", "client_id", "client_secret",
                                    "server_metadata_url"}
