import streamlit as st

from metrics import cellkey
from metrics.catalogue import RELIABILITY_RULE
from metrics.views import catalogue_frame

st.title("Definitions")
st.caption("Every figure on these pages, in the board reports and in the command line comes from one "
           "implementation of these definitions.")
st.dataframe(catalogue_frame(), hide_index=True, width="stretch")
st.markdown("**Reliability flags.** " + RELIABILITY_RULE)
st.markdown("**Disclosure control.** " + cellkey.rules_text().replace("<", "&lt;"))
with st.expander("The perturbation table"):
    st.caption("A count of 7 or more with a cell key from 0 to 15 is shown 2 lower, and so on; the table is "
               "published in the repository as metrics/ptable.csv.")
    st.dataframe(cellkey.ptable_frame(), hide_index=True)
