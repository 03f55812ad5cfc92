import streamlit as st

from dashboard import data, display, figures, presentation, session
from metrics.catalogue import NEUTRAL_EXITS

ctx = session.context()
st.title("Completion and progression")
neutral = ", ".join(presentation.label(reason).lower() for reason in NEUTRAL_EXITS)
st.caption(f"Completion leaves out neutral exits ({neutral}) and open referrals.")

results = data.summary(ctx.warehouse, ctx.scope, ctx.filter)
display.tiles(results, ["completion_rate", "retention_beyond_planned_rate", "stepped_down", "escalated",
                        "open_referrals"])

reasons = data.exit_reasons(ctx.warehouse, ctx.scope, ctx.filter)
if reasons.empty:
    st.info("No exits for this selection.")
else:
    display.chart(figures.figure_counts(reasons, "exit_reason", "exits", "Exit reasons", "exits",
                                          colour="counted_in_completion"), "reasons")

display.compare_by(ctx, ["completion_rate", "retention_beyond_planned_rate"], key="completion")
