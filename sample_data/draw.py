"""Small vectorised helpers shared by the generator modules: days and categorical draws.

Dates are carried as int32 days since 1970-01-01 until they are written; categories as
int8 codes into the contract's category tuple (-1 = blank).
"""

from __future__ import annotations

import numpy as np

from pipelines.contracts import BY_NAME

EPOCH = np.datetime64("1970-01-01", "D")


def day(iso: str) -> int:
    return int((np.datetime64(iso, "D") - EPOCH).astype(int))


def categories(extract: str, column: str) -> tuple[str, ...]:
    return BY_NAME[extract].column(column).categories


def probs(weights: dict[str, float], cats: tuple[str, ...]) -> np.ndarray:
    """A probability vector over `cats` (contract order) from a {category: weight} dict."""
    unknown = set(weights) - set(cats)
    if unknown:
        raise ValueError(f"not in the contract's categories: {sorted(unknown)}")
    p = np.array([weights.get(c, 0.0) for c in cats], dtype=float)
    return p / p.sum()


def pick(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    """n codes drawn from one probability vector."""
    cum = np.cumsum(p)
    cum /= cum[-1]
    return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(p) - 1).astype(np.int8)


def pick_by_block(rng: np.random.Generator, bounds: np.ndarray, p_rows: np.ndarray) -> np.ndarray:
    """One code per row, where rows bounds[s]:bounds[s+1] draw from p_rows[s].

    Rows come grouped by scheme, so a loop over schemes (not rows) is enough.
    """
    u = rng.random(int(bounds[-1]))
    cum = np.cumsum(p_rows, axis=1)
    cum /= cum[:, -1:]
    out = np.empty(len(u), dtype=np.int8)
    for s in range(len(bounds) - 1):
        a, b = bounds[s], bounds[s + 1]
        if b > a:
            out[a:b] = np.searchsorted(cum[s], u[a:b], side="right")
    return np.minimum(out, p_rows.shape[1] - 1)


def block_bounds(group: np.ndarray, n_groups: int) -> np.ndarray:
    """Start offsets of each group in an array sorted by group (length n_groups + 1)."""
    return np.searchsorted(group, np.arange(n_groups + 1), side="left")


def ages(rng: np.random.Generator, age_min: np.ndarray, age_mean: np.ndarray) -> np.ndarray:
    spread = np.maximum(age_mean - age_min, 1.0)
    age = age_min + rng.gamma(2.2, spread / 2.2)
    return np.clip(np.floor(age), age_min, 88).astype(np.int16)


def offsets_within(counts: np.ndarray) -> np.ndarray:
    """For rows repeated counts[i] times: 0, 1, ..., counts[i]-1 within each group."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total) - starts


def group_cumsum(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Cumulative sum of `values` restarting at each group of `counts` rows."""
    c = np.cumsum(values)
    before = np.concatenate(([0], c))[np.cumsum(counts) - counts]
    return c - np.repeat(before, counts)


def weekday(days: np.ndarray) -> np.ndarray:
    """The same days with a Saturday or Sunday moved to the next Monday (office hours)."""
    wd = (np.asarray(days) + 3) % 7  # 1970-01-01 was a Thursday
    return np.where(wd >= 5, days + (7 - wd), days)
