"""A measure as every outlet shows it: its text, interval, counts, notes, or why it is empty.

A value can be empty for four different reasons, and each has its own words and tooltip:
*suppressed* (disclosure control hid it: "<5", "*", or "too few" people in the selection),
*not applicable* (the schemes have no contact target or no planned duration), *too early*
(nobody has finished the follow-up yet: says when the first will) and *no data*. A median
time to reoffence that is never reached within the year is a result, not an empty state:
"not reached". A page never says "suppressed" for something that does not apply.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dashboard.presentation import units
from dashboard.presentation.labels import label
from metrics import BY_ID, MetricValue
from metrics.disclosure import DEFAULT_K, MIN_PEOPLE, RATE_MARK, TOO_FEW_MARK, count_mark
from metrics.result import FEW_EVENTS, LOW_N


@dataclass(frozen=True)
class State:
    name: str  # suppressed | not_applicable | too_early | no_data | not_reached
    words: str
    tooltip: str


SUPPRESSED_COUNT = State("suppressed", count_mark(DEFAULT_K),
                         f"Between 1 and {DEFAULT_K - 1}: hidden to protect the people counted.")
SUPPRESSED_RATE = State("suppressed", RATE_MARK,
                        f"Built on fewer than {DEFAULT_K} people, or hidden so that a hidden figure "
                        "cannot be worked out: not shown, to protect the people counted.")
TOO_FEW = State("suppressed", "too few",
                f"Fewer than {MIN_PEOPLE} people in this selection: no figures are shown, to protect them.")
NO_TARGET = State("not_applicable", "no target", "None of these schemes has a contact target.")
NO_PLANNED_DURATION = State("not_applicable", "no planned length",
                            "None of these schemes has a planned length, so nobody can stay beyond it.")
NOT_REACHED = State("not_reached", "not reached",
                    "Fewer than half of these people were proven to reoffend within the year.")
NO_DATA = State("no_data", "no data", "Nothing is recorded for this selection.")

FLAG_TEXT = {
    "low_n": f"fewer than {LOW_N} in the denominator: treat with caution",
    "few_events": f"fewer than {FEW_EVENTS} events: treat with caution",
    "schemes_outside_scope": "some schemes are outside your districts and left out",
}

# Measures that wait for the one-year follow-up and six-month outcome wait.
FOLLOW_UP_IDS = frozenset({
    "reoffending_rate", "reoffences_per_person", "prior_offences_per_person", "pre_post_change",
    "comparison_reoffending_rate", "participant_matched_rate", "matched_comparison_rate", "rate_difference",
    "people_needed",
})


@dataclass(frozen=True)
class Situation:
    """What the presentation needs beyond a value to say why it is empty."""

    has_contact_target: bool = True
    has_planned_duration: bool = True
    first_results_due: dt.date | None = None  # when the first pending person becomes eligible


def too_early_state(due: dt.date | None) -> State:
    when = f"from {due:%B %Y}" if due else "once the first people have been followed up"
    return State("too_early", "too early",
                 f"Nobody selected has finished the year of follow-up and the six-month wait for outcomes "
                 f"yet: the first results are due {when}.")


@dataclass(frozen=True)
class Shown:
    """One measure, worded."""

    id: str
    title: str
    text: str  # the figure, or the empty state's words
    interval: str  # "95% CI 85.3% to 87.8%", or ""
    counts: str  # "1,234 of 1,400", or ""
    notes: tuple[str, ...]  # p-value, reliability flags
    state: State | None  # why there is no figure, or None
    definition: str

    @property
    def detail(self) -> str:
        """The line under a tile: interval, counts, notes."""
        return " · ".join(part for part in (self.interval, self.counts, *self.notes) if part)

    @property
    def tooltip(self) -> str:
        return self.definition + (f"\n\n{self.state.tooltip}" if self.state else "")


def state_of(value: MetricValue, results: dict[str, MetricValue] | None = None,
             situation: Situation = Situation()) -> State | None:
    """Why a value has no figure (None when it has one)."""
    if value.suppressed == TOO_FEW_MARK:
        return TOO_FEW
    if value.suppressed == RATE_MARK:
        return SUPPRESSED_RATE
    if value.suppressed:
        return SUPPRESSED_COUNT
    if value.value is not None:
        return None
    if value.id == "time_to_reoffence" and value.denominator:
        return NOT_REACHED
    if value.id == "contact_target_met_rate" and not situation.has_contact_target:
        return NO_TARGET
    if value.id == "retention_beyond_planned_rate" and not situation.has_planned_duration:
        return NO_PLANNED_DURATION
    if value.id in FOLLOW_UP_IDS and results is not None:
        eligible, pending = results.get("reoffending_eligible"), results.get("reoffending_pending")
        if eligible is not None and eligible.value == 0 and pending is not None and pending.value:
            return too_early_state(situation.first_results_due)
    return NO_DATA


def show(value: MetricValue, results: dict[str, MetricValue] | None = None,
         situation: Situation = Situation()) -> Shown:
    metric = BY_ID[value.id]
    unit = units.unit_of(value.id)
    state = state_of(value, results, situation)
    if state is not None:
        return Shown(value.id, metric.title, state.words, "", "", (), state, metric.definition)
    notes = []
    if value.p_value is not None:
        notes.append(units.p_value(value.p_value))
    notes += [FLAG_TEXT.get(flag, flag) for flag in value.flags or ()]
    return Shown(value.id, metric.title, units.number(value.value, unit),
                 units.interval(value.ci_low, value.ci_high, unit), counts_text(value), tuple(notes), None,
                 metric.definition)


def counts_text(value: MetricValue) -> str:
    """'numerator of denominator' for shares, 'a / b' for other ratios."""
    metric = BY_ID[value.id]
    if not metric.ratio or value.numerator is None or value.denominator is None:
        return ""
    if value.id == "pre_post_change":  # numerator = reoffences − prior, denominator = prior
        return (f"{units.count(value.numerator + value.denominator)} offences after, "
                f"{units.count(value.denominator)} before")
    numerator = units.money(value.numerator) if metric.unit == "gbp" else units.count(value.numerator)
    joiner = " of " if metric.unit == "share" else " / "
    return f"{numerator}{joiner}{units.count(value.denominator)}"


def cell(row) -> Shown:
    """One cell of a breakdown frame (a row with metric, value, numerator... suppressed)."""
    suppressed = row.suppressed if isinstance(row.suppressed, str) and row.suppressed else None
    value = MetricValue(row.metric, _none(row.value), _none(row.numerator), _none(row.denominator),
                        _none(row.ci_low), _none(row.ci_high), _none(row.p_value),
                        flags=row.flags if isinstance(row.flags, tuple) else (), suppressed=suppressed)
    return show(value)


NOT_APPLICABLE = {"contact_target_met_rate": NO_TARGET, "retention_beyond_planned_rate": NO_PLANNED_DURATION}


def cohort_cells(frame, metric_id: str, applies_to: set[str] | None = None):
    """One metric's cells of a breakdown, in the shape the figure builders take (cell = label).

    applies_to: for a measure that only some cohorts can have (a contact target, a planned
    length), the labels of the cohorts that can; another cohort's empty cell is "not
    applicable" ("no target"), not "no data".
    """
    import pandas as pd

    rows = frame[frame["metric"] == metric_id].copy()

    def empty(row) -> str:  # why a cell has no figure, in its empty state's words
        shown = cell(row)
        if shown.state is None:
            return ""
        if applies_to is not None and shown.state is NO_DATA and row.label not in applies_to:
            return NOT_APPLICABLE.get(metric_id, NO_DATA).words
        return shown.state.words

    rows["empty"] = [empty(row) for row in rows.itertuples()]
    rows["cell"] = rows["label"].map(label)
    for column in ("value", "ci_low", "ci_high", "numerator", "denominator"):
        rows[column] = pd.to_numeric(rows[column], errors="coerce")
    return rows


def _none(x):
    try:
        return None if x is None or x != x else x
    except (TypeError, ValueError):
        return x


def funnel_stages(results: dict[str, MetricValue]) -> list[tuple[str, float | None, str]]:
    """The Overview funnel: (stage, count, text). Each stage's share says what it is a share
    of, and is the tile's own figure: completed is a share of the exits counted toward
    completion, as completion_rate is, not of everyone referred."""
    referrals, engaged = results["referrals"], results["engaged"]
    completion = results["completion_rate"]
    stages = [("Referred", referrals.value, show(referrals).text)]
    rate = show(results["engagement_rate"])
    stages.append(("Engaged", engaged.value,
                   show(engaged).text + (f" ({rate.text} of referred)" if rate.state is None else "")))
    done = show(completion)
    stages.append(("Completed", completion.numerator,
                   (units.count(completion.numerator) + f" ({done.text} of exits counted)")
                   if done.state is None else done.text))
    return stages
