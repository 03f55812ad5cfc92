import streamlit as st

from dashboard import data, display, figures, session

ctx = session.context()
st.title("Onward referrals and pathways")
st.caption("Referrals on to treatment, housing, debt advice and other agencies, and uptake of funded "
           "education, training and employment places.")

results = data.summary(ctx.warehouse, ctx.scope, ctx.filter)
display.tiles(results, ["onward_referral_rate", "onward_referrals_per_engaged", "onward_acceptance_rate",
                        "pathway_places_taken", "pathway_uptake_rate"])

agencies = data.onward_by_agency(ctx.warehouse, ctx.scope, ctx.filter)
if agencies.empty:
    st.info("No onward referrals for this selection.")
else:
    long = agencies.melt(id_vars="agency_type", value_vars=["accepted", "declined", "pending", "not_known"],
                         var_name="outcome", value_name="referrals")
    display.chart(figures.figure_counts(long, "agency_type", "referrals", "Onward referrals by agency type",
                                          "onward referrals", colour="outcome"), "agencies")
    st.caption("Funded places: education, training and employment places paid for by the scheme.")
    st.dataframe(display.counts_table(agencies), hide_index=True)

display.compare_by(ctx, ["onward_referral_rate", "onward_acceptance_rate", "pathway_uptake_rate"], key="onward")
