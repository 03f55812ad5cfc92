import streamlit as st

from dashboard import data, display, presentation, session

ctx = session.context()
st.title("Cohort review")
st.caption("The current caseload by pseudonym, for the monthly cohort review: last contact, contacts this "
           "month against the scheme's target, the latest review decision, and who is missing contacts. "
           "Pseudonyms are keyed hashes: they never reveal a name or a police reference.")

ignored = [label for name, label in (("pathways", "pathway"), ("sexes", "sex"), ("age_bands", "age band"),
                                    ("needs", "primary need")) if getattr(ctx.filter, name)]
if ignored:
    st.info(f"The review lists people, so it ignores the {', '.join(ignored)} filter: only the scheme, "
            "district and date filters apply here.", icon=":material/info:")
review = data.cohort_review(ctx.warehouse, ctx.scope, ctx.filter)
if review.empty:
    st.info("No open referrals for this selection.")
    st.stop()
# the counts go through the same disclosure control as every other page ("<5", perturbed)
counts = display.counts_table(data.cohort_review_counts(ctx.warehouse, ctx.scope, ctx.filter),
                              headings=False).iloc[0]
left, middle, right = st.columns(3)
left.metric("Open referrals in review", counts["open_referrals"], border=True)
middle.metric("Flagged for missed contacts", counts["flagged"], border=True)
right.metric("Latest decision: step down / escalate", f"{counts['stepped_down']} / {counts['escalated']}",
             border=True)

only_flagged = st.toggle("Only people flagged for missed contacts", key="only_flagged")
shown = review[review["missed_contacts_flag"]] if only_flagged else review
COLUMNS = ["pseudonym", "missed_contacts_flag", "scheme", "district", "referral_date", "last_contact",
           "days_since_last_contact", "contacts_this_month", "target_per_month", "last_review", "latest_decision"]
DATES = ("referral_date", "last_contact", "last_review")
st.dataframe(
    shown[COLUMNS].rename(columns=presentation.column), hide_index=True,
    column_config={
        **{presentation.column(name): st.column_config.DateColumn(format="D MMM YYYY") for name in DATES},
        presentation.column("missed_contacts_flag"): st.column_config.CheckboxColumn(),
    },
)
