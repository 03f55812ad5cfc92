"""The catalogue covers metrics.md exactly, and METRICS.md is generated from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from metrics.catalogue import BY_ID, CATALOGUE, GROUPS, UNITS, markdown

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT.parent / "shared" / "spec" / "metrics.md"


def spec_text() -> str:
    if not SPEC.exists():
        pytest.skip("shared/spec/metrics.md is not beside the repository")
    return SPEC.read_text(encoding="utf-8")


def test_every_metric_id_of_the_spec_is_in_the_catalogue_and_no_other():
    ids = set(re.findall(r"^\| ([a-z_]+) \| ", spec_text(), flags=re.M)) - {"id"}
    assert ids == set(BY_ID)


def test_wilson_intervals_are_exactly_the_rates_the_spec_lists():
    section = spec_text().split("## Confidence intervals", 1)[1].split("Ratios that are not shares", 1)[0]
    listed = set(re.findall(r"([a-z_]+_rate)\b", section))
    assert listed == {m.id for m in CATALOGUE if m.ci == "wilson"}


def test_entries_are_complete():
    for m in CATALOGUE:
        assert m.title and m.definition.endswith("."), m.id
        assert m.unit in UNITS and m.group in GROUPS, m.id
        assert (m.numerator is None) == (m.denominator is None), m.id
    assert BY_ID["rate_difference"].json_keys() == ("value", "ci_low", "ci_high", "p_value", "flags")
    assert BY_ID["pre_post_change"].json_keys() == ("value", "numerator", "denominator", "p_value", "flags")
    assert BY_ID["time_to_reoffence"].json_keys() == ("value",)
    assert BY_ID["engagement_rate"].json_keys() == ("value", "numerator", "denominator", "ci_low",
                                                    "ci_high", "flags")


def test_metrics_md_is_the_generated_catalogue():
    assert (ROOT / "METRICS.md").read_text(encoding="utf-8").strip() == markdown().strip(), (
        "regenerate: python -m metrics catalogue --markdown > METRICS.md")
