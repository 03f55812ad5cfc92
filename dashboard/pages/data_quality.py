import streamlit as st

from dashboard import data, display, figures, session

ctx = session.context()
st.title("Data quality")
st.caption("What each ingest loaded and what it quarantined. Quarantined rows are kept with their file, "
           "line and reason so the sender can correct them; nothing is silently dropped.")

quality = data.data_quality(ctx.warehouse, ctx.scope, ctx.filter)
st.subheader("Rows per extract")
st.dataframe(display.counts_table(quality["extracts"]), hide_index=True)
if not quality["quarantine"].empty:
    display.chart(figures.figure_counts(quality["quarantine"], "file", "rows", "Quarantined rows by file and reason",
                                          "rows", colour="reason"), "quarantine")
    st.subheader("Quarantined rows")
    st.dataframe(display.counts_table(quality["quarantine_rows"]), hide_index=True)
else:
    st.success("No rows are quarantined.")
st.subheader("Ingest runs")
st.dataframe(display.counts_table(quality["ingest_log"]), hide_index=True)
