"""Plain-English sentences about the reoffending comparison, for pages and board reports.

Wording only: every figure comes from metrics/ results already through disclosure control.
"""

from __future__ import annotations

from dashboard.presentation import units
from metrics import MetricValue


def _per_100(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}"


def _signed_per_100(value: float) -> str:
    """A difference per 100 people, with a real minus sign: "+2.1", "−10.6"."""
    return units.points(value).removesuffix(" points")


_p = units.p_value


def comparison_sentences(results: dict[str, MetricValue]) -> list[str]:
    matched = results["matched_participants"]
    difference = results["rate_difference"]
    p_t = results["participant_matched_rate"].value
    p_c = results["matched_comparison_rate"].value
    if matched.suppressed or difference.suppressed:
        return ["Too few people to report the comparison without risking identifying someone, so it is not "
                "shown."]
    if not matched.value or p_t is None or p_c is None:
        return ["No participant has completed the one-year follow-up and six-month waiting period with a "
                "matched comparison person yet, so no comparison can be made."]
    sentences = [
        f"For 100 typical participants, about {_per_100(p_t)} were proven to reoffend within a year, "
        f"against about {_per_100(p_c)} of 100 similar people in the comparison group "
        f"(matched on sex, age band, need and prior offences; {matched.value:,.0f} participants matched)."
    ]
    if difference.ci_low is not None and difference.ci_high is not None:
        direction = "fewer" if difference.value < 0 else "more"
        sentences.append(
            f"That is {abs(difference.value) * 100:.1f} {direction} per 100 "
            f"(95% interval {_signed_per_100(difference.ci_low)} to {_signed_per_100(difference.ci_high)} per 100)."
        )
        if difference.p_value is not None:
            if difference.p_value < 0.05:
                sentences.append(f"A difference this large is unlikely to be chance alone ({_p(difference.p_value)}).")
            else:
                sentences.append(
                    f"The interval includes no difference at all ({_p(difference.p_value)}): this cohort "
                    "cannot show whether the scheme changed reoffending."
                )
    needed = results["people_needed"].value
    if needed is not None:
        sentences.append(
            f"To detect a difference of this size reliably (80% power, 5% significance), each group would "
            f"need about {needed:,.0f} people; {matched.value:,.0f} participants are matched here."
        )
    sentences.append("This is an observational comparison, not a trial: differences between the groups "
                     "that the matching does not capture may explain part of any gap.")
    return sentences
