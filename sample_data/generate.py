"""Write a synthetic source folder: the demo sample, a national-scale load, or the bad sample.

    python -m sample_data.generate demo OUTDIR                     # ~3,000 referrals, 8 schemes
    python -m sample_data.generate national OUTDIR [--referrals N]  # default 250,000 referrals
    python -m sample_data.generate bad OUTDIR                      # quarantine showcase

The same arguments always give the same bytes: every draw comes from numpy Generators
seeded from one fixed seed. Nobody in these files is real.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from sample_data import bad_rows, output
from sample_data.activity import Activity, make_activity
from sample_data.catalogue import DEMO_SCHEMES, SchemeSpec, national_schemes
from sample_data.draw import categories
from sample_data.offending import comparison_people, concat, make_offences, participants
from sample_data.people import Referrals, make_comparison, make_referrals

DEMO_SEED = 20251231
NATIONAL_SEED = 20250401
NATIONAL_REFERRALS = 250_000
PERSON_NUMBERS = 10_000_000  # P0000000 to P9999999
PINNED_SCHEME = "NOR-CITADEL"
PINNED_DECISIONS = {"step_down": 5, "escalate": 5}


@dataclass(frozen=True)
class Scale:
    comparison_ratio: float  # comparison people per referral of a scheme
    comparison_min: int  # at least this many per scheme, so small schemes can be matched
    unlinked_share: float  # strangers in the offences extract, per linked person


DEMO_SCALE = Scale(comparison_ratio=0.9, comparison_min=120, unlinked_share=0.03)
NATIONAL_SCALE = Scale(comparison_ratio=0.8, comparison_min=20, unlinked_share=0.03)


def build(specs: tuple[SchemeSpec, ...], seed: int, scale: Scale, pin: bool) -> dict[str, pa.Table]:
    """All extracts of one synthetic source folder, as Arrow tables."""
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(7)]
    refs = make_referrals(streams[0], specs)
    act = make_activity(streams[1], specs, refs)
    if pin:
        pin_review_decisions(streams[2], specs, refs, act)
    comp = make_comparison(streams[3], specs, refs.n_people, scale.comparison_ratio, scale.comparison_min)
    linked = int(comp.person.max()) + 1
    n_unlinked = int(round(linked * scale.unlinked_share))
    people = concat(participants(specs, refs, act.engaged), comparison_people(specs, comp))
    offences = make_offences(streams[4], people, n_unlinked, linked)
    numbers = streams[5].choice(PERSON_NUMBERS, size=linked + n_unlinked, replace=False)
    pid = output.prefixed_ids("P", numbers)
    order, rank = output.referral_order(refs)
    tables = {
        "schemes": output.schemes_table(specs),
        "funding": output.funding_table(streams[6], specs),
        "referrals": output.referrals_table(specs, refs, pid, order),
    }
    tables.update(output.activity_tables(act, rank))
    tables["offences"] = output.offences_table(offences, pid)
    tables["comparison"] = output.comparison_table(specs, comp, pid)
    return tables


def pin_review_decisions(rng: np.random.Generator, specs, refs: Referrals, act: Activity) -> None:
    """#Citadel reports exactly five people stepped down and five escalated.

    Its profile never draws those decisions; here ten distinct engaged referrals each get
    one regular review turned into step_down or escalate.
    """
    s = [sp.scheme_id for sp in specs].index(PINNED_SCHEME)
    decisions = categories("reviews", "decision")
    levels = categories("reviews", "risk_level")
    rv = act.reviews
    regular = np.flatnonzero((refs.scheme[rv["ref"]] == s) & (rv["decision"] == decisions.index("continue")))
    candidates = np.unique(rv["ref"][regular])
    need = sum(PINNED_DECISIONS.values())
    if len(candidates) < need:
        raise RuntimeError(f"{PINNED_SCHEME}: only {len(candidates)} engaged referrals with reviews")
    chosen = rng.choice(candidates, size=need, replace=False)
    start = 0
    for decision, count in PINNED_DECISIONS.items():
        for ref in chosen[start:start + count]:
            rows = regular[rv["ref"][regular] == ref]
            row = rows[rng.integers(0, len(rows))]
            rv["decision"][row] = decisions.index(decision)
            rv["risk"][row] = levels.index("low" if decision == "step_down" else "high")
        start += count


def write_folder(folder: Path, tables: dict[str, pa.Table], source: str) -> dict[str, int]:
    folder.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for name, data in tables.items():
        path = folder / f"{name}.csv"
        output.write_csv(path, data)
        sizes[path.name] = path.stat().st_size
    output.write_manifest(folder, source)
    output.write_seal(folder)
    return sizes


def demo(folder: Path) -> dict[str, int]:
    tables = build(DEMO_SCHEMES, DEMO_SEED, DEMO_SCALE, pin=True)
    return write_folder(folder, tables, "Synthetic demo extract (not real people)")


def national(folder: Path, referrals: int = NATIONAL_REFERRALS, seed: int = NATIONAL_SEED) -> dict[str, int]:
    specs = national_schemes(np.random.default_rng(seed), referrals)
    tables = build(specs, seed + 1, NATIONAL_SCALE, pin=False)
    return write_folder(folder, tables, "Synthetic national-scale extract (not real people)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sample_data.generate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=("demo", "national", "bad"))
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--referrals", type=int, default=NATIONAL_REFERRALS,
                        help="national only: number of referrals (default %(default)s)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.kind == "demo":
        sizes = demo(args.outdir)
    elif args.kind == "national":
        sizes = national(args.outdir, args.referrals)
    else:
        sizes = bad_rows.write(args.outdir)
    elapsed = time.perf_counter() - started
    for name, size in sizes.items():
        print(f"{name:24} {size / 1e6:9.2f} MB")
    print(f"{'total':24} {sum(sizes.values()) / 1e6:9.2f} MB in {elapsed:.1f} s -> {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
