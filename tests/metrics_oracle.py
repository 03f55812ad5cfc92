"""An independent implementation of shared/spec/metrics.md on random warehouses, written
from the spec without calling metrics/: the property test's expected values
(tests/test_metrics_oracle.py)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from scipy import stats as sps

from metrics import Filter
from tests.stats_by_hand import logrank_by_hand
from tests.metrics_fixtures import contact, offence, referral, scheme
from tests.review_fixtures import Z, cmp, matched_by_hand, km_by_hand


def random_tables(seed: int):
    import random

    rng = random.Random(seed)
    as_of, start = date(2025, 6, 30), date(2022, 1, 1)
    span = (as_of - start).days
    schemes = [scheme("T", target_contacts_per_month=2.5, planned_duration_weeks=6),
               scheme("U", planned_duration_weeks=10), scheme("V")]
    t = {k: [] for k in ("referrals", "engagements", "onward_referrals", "exits", "reviews",
                         "offences", "comparison", "funding")}
    used = set()
    for i in range(160):
        pid = f"p{rng.randrange(110)}"
        while True:
            rd = start + timedelta(days=rng.randrange(span - 10))
            if (pid, rd) not in used:  # no same-day ties (the spec leaves their order open)
                break
        used.add((pid, rd))
        rid = f"R{i:03d}"
        t["referrals"].append(referral(rid, pid, rd.isoformat(), scheme_id=rng.choice("TUV"),
                                       sex=rng.choice(["male", "female"]),
                                       age_at_referral=rng.choice([20, 30, 40]),
                                       primary_need=rng.choice(["drugs", "alcohol"])))
        for _ in range(rng.randrange(6)):
            cd = rd + timedelta(days=rng.randrange(200))
            if cd <= as_of:
                t["engagements"].append(contact(rid, cd.isoformat(), rng.choice(
                    ["attended", "attended", "did_not_attend", "cancelled_by_participant",
                     "cancelled_by_service"])))
        if rng.random() < 0.6:
            t["exits"].append({"referral_id": rid,
                               "exit_date": min(as_of, rd + timedelta(days=rng.randrange(250))).isoformat(),
                               "exit_reason": rng.choice(["completed", "completed", "disengaged",
                                                          "non_compliance", "custody", "transferred",
                                                          "moved_away", "deceased", "other"])})
        for _ in range(rng.randrange(3)):
            funded = rng.random() < 0.5
            t["onward_referrals"].append({
                "referral_id": rid, "referred_on_date": rd.isoformat(),
                "outcome": rng.choice(["accepted", "declined", "pending", "not_known"]),
                "funded_place": funded,
                "place_taken_up": rng.choice([True, False, None]) if funded else None})
        for _ in range(rng.randrange(3)):
            t["reviews"].append({"referral_id": rid, "review_date": rd.isoformat(),
                                 "decision": rng.choice(["continue", "step_down", "escalate", "close"])})
    comparison = {}
    for k in range(90):
        for _ in range(rng.choice([1, 1, 2])):
            idx = start + timedelta(days=rng.randrange(span))
            comparison[(f"c{k}", idx)] = cmp(f"c{k}", idx, sex=rng.choice(["male", "female"]),
                                             age_at_index=rng.choice([20, 30, 40]),
                                             primary_need=rng.choice(["drugs", "alcohol"]))
    t["comparison"] = list(comparison.values())
    people = sorted({r["person_id"] for r in t["referrals"]}) + [f"c{k}" for k in range(90)]
    for pid in people:
        for _ in range(rng.randrange(5)):
            od = start + timedelta(days=rng.randrange(-400, span))
            if od > as_of:
                continue
            if rng.random() < 0.8:
                oc = min(as_of, od + timedelta(days=rng.randrange(300)))
                t["offences"].append(offence(pid, od.isoformat(), oc.isoformat()))
            else:
                t["offences"].append(offence(pid, od.isoformat(), proven=False))
    t["funding"] = [{"scheme_id": s, "financial_year_start": f"{y}-04-01",
                     "amount_gbp": rng.choice([0, 10_000, 36_600, 50_000])}
                    for s in "TU" for y in (2021, 2022, 2023, 2024) if rng.random() < 0.8]
    return as_of, schemes, t


def oracle(as_of, schemes, t, flt: Filter):
    """metrics.md, written out directly over the rows (no SQL, no metrics.stats)."""
    from tests.metrics_fixtures import age_band

    D = date.fromisoformat
    lo, hi = flt.date_from, flt.date_to
    in_dates = lambda d: (lo is None or d >= lo) and (hi is None or d <= hi)  # noqa: E731
    sch = {s["scheme_id"]: {"target_contacts_per_month": None, "planned_duration_weeks": None, **s}
           for s in schemes}
    refs = [r for r in t["referrals"] if (not flt.schemes or r["scheme_id"] in flt.schemes)
            and in_dates(D(r["referral_date"]))]
    ids = {r["referral_id"] for r in refs}
    exits = {e["referral_id"]: e for e in t["exits"] if e["referral_id"] in ids}
    onward = [o for o in t["onward_referrals"] if o["referral_id"] in ids]
    contacts = {}
    for c in t["engagements"]:
        if c["referral_id"] in ids:
            contacts.setdefault(c["referral_id"], []).append(c)
    out = {}
    engaged, first_days, per_month = set(), [], []
    att = base = tgt_n = tgt_x = ret_n = ret_x = 0
    for r in refs:
        cs = contacts.get(r["referral_id"], [])
        attended = sorted(D(c["contact_date"]) for c in cs if c["outcome"] == "attended")
        att += len(attended)
        base += sum(c["outcome"] != "cancelled_by_service" for c in cs)
        if not attended:
            continue
        engaged.add(r["referral_id"])
        first_days.append((attended[0] - D(r["referral_date"])).days)
        end = D(exits[r["referral_id"]]["exit_date"]) if r["referral_id"] in exits else as_of
        cpm = len(attended) / max(1, ((end - attended[0]).days + 1) / 30.4375)
        per_month.append(cpm)
        s = sch[r["scheme_id"]]
        if s["target_contacts_per_month"] is not None:
            tgt_n += 1
            tgt_x += cpm >= s["target_contacts_per_month"]
        if s["planned_duration_weeks"] is not None:
            planned_end = attended[0] + timedelta(days=7 * s["planned_duration_weeks"])
            if planned_end <= as_of:
                ret_n += 1
                ret_x += attended[-1] > planned_end
    reasons = [e["exit_reason"] for e in exits.values()]
    out.update({
        "referrals": len(refs), "engaged": len(engaged),
        "engagement_rate": (len(engaged), len(refs)),
        "attendance_rate": (att, base),
        "median_days_to_first_contact": float(np.median(first_days)) if first_days else None,
        "median_contacts_per_month": float(np.median(per_month)) if per_month else None,
        "contact_target_met_rate": (tgt_x, tgt_n),
        "retention_beyond_planned_rate": (ret_x, ret_n),
        "onward_referral_rate": (len({o["referral_id"] for o in onward} & engaged), len(engaged)),
        "onward_referrals_per_engaged": (sum(o["referral_id"] in engaged for o in onward), len(engaged)),
        "onward_acceptance_rate": (sum(o["outcome"] == "accepted" for o in onward),
                                   sum(o["outcome"] in ("accepted", "declined") for o in onward)),
        "pathway_places_taken": sum(bool(o["funded_place"]) and o["place_taken_up"] is True for o in onward),
        "pathway_uptake_rate": (sum(bool(o["funded_place"]) and o["place_taken_up"] is True for o in onward),
                                sum(bool(o["funded_place"]) for o in onward)),
        "completion_rate": (reasons.count("completed"),
                            sum(x in ("completed", "disengaged", "non_compliance", "custody", "other")
                                for x in reasons)),
        "stepped_down": len({v["referral_id"] for v in t["reviews"]
                             if v["decision"] == "step_down" and v["referral_id"] in engaged}),
        "escalated": len({v["referral_id"] for v in t["reviews"]
                          if v["decision"] == "escalate" and v["referral_id"] in engaged}),
        "open_referrals": sum(r["referral_id"] not in exits for r in refs),
    })

    proven = {}
    for o in t["offences"]:
        if o["proven"]:
            proven.setdefault(o["person_id"], []).append((D(o["offence_date"]), D(o["outcome_date"])))

    def follow_up(pid, idx):
        offs = proven.get(pid, [])
        window = lambda od: idx + timedelta(1) <= od <= idx + timedelta(365)  # noqa: E731
        events = [od for od, oc in offs if window(od) and oc <= min(idx + timedelta(547), as_of)]
        prior = sum(idx - timedelta(365) <= od <= idx - timedelta(1) for od, _ in offs)
        return {"eligible": idx + timedelta(547) <= as_of, "prior": prior,
                "re": sum(window(od) and oc <= idx + timedelta(547) for od, oc in offs),
                "time": (min(events) - idx).days if events else min(365, (as_of - idx).days),
                "event": bool(events),
                "band": "0" if prior == 0 else "1" if prior == 1 else "2-4" if prior <= 4 else "5+"}

    P = {}
    for r in sorted(refs, key=lambda r: (r["referral_date"], r["referral_id"])):
        p = P.setdefault(r["person_id"], {"idx": D(r["referral_date"]), "part": False,
                                          "key": (r["sex"], age_band(r["age_at_referral"]),
                                                  r["primary_need"])})
        p["part"] |= r["referral_id"] in engaged
    C = {}
    for c in sorted(t["comparison"], key=lambda c: c["index_date"]):
        if in_dates(D(c["index_date"])):
            C.setdefault(c["person_id"], {"idx": D(c["index_date"]), "key": (
                c["sex"], age_band(c["age_at_index"]), c["primary_need"])})
    for group in (P, C):
        for pid, p in group.items():
            p.update(follow_up(pid, p["idx"]))

    eligible = [p for p in P.values() if p["eligible"]]
    d = np.array([p["re"] - p["prior"] for p in eligible])
    out.update({
        "reoffending_eligible": len(eligible), "reoffending_pending": len(P) - len(eligible),
        "reoffending_rate": (sum(p["re"] > 0 for p in eligible), len(eligible)),
        "reoffences_per_person": (sum(p["re"] for p in eligible), len(eligible)),
        "prior_offences_per_person": (sum(p["prior"] for p in eligible), len(eligible)),
        "pre_post_change": (int(d.sum()), sum(p["prior"] for p in eligible)),
        "pre_post_p": (float(sps.wilcoxon(d, zero_method="wilcox", correction=False,
                                          method="asymptotic").pvalue) if np.any(d != 0) else None),
    })
    curve = km_by_hand([(p["time"], p["event"]) for p in P.values()])
    out["time_to_reoffence"] = next((tt for tt, s in curve.items() if s <= 0.5 + 1e-12), None)

    c_eligible = [p for p in C.values() if p["eligible"]]
    out["comparison_reoffending_rate"] = (sum(p["re"] > 0 for p in c_eligible), len(c_eligible))
    cs, ts = {}, {}
    for p in c_eligible:
        cs.setdefault(p["key"] + (p["band"],), []).append(p["re"] > 0)
    for p in eligible:
        if p["part"]:
            ts.setdefault(p["key"] + (p["band"],), []).append(p["re"] > 0)
    matched = [(len(v), sum(v), len(cs[k]), sum(cs[k])) for k, v in ts.items() if k in cs]
    out["matched_participants"] = sum(m[0] for m in matched)
    out["unmatched_participants"] = sum(len(v) for k, v in ts.items() if k not in cs)
    if matched:
        p_t, p_c, diff, se, p, need = matched_by_hand(matched)
        out["participant_matched_rate"] = (sum(m[1] for m in matched), out["matched_participants"])
        out["matched_comparison_rate"] = p_c
        out["rate_difference"] = (diff, diff - Z * se, diff + Z * se, p)
        out["people_needed"] = need
    x = [(p["time"], p["event"]) for p in P.values() if p["part"]]
    y = [(p["time"], p["event"]) for p in C.values()]
    out["logrank_p_value"] = logrank_by_hand(x, y) if x and y and any(e for _, e in x + y) else None

    funding, applies = 0.0, False
    for f in t["funding"]:
        if flt.schemes and f["scheme_id"] not in flt.schemes:
            continue
        ys = D(f["financial_year_start"])
        ye = date(ys.year + 1, 4, 1) - timedelta(1)
        a, b = max(ys, lo or ys), min(ye, hi or ye)
        if b >= a:
            applies = True
            funding += f["amount_gbp"] * ((b - a).days + 1) / ((ye - ys).days + 1)
    completions = reasons.count("completed")
    out["cost_per_referral"] = (funding / len(refs)) if applies and refs else None
    out["cost_per_completion"] = (funding / completions) if applies and completions else None
    return out
