import pandas as pd
import streamlit as st

from dashboard import data, display, figures, session
from metrics import BY_ID

ctx = session.context()
st.title("Scheme comparison")
st.caption("Schemes side by side for commissioning: intervals show how much each figure could move by "
           "chance; the funnel plot shows which schemes sit outside what chance alone would produce.")

measures = data.breakdown(ctx.warehouse, ctx.scope, ctx.filter, "scheme",
                          ["referrals", "engagement_rate", "completion_rate", "onward_referral_rate",
                           "reoffending_rate"])
costs = data.cost_by_scheme(ctx.warehouse, ctx.scope, ctx.filter)
both = pd.concat([measures, costs], ignore_index=True)
st.dataframe(display.side_by_side(both), hide_index=True)
with st.expander("Numerators, denominators and flags"):
    st.dataframe(display.table(both), hide_index=True)
st.caption("Costs use the scheme and date filters only: funding is per scheme, so district and demographic "
           "filters do not change them. Funding is prorated by day onto the selected dates.")

funnel = data.completion_funnel_plot(ctx.warehouse, ctx.scope, ctx.filter)
if funnel["points"].empty:
    st.info("No completed or unsuccessful exits for this selection.")
else:
    display.chart(figures.figure_funnel_plot(funnel["points"], funnel["limits"], funnel["overall"]), "funnel_plot")
    st.caption("A scheme outside the dotted 99.8% limits differs from the all-scheme rate by more than "
               "chance would usually explain; inside the dashed 95% limits, the difference may be chance.")

left, right = st.columns(2)
for column, metric_id in ((left, "cost_per_referral"), (right, "cost_per_completion")):
    display.chart(figures.figure_value_by_cohort(display.cells(costs, metric_id),
                                                       BY_ID[metric_id].title, "Scheme", "£"), metric_id, column)

display.compare_by(ctx, ["completion_rate", "engagement_rate"], key="schemes")
