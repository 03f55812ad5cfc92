"""Cell-key perturbation: counts that stay consistent however they are asked for.

Suppressing each query is not enough when filters are free: two allowed views can be
subtracted (a date range and the same range a day shorter; a total and its complement). So
every count shown outside the analyst role, and in every export, is perturbed by the
cell-key method that national statistics offices use for flexible table builders (the ONS
for Census 2021's "create a custom dataset", the ABS for TableBuilder):

- every person has a fixed random *record key* from 0 to 255 (the warehouse's `record_keys`
  table, derived at ingest from the pseudonym with a secret: pipelines/sql/record_keys.sql);
- a count's *cell key* is the sum of the record keys of the records it counts, modulo 256
  (a person counted twice, say for two referrals, adds their key twice);
- the *perturbation table* below maps (count, cell key) to a small adjustment.

The same records therefore always get the same adjustment, whatever filters led to them: a
difference between two views is the true difference plus the difference of two
adjustments, so one person can no longer be worked out, and asking again returns the same
figure, so averaging repeated views gains nothing.

The table (PTABLE, published in ptable.csv and the catalogue's methods page):
- zero is never changed (no one is invented), and counts from 1 to k − 1 are not perturbed
  because primary suppression hides them ("<5");
- from k up, the adjustment is between −D and +D (D = 2), drawn by the cell key from the
  maximum-entropy distribution with mean 0 and variance V = 1 on −2..2, with probabilities
  in 256ths (98/256 no change, 63/256 each for ±1, 16/256 each for ±2: variance 0.99);
- a perturbed count never falls below k (a shown count stays a "not small" count): at k and
  k + 1 the adjustments that would do so are folded onto the smallest allowed one, which
  biases those two rows up by at most 0.7 on average.

Rates are computed from perturbed counts (a numerator is capped at its denominator); their
intervals too. Analysts' pages and `python -m metrics summary` stay exact.
"""

from __future__ import annotations

import csv
import functools
import math
from dataclasses import dataclass
from pathlib import Path

from metrics.disclosure import DEFAULT_K

KEY_RANGE = 256  # record and cell keys are 0..255
MONTH_DAYS = 30.4375  # a month of follow-up, for the perturbed survival curves
MAX_ADJUSTMENT = 2  # D
VARIANCE = 1.0  # V, of the untruncated rows
PTABLE_FILE = Path(__file__).with_name("ptable.csv")


@dataclass(frozen=True)
class PtableRow:
    """Count `count` (or, for the last row, every count from it up) moves by `adjustment`
    when its cell key is in [ckey_from, ckey_to]."""

    count: int
    adjustment: int
    probability: float
    ckey_from: int
    ckey_to: int


def base_distribution(max_adjustment: int = MAX_ADJUSTMENT, variance: float = VARIANCE) -> dict[int, int]:
    """Maximum-entropy distribution on −D..D with mean 0 and the given variance, in 256ths.

    With mean 0 and a fixed variance, entropy is greatest for p(a) ∝ x^(a²); x is found by
    bisection, then the probabilities are rounded to 256ths (largest remainders first, so
    they add up to exactly 256 and stay symmetric).
    """
    adjustments = range(-max_adjustment, max_adjustment + 1)

    def spread(x: float) -> float:
        weights = [x ** (a * a) for a in adjustments]
        return sum(w * a * a for w, a in zip(weights, adjustments)) / sum(weights)

    low, high = 1e-9, 1.0
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (mid, high) if spread(mid) < variance else (low, mid)
    weights = {a: low ** (a * a) for a in adjustments}
    total = sum(weights.values())
    exact = {a: KEY_RANGE * w / total for a, w in weights.items()}
    units = {a: math.floor(v) for a, v in exact.items()}
    # hand out the remaining 256ths in symmetric pairs (then the centre), largest remainder first
    left = KEY_RANGE - sum(units.values())
    for a in sorted((a for a in adjustments if a >= 0), key=lambda a: units[a] - exact[a]):
        step = 1 if a == 0 else 2
        if left >= step:
            units[a] += 1
            if a:
                units[-a] += 1
            left -= step
    units[0] += left
    return units


