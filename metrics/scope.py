"""What a call may see (AccessScope) and what the user asked for (Filter).

Both are plain values. `query_params` turns them into DuckDB parameters; the SQL in
`metrics/sql/` applies them, so a value never enters SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum

from metrics.catalogue import COMPLETION_EXITS

class Role(StrEnum):
    """The four roles: the one list the policy, the scope, the pages, sign-in and the reports use.
    A Role is its own string ("district_commander"), so policies and audit rows keep their words."""

    ANALYST = "analyst"
    COMMISSIONER = "commissioner"
    DISTRICT_COMMANDER = "district_commander"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        """In words, for pages and reports: "District commander"."""
        return self.value.replace("_", " ").capitalize()


ROLES = tuple(Role)
ROLE_LABELS = {role: role.label for role in Role}
ROW_LEVEL_ROLES = (Role.ANALYST, Role.DISTRICT_COMMANDER)  # may see lists of referrals by pseudonym


@dataclass(frozen=True)
class Filter:
    """Selection of referrals (metrics.md "Selection"). Empty tuple / None = no restriction."""

    schemes: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    pathways: tuple[str, ...] = ()
    sexes: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (list, set, frozenset)):
                object.__setattr__(self, f.name, tuple(sorted(value)))
            elif isinstance(value, str) and f.name not in ("date_from", "date_to"):
                raise TypeError(f"Filter.{f.name} takes a tuple of values, not a string")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("Filter.date_from is after date_to")

    def with_(self, **changes) -> Filter:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return Filter(**values)

    def to_json(self) -> dict:
        return {
            f.name: (getattr(self, f.name).isoformat() if isinstance(getattr(self, f.name), date)
                     else list(getattr(self, f.name)) if isinstance(getattr(self, f.name), tuple)
                     else getattr(self, f.name))
            for f in fields(self)
        }


@dataclass(frozen=True)
class AccessScope:
    """Which referrals a user may see: by the referral's force and district.

    forces None = every force; districts None = every district of those forces. An empty
    set sees nothing.
    """

    role: str
    forces: frozenset[str] | None = None
    districts: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; one of {ROLES}")
        for name in ("forces", "districts"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, frozenset):
                object.__setattr__(self, name, frozenset(value))

    @property
    def suppress(self) -> bool:
        """Statistical disclosure control applies to everyone but analysts."""
        return self.role != Role.ANALYST

    @property
    def row_level(self) -> bool:
        """May see record-level views (lists of referrals)."""
        return self.role in ROW_LEVEL_ROLES

    @property
    def restricts_districts(self) -> bool:
        return self.districts is not None


ANALYST = AccessScope(Role.ANALYST)


def _list(values) -> list[str] | None:
    return None if values is None else sorted(values)


def query_params(scope: AccessScope, flt: Filter, as_of: date,
                 comparison_districts: list[str] | None = None) -> dict:
    """Every parameter the SQL files may use; `sql.run` passes only those a query names."""
    return {
        "scope_forces": _list(scope.forces),
        "scope_districts": _list(scope.districts),
        "comparison_districts": comparison_districts,
        "schemes": list(flt.schemes),
        "districts": list(flt.districts),
        "date_from": flt.date_from,
        "date_to": flt.date_to,
        "pathways": list(flt.pathways),
        "sexes": list(flt.sexes),
        "age_bands": list(flt.age_bands),
        "needs": list(flt.needs),
        "as_of": as_of,
        "completion_exits": list(COMPLETION_EXITS),
    }
