"""Who may see what: the deployment settings for sign-in and the access policy file.

The access policy is a TOML file kept outside the repository (its path comes from the
secrets or the environment, never from a widget or a URL). It maps a signed-in email,
compared in ASCII lower case (an address with any other character is refused), to one role and the force and districts that role covers:

    [[user]]
    email = "j.smith@thamesvalley.police.uk"
    role = "district_commander"
    force = "Thames Valley"
    districts = ["Oxford", "Cherwell"]

A viewer's scope is built here and only here, from the identity and this file; the
metrics layer enforces it on every query. No streamlit import: the CLI and the tests read
the same policy.
"""

from __future__ import annotations

import functools
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from metrics import AccessScope
from metrics.scope import Role

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_AUDIT_LOG = ROOT / "data" / "audit.log"

POLICY_ENV = "OUTCOMES_ACCESS_POLICY"
AUDIT_LOG_ENV = "OUTCOMES_AUDIT_LOG"
ALLOW_LOCAL_ENV = "OUTCOMES_ALLOW_UNAUTHENTICATED_LOCAL"

ROLES = tuple(str(role) for role in Role)
# Which keys each role's entry takes; `force`/`districts` outside this table are an error,
# so a policy can never look narrower than it is.
REQUIRED = {Role.ANALYST: (), Role.COMMISSIONER: ("force",), Role.DISTRICT_COMMANDER: ("force", "districts"),
            Role.VIEWER: ("force",)}
OPTIONAL = {Role.ANALYST: (), Role.COMMISSIONER: (), Role.DISTRICT_COMMANDER: (), Role.VIEWER: ("districts",)}
ENTRY_KEYS = {"email", "role", "force", "districts", "note"}

# The [auth] keys st.login needs for the default provider (streamlit/auth_util.py).
AUTH_SHARED_KEYS = ("redirect_uri", "cookie_secret")
AUTH_PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
MIN_COOKIE_SECRET_CHARS = 32
# Streamlit keeps a sign-in cookie for 30 days; we ask for a fresh sign-in after a shift.
DEFAULT_SIGN_IN_MAX_AGE_HOURS = 12
# Microsoft's multi-tenant endpoints accept accounts from any tenant, whose email claims
# this organisation does not control.
MULTI_TENANT_METADATA = ("login.microsoftonline.com/common/", "login.microsoftonline.com/organizations/",
                         "login.microsoftonline.com/consumers/")


class PolicyError(Exception):
    """The access policy file is missing or wrong; the message says where and how."""


class ConfigurationError(Exception):
    """Sign-in is half configured; the app refuses to serve rather than guess."""


class NonAsciiEmail(ValueError):
    """An email address with a character outside ASCII: refused, never folded into another."""


def normalise_email(email: str) -> str:
    """The address in ASCII lower case. Unicode case folding would make distinct addresses
    equal ("ﬁona@x" folds to "fiona@x"), so an address with any non-ASCII character is
    refused (NonAsciiEmail) rather than compared."""
    email = email.strip()
    if not email.isascii():
        raise NonAsciiEmail(f"{email!r} has characters outside ASCII; only plain ASCII addresses are "
                            "accepted")
    return email.lower()


@dataclass(frozen=True)
class Grant:
    """One line of the policy: what a signed-in person may see."""

    email: str  # normalised
    role: str
    force: str | None = None
    districts: frozenset[str] | None = None

    @property
    def scope(self) -> AccessScope:
        forces = frozenset({self.force}) if self.force else None
        return AccessScope(self.role, forces, self.districts)


@dataclass(frozen=True)
class AccessPolicy:
    path: Path
    grants: Mapping[str, Grant]  # by normalised email

    def grant_for(self, email: str | None) -> Grant | None:
        if not email:
            return None
        try:
            return self.grants.get(normalise_email(email))
        except NonAsciiEmail:
            return None


def scope_for(role: str, force: str | None = None, districts=None) -> AccessScope:
    """The access scope of a role (used by the policy and by local-mode preview)."""
    return _grant("(preview)", {"role": role, "force": force,
                                "districts": sorted(districts) if districts is not None else None},
                  where="preview").scope


