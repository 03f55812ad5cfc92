import streamlit as st

from dashboard import data, display, figures, session

ctx = session.context()
st.title("Engagement")
st.caption("How quickly people are first seen, how often they attend, and how often they are seen "
           "against each scheme's contact target.")

results = data.summary(ctx.warehouse, ctx.scope, ctx.filter)
display.tiles(results, ["engaged", "median_days_to_first_contact", "attendance_rate",
                        "median_contacts_per_month", "contact_target_met_rate"])

by_scheme = data.breakdown(ctx.warehouse, ctx.scope, ctx.filter, "scheme",
                           ["median_contacts_per_month", "contact_target_met_rate"])
left, right = st.columns(2)
targets = data.scheme_targets(ctx.warehouse, ctx.scope, ctx.filter)
display.chart(figures.figure_value_by_cohort(display.cells(by_scheme, "median_contacts_per_month"),
                                                 "Attended contacts per month (median) against target",
                                                 "Scheme", "contacts per month", targets), "per_month", left)
with_target = set(targets["label"])
display.chart(figures.figure_rate_by_cohort(display.cells(by_scheme, "contact_target_met_rate", with_target),
                                                 "Share meeting the scheme's contact target", "Scheme"), "target", right)

contacts = data.contacts_by_month(ctx.warehouse, ctx.scope, ctx.filter)
if contacts.empty:
    st.info("No contacts for this selection.")
else:
    display.chart(figures.figure_heatmap(contacts, "month", "scheme", "attended",
                                           "Attended contacts by month", "attended"), "heatmap")

display.compare_by(ctx, ["attendance_rate", "median_days_to_first_contact", "median_contacts_per_month"],
                   key="engagement")
