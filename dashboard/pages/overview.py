import streamlit as st

from dashboard import data, display, figures, session

ctx = session.context()
st.title("Overview")
st.caption("Support-based measures for the selected referrals, with 95% intervals and reliability flags.")

results = data.summary(ctx.warehouse, ctx.scope, ctx.filter)
display.tiles(results, ["referrals", "engagement_rate", "attendance_rate", "completion_rate",
                        "onward_referral_rate", "pathway_uptake_rate", "reoffending_rate", "open_referrals"])

left, right = st.columns(2)
with left:
    stages = [("Referred", results["referrals"].value), ("Engaged", results["engaged"].value),
              ("Completed", results["completion_rate"].numerator)]
    st.plotly_chart(figures.figure_funnel(stages), key="funnel")
    st.caption("Completed: exits recorded as completed. " + display.detail_line(results["completion_rate"]))
with right:
    trend = data.breakdown(ctx.warehouse, ctx.scope, ctx.filter, "intake_quarter", ["completion_rate"])
    st.plotly_chart(figures.figure_trend(display.cells(trend, "completion_rate"),
                                         "Completion rate by intake quarter"), key="trend")

display.compare_by(ctx, ["engagement_rate", "completion_rate"], key="overview")
