import streamlit as st

from dashboard import data, display, figures, presentation, session

ctx = session.context()
st.title("Overview")
st.caption("Support-based measures for the selected referrals, with 95% intervals and reliability flags.")

results = data.summary(ctx.warehouse, ctx.scope, ctx.filter)
display.tiles(results, ["referrals", "engagement_rate", "attendance_rate", "completion_rate",
                        "onward_referral_rate", "pathway_uptake_rate", "reoffending_rate", "open_referrals"])

left, right = st.columns(2)
with left:
    display.chart(figures.figure_funnel(presentation.funnel_stages(results)), "funnel")
    st.caption("Engaged: referrals with at least one attended contact, of all referred. Completed: exits "
               "recorded as completed, of the exits counted toward completion (transfers, moves and deaths, "
               "and open referrals, are left out), as in the completion tile.")
with right:
    trend = data.breakdown(ctx.warehouse, ctx.scope, ctx.filter, "intake_quarter", ["completion_rate"])
    display.chart(figures.figure_trend(display.cells(trend, "completion_rate"),
                                         "Completion rate by intake quarter"), "trend")

display.compare_by(ctx, ["engagement_rate", "completion_rate"], key="overview")