def build_ptable(k: int = DEFAULT_K, max_adjustment: int = MAX_ADJUSTMENT,
                 variance: float = VARIANCE) -> list[PtableRow]:
    """Rows for counts k .. k + D (the last row serves every larger count)."""
    base = base_distribution(max_adjustment, variance)
    rows = []
    for n in range(k, k + max_adjustment + 1):
        lowest = max(-max_adjustment, k - n)
        units = {a: u for a, u in base.items() if a > lowest}
        units[lowest] = sum(u for a, u in base.items() if a <= lowest)
        start = 0
        for a in sorted(units):
            if units[a]:
                rows.append(PtableRow(n, a, units[a] / KEY_RANGE, start, start + units[a] - 1))
                start += units[a]
    return rows


PTABLE = build_ptable()


@functools.lru_cache(maxsize=4)
def _lookup(k: int) -> dict[int, tuple[int, ...]]:
    """count -> the adjustment for each cell key 0..255."""
    table: dict[int, list[int]] = {}
    for row in PTABLE if k == DEFAULT_K else build_ptable(k):
        table.setdefault(row.count, [0] * KEY_RANGE)[row.ckey_from:row.ckey_to + 1] = \
            [row.adjustment] * (row.ckey_to - row.ckey_from + 1)
    return {n: tuple(adjustments) for n, adjustments in table.items()}


def adjustment(n: int, cell_key: int, k: int = DEFAULT_K) -> int:
    """The published table's adjustment for a count n with this cell key."""
    if n < k:
        return 0
    table = _lookup(k)
    return table[min(n, max(table))][cell_key % KEY_RANGE]


def perturb(n, cell_key, k: int = DEFAULT_K):
    """The count to show: n + its adjustment (None, zero and 1..k − 1 unchanged)."""
    if n is None or cell_key is None:
        return n
    n = int(n)
    return n + adjustment(n, int(cell_key), k)


# numerator -> the denominator it may not exceed once both are perturbed
SUPPORT_CAPS = {
    "engaged": "referrals", "open_referrals": "referrals", "attended_contacts": "attendance_base",
    "target_met": "target_base", "engaged_referred_on": "engaged", "stepped_down": "engaged",
    "escalated": "engaged", "onward_accepted": "onward_decided", "places_taken": "funded_places",
    "completed": "completion_base", "retained": "retention_base",
}
PERSON_CAPS = {"eligible": "people", "pending": "people", "reoffenders": "eligible", "km_events": "people"}
COST_CAPS = {"completions": "referrals"}


def perturb_row(row: dict | None, caps: dict[str, str] | None = None, k: int = DEFAULT_K) -> dict | None:
    """A copy of a SQL row with every count column `c` that has a cell key `c__key` perturbed,
    then each capped column made no larger than its cap (`caps`: numerator -> denominator)."""
    if row is None:
        return None
    out = dict(row)
    for column in [c for c in out if f"{c}__key" in out]:
        out[column] = perturb(out[column], out[f"{column}__key"], k)
    for numerator, denominator in (caps or {}).items():
        if out.get(numerator) is not None and out.get(denominator) is not None:
            out[numerator] = min(out[numerator], out[denominator])
    return out


def survival_rows(rows: list[dict], k: int = DEFAULT_K) -> list[dict]:
    """Rows of survival_times.sql (one group and cell) turned into a perturbed life table.

    The exact curve steps at each person's own day, so two views a day apart would show one
    person's time to reoffence. Here events and censorings are counted by month of follow-up
    (1 to 12), each month's cumulative count of events (and of censorings) is a cell perturbed
    by its cell key, and a cumulative count below k is held at 0: the curve does not fall until
    k people have reoffended. Returned in the same shape (km_time at the month's end), so the
    Kaplan–Meier estimator and its median run on it unchanged.
    """
    months = 12
    events, censored = [[0, 0] for _ in range(months + 1)], [[0, 0] for _ in range(months + 1)]
    for row in rows:
        month = min(months, math.ceil(float(row["km_time"]) / MONTH_DAYS))
        target = events if row["km_event"] else censored
        target[month][0] += int(row["people"])
        target[month][1] += int(row.get("key_sum") or 0)
    total = sum(n for n, _ in events) + sum(n for n, _ in censored)
    total_key = sum(key for _, key in events) + sum(key for _, key in censored)
    shown_total = perturb(total, total_key, k)

    def cumulative(cells):
        out, count, key, shown = [], 0, 0, 0
        for n, cell_key in cells:
            count, key = count + n, key + cell_key
            shown = max(shown, perturb(count, key, k) if count >= k else 0)
            out.append(shown)
        return out

    cum_events, cum_censored = cumulative(events), cumulative(censored)
    cum_censored[-1] = max(cum_censored[-1], shown_total - cum_events[-1])  # everyone else, at a year
    out, before_events, before_censored = [], 0, 0
    for month in range(months + 1):
        time = round(month * MONTH_DAYS) if month < months else 365
        for flag, now, before in ((True, cum_events[month], before_events),
                                  (False, cum_censored[month], before_censored)):
            if now > before:
                out.append({"km_time": float(time), "km_event": flag, "people": now - before})
        before_events, before_censored = cum_events[month], cum_censored[month]
    return out