def load_policy(path: str | os.PathLike) -> AccessPolicy:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"access policy file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"access policy file {path} cannot be read: {exc}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"access policy file {path} is not valid TOML: {exc}") from None
    return AccessPolicy(path, parse_policy(document, str(path)))


@functools.lru_cache(maxsize=4)
def _load_policy_version(path: str, version: tuple[int, int, int]) -> AccessPolicy:
    return load_policy(path)


def current_policy(path: str | os.PathLike) -> AccessPolicy:
    """The policy as the file says now: cheap to call on every run and at every export (cached
    by the file's inode, mtime and size), so a revocation applies at once."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        raise PolicyError(f"access policy file {path} does not exist") from None
    return _load_policy_version(str(path), (stat.st_ino, stat.st_mtime_ns, stat.st_size))


def parse_policy(document: Mapping, source: str = "access policy") -> dict[str, Grant]:
    unknown = set(document) - {"user"}
    if unknown:
        raise PolicyError(f"{source}: unknown top-level key(s) {sorted(unknown)}; "
                          "expected only [[user]] entries")
    entries = document.get("user", [])
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise PolicyError(f"{source}: `user` must be an array of tables ([[user]] entries)")
    if not entries:
        raise PolicyError(f"{source}: no [[user]] entries; nobody could sign in")
    grants: dict[str, Grant] = {}
    for number, entry in enumerate(entries, start=1):
        where = f"{source}: [[user]] entry {number}"
        email = entry.get("email")
        if not isinstance(email, str) or "@" not in email or email.strip() != email or not email:
            raise PolicyError(f"{where}: `email` must be an email address (got {email!r})")
        if not email.isascii():
            raise PolicyError(f"{where}: `email` {email!r} has characters outside ASCII; write the address "
                              "in plain ASCII letters (emails are compared in ASCII lower case, and one "
                              "with other characters could never sign in)")
        grant = _grant(email, entry, where)
        if grant.email in grants:
            raise PolicyError(f"{where}: {email} is listed more than once (emails are compared "
                              "in ASCII lower case); give each person exactly one entry")
        grants[grant.email] = grant
    return grants


def _grant(email: str, entry: Mapping, where: str) -> Grant:
    unknown = set(entry) - ENTRY_KEYS
    if unknown:
        raise PolicyError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(ENTRY_KEYS)}")
    role = entry.get("role")
    if role not in ROLES:
        raise PolicyError(f"{where} ({email}): `role` must be one of {', '.join(ROLES)} (got {role!r})")
    given = {key for key in ("force", "districts") if entry.get(key) is not None}
    for key in REQUIRED[role]:
        if key not in given:
            raise PolicyError(f"{where} ({email}): a {role} needs `{key}`")
    for key in given - set(REQUIRED[role]) - set(OPTIONAL[role]):
        explain = "an analyst sees every force" if role == Role.ANALYST else f"a {role} covers the whole force"
        raise PolicyError(f"{where} ({email}): `{key}` does not apply ({explain}); remove it")
    force = entry.get("force")
    if force is not None and (not isinstance(force, str) or not force.strip()):
        raise PolicyError(f"{where} ({email}): `force` must be a force name (got {force!r})")
    districts = entry.get("districts")
    if districts is not None:
        if (not isinstance(districts, list) or not districts
                or not all(isinstance(d, str) and d.strip() for d in districts)):
            raise PolicyError(f"{where} ({email}): `districts` must be a non-empty list of district "
                              f"names (got {districts!r})")
        districts = frozenset(d.strip() for d in districts)
    return Grant(normalise_email(email), role, force.strip() if force else None, districts)


@dataclass(frozen=True)
class Settings:
    """Sign-in and access settings, read from the secrets first, then the environment."""

    auth: Mapping | None  # the [auth] section when sign-in is configured
    access_policy_path: Path | None
    audit_log_path: Path
    allow_unauthenticated_local: bool
    email_claim: str = "email"  # the identity claim looked up in the policy
    sign_in_max_age_hours: float = DEFAULT_SIGN_IN_MAX_AGE_HOURS

    @property
    def sign_in_configured(self) -> bool:
        return self.auth is not None

    @property
    def auth_provider(self) -> str | None:
        """None for the default provider; else the one named [auth.<name>] section."""
        if self.auth is None or all(key in self.auth for key in AUTH_PROVIDER_KEYS):
            return None
        return _named_providers(self.auth)[0]

    @classmethod
    def read(cls, secrets: Mapping, environ: Mapping[str, str] = os.environ) -> Settings:
        auth = secrets.get("auth")
        if auth is not None:
            _check_auth_section(auth)
        policy = secrets.get("access_policy_path") or environ.get(POLICY_ENV)
        audit_log = secrets.get("audit_log_path") or environ.get(AUDIT_LOG_ENV)
        if "allow_unauthenticated_local" in secrets:
            allow = secrets["allow_unauthenticated_local"]
            if not isinstance(allow, bool):
                raise ConfigurationError("secrets: allow_unauthenticated_local must be true or false")
        else:
            allow = _flag(environ.get(ALLOW_LOCAL_ENV, ""), ALLOW_LOCAL_ENV)
        if auth is not None and not policy:
            raise ConfigurationError(
                "Sign-in is configured but no access policy is: set `access_policy_path` in the "
                f"secrets or {POLICY_ENV} in the environment. Without it nobody can be given access.")
        email_claim = secrets.get("email_claim", "email")
        if not isinstance(email_claim, str) or not email_claim:
            raise ConfigurationError("secrets: email_claim must name an identity-token claim, e.g. \"email\"")
        max_age = secrets.get("sign_in_max_age_hours", DEFAULT_SIGN_IN_MAX_AGE_HOURS)
        if isinstance(max_age, bool) or not isinstance(max_age, (int, float)) or not 0 < max_age <= 720:
            raise ConfigurationError("secrets: sign_in_max_age_hours must be a number of hours from 0 to 720")
        return cls(auth=auth, access_policy_path=Path(policy) if policy else None,
                   audit_log_path=Path(audit_log) if audit_log else DEFAULT_AUDIT_LOG,
                   allow_unauthenticated_local=allow, email_claim=email_claim,
                   sign_in_max_age_hours=float(max_age))


def _flag(value: str, name: str) -> bool:
    value = value.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("", "0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name}={value!r}: use 1 or 0")


def _named_providers(auth: Mapping) -> list[str]:
    return [name for name, section in auth.items()
            if isinstance(section, Mapping) and all(key in section for key in AUTH_PROVIDER_KEYS)]


def _check_auth_section(auth) -> None:
    """An [auth] section that is present but incomplete must not fall back to local mode."""
    if not isinstance(auth, Mapping):
        raise ConfigurationError("secrets: [auth] must be a table")
    missing = [key for key in AUTH_SHARED_KEYS if not auth.get(key)]
    if not all(key in auth for key in AUTH_PROVIDER_KEYS):
        providers = _named_providers(auth)
        if len(providers) != 1:
            missing += [key for key in AUTH_PROVIDER_KEYS if not auth.get(key)]
    if missing:
        raise ConfigurationError(f"secrets: [auth] is missing {', '.join(missing)} (see "
                                 ".streamlit/secrets.example.toml)")
    if len(str(auth["cookie_secret"])) < MIN_COOKIE_SECRET_CHARS:
        raise ConfigurationError(f"secrets: [auth] cookie_secret must be at least {MIN_COOKIE_SECRET_CHARS} "
                                 "random characters; it signs every sign-in cookie")
    metadata_urls = [str(section.get("server_metadata_url", "")) for section in [auth, *auth.values()]
                     if isinstance(section, Mapping)]
    if any(marker in url for url in metadata_urls for marker in MULTI_TENANT_METADATA):
        raise ConfigurationError("secrets: [auth] server_metadata_url is a Microsoft multi-tenant endpoint, "
                                 "which signs in accounts of any organisation; use your tenant's own "
                                 "(https://login.microsoftonline.com/<tenant-id>/v2.0/.well-known/"
                                 "openid-configuration)")
    if not str(auth["redirect_uri"]).endswith("/oauth2callback"):
        raise ConfigurationError("secrets: [auth] redirect_uri must be the app's address ending in "
                                 "/oauth2callback")
