"""Download buttons for the board report (PDF) and the spreadsheet (XLSX) of the current view.

A file is built only when its button is clicked: st.download_button takes a callable,
which Streamlit runs in a worker thread without rerunning the page (no session there, so
the callable carries the viewer, warehouse and filter captured when the page ran). The
page may have been open for hours by then, so the callable re-authorises first and again
just before handing the bytes over: the policy entry must be unchanged, the sign-in not
older than `sign_in_max_age_hours`, and not ended by a sign-out in any tab
(Viewer.sign_in.refusal, dashboard/revocation.py). A refusal is audited
(`export_refused`, with the reason) and raises, so Streamlit serves no file and the button
shows an error. Local mode has no sign-in to re-check; its scope is the preview's.

The file is for that filter and the viewer's own scope, with disclosure control on
whatever the role. Its audit row (who, the filters, the file's SHA-256) is written before
the file is handed over; if it cannot be written, the download fails and no file is
served. The served copy is fetchable only briefly (dashboard/media.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from dashboard import audit, data
from dashboard.report.build import role_words

if TYPE_CHECKING:
    from dashboard.session import Context

BUTTONS = (("pdf", "Board report (PDF)", ":material/picture_as_pdf:"),
           ("xlsx", "Spreadsheet (XLSX)", ":material/table_view:"))
MIME = {"pdf": "application/pdf",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def export_buttons(ctx: Context) -> None:
    """The sidebar's export section, for every page."""
    as_of = data.warehouse_info(ctx.warehouse)["as_of"]
    with st.sidebar:
        st.subheader("Export this view")
        for kind, label, icon in BUTTONS:
            st.download_button(label, data=file_builder(ctx, kind), file_name=f"diversion-outcomes-{as_of:%Y-%m-%d}.{kind}",
                               mime=MIME[kind], icon=icon, on_click="ignore", key=f"_export_{kind}", width="stretch")
        st.caption("Built when you click, for these filters and your access. Small numbers are suppressed in "
                   "every export.")


class ExportRefused(Exception):
    """The viewer may no longer take this file away; Streamlit serves nothing."""


def file_builder(ctx: Context, kind: str):
    """A no-argument callable that re-authorises, builds the file, records the export and
    returns the bytes (or records the refusal and raises ExportRefused)."""
    viewer, warehouse, flt = ctx.viewer, ctx.warehouse, ctx.filter
    generated_by = role_words(viewer.scope, "local mode, no sign-in" if viewer.local_mode else None)

    def reauthorise() -> None:
        reason = viewer.sign_in.refusal() if viewer.sign_in is not None else None
        if reason is not None:
            audit.record_export_refused(viewer, flt, kind, reason)  # an AuditError also refuses
            raise ExportRefused(f"export refused: {reason}")

    def build() -> bytes:
        from dashboard.report import build_files  # weasyprint and kaleido load on the first export only

        reauthorise()
        content = build_files(warehouse.path, viewer.scope, flt, generated_by, (kind,))[kind]
        reauthorise()  # building can take a while: check again at the moment of handing over
        audit.record_export(viewer, flt, kind, content)  # raises AuditError: then nothing is served
        return content

    return build
