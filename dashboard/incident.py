"""An unexpected error on a page: a friendly message with a short incident id, and the trace
in the server's log under that id, so an administrator can find it from a screenshot.

The browser is never shown a traceback (`client.showErrorDetails = "none"` covers what
escapes this too). The log gets the exception's type and the stack (files, lines,
functions), not its message, source lines or any local values: those can carry data values.
"""

from __future__ import annotations

import logging
import secrets
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

LOG = logging.getLogger(__name__)


def new_incident_id() -> str:
    return secrets.token_hex(4)  # 8 hex characters: short enough to read out over the phone


def trace_without_values(exc: BaseException) -> str:
    """The exception's type and its stack, without its message (which may hold data values)."""
    frames = [f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}\n'
              for frame in traceback.extract_tb(exc.__traceback__)]
    return f"{type(exc).__module__}.{type(exc).__qualname__}\n" + "".join(frames)


@contextmanager
def incident_guard() -> Iterator[None]:
    """Run a page; an unexpected exception becomes a message with an incident id. Streamlit's
    own control flow (st.stop, st.rerun, st.switch_page) is not an Exception and passes."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 (the point: nothing unexpected reaches the browser)
        incident = new_incident_id()
        LOG.error("incident %s: unexpected error on a page\n%s", incident, trace_without_values(exc))
        st.error(f"Something went wrong while showing this page. Please try again, or tell the "
                 f"dashboard's administrator, quoting incident **{incident}**.", icon=":material/error:")
