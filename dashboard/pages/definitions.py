import streamlit as st

from metrics.views import catalogue_frame

st.title("Definitions")
st.caption("Every figure on these pages, in the board reports and in the command line comes from one "
           "implementation of these definitions.")
st.dataframe(catalogue_frame(), hide_index=True, width="stretch")
st.markdown(
    "**Reliability flags.** *low n*: the denominator is under 30; *few events*: the numerator is under 10. "
    "**Disclosure control.** Outside the analyst role and in every export, counts from 1 to 4 are shown as "
    "`<5`, rates built on them as `*`, and where a breakdown would let a suppressed cell be worked out from "
    "the total, the next smallest cell is suppressed too. Zeros are shown."
)
