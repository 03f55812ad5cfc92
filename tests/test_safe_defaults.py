"""Safe defaults of a served dashboard: loopback only unless configured, no table exports or
tracebacks in the browser, and an unexpected error shows an incident id (its trace, without
data values, goes to the server's log under that id)."""

from __future__ import annotations

import logging
import re
import tomllib
from urllib.parse import urlparse

import pytest
from streamlit.testing.v1 import AppTest

from tests.browser import ROOT, listening_addresses, streamlit_process


def test_the_app_config_binds_loopback_and_hides_error_details_and_table_exports():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["disableDataExport"] is True


@pytest.mark.browser
def test_the_served_app_listens_on_loopback_only_by_default(tmp_path):
    # Started from another directory and without --server.address: the app's own config decides.
    # (Only the health check is asked for, so no page runs and nothing is read or audited.)
    env = {"HOME": str(tmp_path), "OUTCOMES_AUDIT_LOG": str(tmp_path / "audit.log")}
    with streamlit_process(env=env, cwd=tmp_path, address=None, log_prefix="safe-defaults") as (url, _):
        port = urlparse(url).port
        assert listening_addresses(port) == {"127.0.0.1"}


def _failing_page() -> None:
    import streamlit as st

    from dashboard.incident import incident_guard

    st.title("A page")
    with incident_guard():
        raise KeyError("PSEUDONYM-4f2a9c")  # a data value that must reach neither browser nor log


def test_an_unexpected_error_shows_an_incident_id_and_no_traceback(caplog):
    with caplog.at_level(logging.ERROR, logger="dashboard.incident"):
        at = AppTest.from_function(_failing_page, default_timeout=60).run()
    assert not at.exception  # nothing reached Streamlit's own error display
    [message] = [e.value for e in at.error]
    incident = re.search(r"incident \*\*([0-9a-f]{8})\*\*", message).group(1)
    assert "Traceback" not in message and "PSEUDONYM" not in message and "KeyError" not in message
    [record] = [r for r in caplog.records if r.name == "dashboard.incident"]
    logged = record.getMessage()
    assert incident in logged and "KeyError" in logged and "_failing_page" in logged
    assert "PSEUDONYM" not in logged and record.exc_info is None
