"""Which pages exist and which roles may open them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from metrics.scope import ROLES, ROW_LEVEL_ROLES, Role

PAGES_DIR = Path(__file__).parent / "pages"

ALL_ROLES = ROLES


@dataclass(frozen=True)
class PageSpec:
    file: str
    title: str
    icon: str
    roles: tuple[str, ...] = ALL_ROLES
    url_path: str = ""


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview.py", "Overview", ":material/dashboard:", url_path="overview"),
    PageSpec("engagement.py", "Engagement", ":material/event_available:", url_path="engagement"),
    PageSpec("onward.py", "Onward referrals and pathways", ":material/alt_route:", url_path="onward"),
    PageSpec("completion.py", "Completion and progression", ":material/flag:", url_path="completion"),
    PageSpec("reoffending.py", "Reoffending and comparison", ":material/compare_arrows:", url_path="reoffending"),
    PageSpec("schemes.py", "Scheme comparison", ":material/leaderboard:", url_path="schemes"),
    PageSpec("cohort_review.py", "Cohort review", ":material/groups:", ROW_LEVEL_ROLES,
             url_path="cohort-review"),
    PageSpec("data_quality.py", "Data quality", ":material/rule:", (Role.ANALYST,), url_path="data-quality"),
    PageSpec("definitions.py", "Definitions", ":material/menu_book:", url_path="definitions"),
)


def pages_for(role: str) -> list[PageSpec]:
    return [p for p in PAGES if role in p.roles]
