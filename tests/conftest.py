"""Fixtures shared by several test modules (pytest finds them here without an import)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboard_fixtures import ROOT, app_env
from tests.metrics_fixtures import build, contact, offence, referral
from tests.review_fixtures import AS_OF, FC, INDEX, LATE, MC, F, M, cmp, day


@pytest.fixture
def app(warehouse, monkeypatch) -> AppTest:
    """The dashboard under AppTest in local mode, on the requesting module's `warehouse`
    (not yet run: a test sets query parameters first, or calls .run())."""
    for name, value in app_env(warehouse).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("OUTCOMES_PSEUDONYM_KEY", raising=False)
    return AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)


@pytest.fixture
def strata_warehouse(tmp_path):
    """Strata (sex x age band x need x prior band):
    A male/25-34/drugs/0:  participants pA1 (reoffends), pA2, pA3; comparison cA1 (reoffends), cA2-4
    B female/25-34/drugs/0: pB1, pB2; comparison cB1, cB2 (reoffend), cB3
       pB1 has two selected referrals: R_B1a (INDEX, female, NOT engaged) and R_B1b (INDEX+20,
       male, engaged). Participant (one engaged referral), indexed on R_B1a: female, and the
       offence on day 14 is a reoffence (had R_B1b been the index: male, prior band 1, no
       reoffence -> stratum C).
    C male/25-34/drugs/1:  pC1 (reoffends); comparison cC1 (reoffends), cC2
    D male/25-34/drugs/2-4: pD1; comparison only cD1, who is NOT eligible -> pD1 unmatched.
    Left out: pX (not engaged, reoffends), pY (engaged, not eligible)."""
    refs, eng, offs = [], [], []

    def participant(pid, attrs, reoffends=False, prior=0, engaged=True, index=INDEX):
        refs.append(referral(f"R_{pid}", pid, index.isoformat(), **attrs))
        eng.append(contact(f"R_{pid}", day(1, index), "attended" if engaged else "did_not_attend"))
        if reoffends:
            offs.append(offence(pid, day(40, index), day(50, index)))
        offs.extend(offence(pid, day(-20 - j, index), day(-10, index)) for j in range(prior))

    participant("pA1", M, True)
    participant("pA2", M)
    participant("pA3", M)
    refs.append(referral("R_B1a", "pB1", day(0), **F))
    refs.append(referral("R_B1b", "pB1", day(20), **M))
    eng.append(contact("R_B1a", day(1), "did_not_attend"))
    eng.append(contact("R_B1b", day(21)))
    offs.append(offence("pB1", day(14), day(16)))
    participant("pB2", F)
    participant("pC1", M, True, prior=1)
    participant("pD1", M, prior=3)
    participant("pX", M, True, engaged=False)
    participant("pY", M, True, index=LATE)

    comparison = []

    def comparator(pid, attrs, reoffends=False, prior=0, index=INDEX):
        comparison.append(cmp(pid, index, **attrs))
        if reoffends:
            offs.append(offence(pid, day(40, index), day(50, index)))
        offs.extend(offence(pid, day(-20 - j, index), day(-10, index)) for j in range(prior))

    comparator("cA1", MC, True)
    for i in (2, 3, 4):
        comparator(f"cA{i}", MC)
    comparator("cB1", FC, True)
    comparator("cB2", FC, True)
    comparator("cB3", FC)
    comparator("cC1", MC, True, prior=1)
    comparator("cC2", MC, prior=1)
    comparator("cD1", MC, True, prior=3, index=LATE)
    return build(tmp_path, AS_OF, referrals=refs, engagements=eng, offences=offs,
                 comparison=comparison)
