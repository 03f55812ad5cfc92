from dataclasses import asdict

import pandas as pd
import streamlit as st

from dashboard import data, display, figures, narrative, session

ctx = session.context()
st.title("Reoffending and comparison")
st.caption("One-year proven reoffending (Ministry of Justice style: a year of follow-up and six more months "
           "for the outcome to be recorded), participants against a matched comparison group.")

results = data.summary(ctx.warehouse, ctx.scope, ctx.filter)
display.tiles(results, ["reoffending_eligible", "reoffending_pending", "reoffending_rate", "reoffences_per_person"])

st.subheader("Participants against the comparison group")
for sentence in narrative.comparison_sentences(results):
    st.markdown(sentence)

left, right = st.columns(2)
rows = pd.DataFrame([
    {"label": "Participants (matched)", **asdict(results["participant_matched_rate"])},
    {"label": "Comparison (matched)", **asdict(results["matched_comparison_rate"])},
    {"label": "Comparison (raw)", **asdict(results["comparison_reoffending_rate"])},
])
display.chart(figures.figure_comparison(rows), "comparison", left)
curves = data.survival_curves(ctx.warehouse, ctx.scope, ctx.filter)
display.chart(figures.figure_survival(curves[curves["group"] != "selected"]), "km", right)
display.tiles(results, ["rate_difference", "matched_participants", "unmatched_participants",
                        "comparison_eligible", "logrank_p_value", "people_needed", "time_to_reoffence"])

st.subheader("Before and after")
left, right = st.columns([1, 2])
display.chart(figures.figure_pre_post(results["prior_offences_per_person"].value,
                                          results["reoffences_per_person"].value), "prepost", left)
with right:
    display.tiles(results, ["prior_offences_per_person", "pre_post_change"], per_row=2)
    st.caption("Before-and-after changes partly reflect regression to the mean: people are often referred "
               "at a peak in their offending. The matched comparison above is the fairer test.")

display.compare_by(ctx, ["reoffending_rate"], key="reoffending")