def combined_key(*keys) -> int:
    """The cell key of a union of disjoint cells: the sum of their keys, modulo 256."""
    return sum(int(k or 0) for k in keys) % KEY_RANGE


def ptable_rows() -> list[dict]:
    """The published table, one dict per row (count "7+" for the last count)."""
    last = PTABLE[-1].count
    return [{"count": f"{r.count}+" if r.count == last else str(r.count), "adjustment": r.adjustment,
             "probability": f"{r.probability:.4f}", "cell keys": f"{r.ckey_from}–{r.ckey_to}"} for r in PTABLE]


def ptable_frame():
    import pandas as pd

    return pd.DataFrame(ptable_rows())


def write_ptable(path: Path = PTABLE_FILE) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["count", "adjustment", "probability", "ckey_from", "ckey_to"])
        for row in PTABLE:
            last = row.count == PTABLE[-1].count
            writer.writerow([f"{row.count}+" if last else row.count, row.adjustment,
                             f"{row.probability:.6f}", row.ckey_from, row.ckey_to])


def rules_text(k: int = DEFAULT_K) -> str:
    """Every disclosure rule in plain words: the one text for the Definitions page, METRICS.md
    and every export's methods page."""
    from metrics.disclosure import MIN_PEOPLE

    return (f"Outside the analyst view and in every export: counts from 1 to {k - 1} are shown as <{k}; a "
            f"rate whose numerator or denominator is from 1 to {k - 1} is shown as * (with its interval); "
            "where a breakdown would let a suppressed cell be worked out from the total, the next smallest "
            "cell is suppressed too. Zeros are shown. Suppressed numbers are removed before anything is "
            f"shown or written, not hidden by formatting. A selection (or a breakdown cell) of fewer than "
            f"{MIN_PEOPLE} people shows no figures. Dates cover whole months on the pages and whole "
            "quarters in board reports (financial quarters: a financial year is four of them). " + describe()
            + " " + KEPT_RULES)


# Which suppression the perturbation makes redundant, and what is kept (the issue asked us
# to write it down): none is dropped.
KEPT_RULES = (
    "With the perturbation, primary and secondary suppression are both kept; none is dropped. Primary "
    "suppression stays because the table does not perturb counts 1 to 4 (a perturbed 1 would still be "
    "nearly one person). Secondary suppression in breakdowns would be redundant against exact recovery "
    "(a total minus its perturbed parts is off by up to the sum of their adjustments), but it is kept: "
    "with few cells the attacker's candidate values for a hidden cell of 1 to 4 are narrow, and it costs "
    "only a cell.")


def describe() -> str:
    """The method in one paragraph, for the catalogue, the Definitions page and exports."""
    base = base_distribution()
    shares = ", ".join(f"{a:+d}: {base[a]}/256" for a in sorted(base))
    return (f"Counts outside the analyst view are perturbed by the cell-key method (as the ONS and "
            f"ABS table builders do): each person has a fixed random record key from 0 to 255; a "
            f"count's cell key is the sum of its records' keys modulo 256; a published table maps "
            f"(count, cell key) to an adjustment between −{MAX_ADJUSTMENT} and +{MAX_ADJUSTMENT} "
            f"({shares}; variance {sum(a * a * u for a, u in base.items()) / KEY_RANGE:.2f}). Zero "
            f"is never changed, counts 1–{DEFAULT_K - 1} are suppressed, and no count of "
            f"{DEFAULT_K} or more is moved below {DEFAULT_K}. The same people always get the same "
            f"figure, so subtracting two views, or asking again, does not reveal anyone. Rates and "
            f"their intervals are computed from the perturbed counts.")


if __name__ == "__main__":
    write_ptable()
    print(f"wrote {PTABLE_FILE}")
