"""One formatter per unit, and the spreadsheet number format that shows the same text.

Every outlet (pages, PDF, XLSX, the command line's table) words a number through here, so
"−7.5 points" reads the same everywhere. Negative numbers take a real minus sign (U+2212).
"""

from __future__ import annotations

import math

MINUS = "\u2212"

# metric id -> the unit it is shown in, where that is not the catalogue's own unit
UNIT_OF_METRIC = {
    "rate_difference": "points",  # a difference of two shares
    "pre_post_change": "relative_change",
    "reoffences_per_person": "per_person",
    "prior_offences_per_person": "per_person",
    "onward_referrals_per_engaged": "per_person",
    "median_contacts_per_month": "per_month",
    "people_needed": "count",
    "cost_per_referral": "money",
    "cost_per_completion": "money",
}
CATALOGUE_UNITS = {"share": "share", "count": "count", "days": "days", "ratio": "per_person", "gbp": "money",
                   "p_value": "p_value"}

# the spreadsheet's number format for each unit: Excel shows exactly the text below
EXCEL_FORMATS = {
    "share": "0.0%",
    "points": f'+0.0" points";"{MINUS}"0.0" points";0.0" points"',
    "relative_change": f'+0%;"{MINUS}"0%;0%',
    "per_person": "0.00",
    "per_month": "0.0",
    "money": "£#,##0",
    "days": '0.0" days"',
    "count": "#,##0",
    "p_value": '[<0.001]"p < 0.001";"p = "0.000',
}
# what the spreadsheet stores for a value (points are stored as points, not as a fraction)
EXCEL_SCALE = {"points": 100}


def _signed(text: str, negative: bool) -> str:
    return f"{MINUS}{text}" if negative else text


def share(x: float) -> str:
    return f"{x * 100:.1f}%"


def points(x: float) -> str:
    """A difference of two shares, in percentage points."""
    value = round(x * 100, 1)
    if value == 0:
        return "0.0 points"
    return ("+" if value > 0 else MINUS) + f"{abs(value):.1f} points"


def relative_change(x: float) -> str:
    value = round(x * 100)
    if value == 0:
        return "0%"
    return ("+" if value > 0 else MINUS) + f"{abs(value):.0f}%"


def per_person(x: float) -> str:
    return _signed(f"{abs(x):.2f}", x < 0)


def per_month(x: float) -> str:
    return f"{x:.1f}"


def money(x: float) -> str:
    return _signed(f"£{abs(x):,.0f}", x < 0)


def days(x: float) -> str:
    return f"{x:.1f} days"


def count(x: float) -> str:
    return _signed(f"{abs(x):,.0f}", x < 0)


def p_value(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


FORMATTERS = {"share": share, "points": points, "relative_change": relative_change, "per_person": per_person,
              "per_month": per_month, "money": money, "days": days, "count": count, "p_value": p_value}


def unit_of(metric_id: str) -> str:
    from metrics import BY_ID

    return UNIT_OF_METRIC.get(metric_id, CATALOGUE_UNITS[BY_ID[metric_id].unit])


def number(x, unit: str) -> str:
    """A number in the given unit; "" for a missing one (the caller says why it is missing)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return FORMATTERS[unit](x)


def interval(low, high, unit: str) -> str:
    if low is None or high is None or (isinstance(low, float) and math.isnan(low)):
        return ""
    return f"95% CI {number(low, unit)} to {number(high, unit)}"


def excel_value(x, unit: str):
    """What the spreadsheet stores, so that EXCEL_FORMATS[unit] shows number(x, unit)."""
    return None if x is None else x * EXCEL_SCALE.get(unit, 1)
