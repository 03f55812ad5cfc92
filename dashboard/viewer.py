"""Who is looking: their access scope (enforced in metrics/), and how they signed in."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.revocation import SignIn
from metrics import AccessScope


@dataclass(frozen=True)
class Viewer:
    scope: AccessScope
    email: str | None = None  # None in local mode
    local_mode: bool = False  # no sign-in configured: bundled sample (or an explicit opt-in) only
    sign_in: SignIn | None = None  # signed in: what an export re-checks when it is built

    @property
    def label(self) -> str:
        where = ", ".join(sorted(self.scope.districts or self.scope.forces or ["all forces"]))
        who = self.email or "local mode"
        return f"{who} · {self.scope.role.replace('_', ' ')} · {where}"
