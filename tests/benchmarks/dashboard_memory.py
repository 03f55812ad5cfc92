"""Peak memory of a real dashboard process after a browser has visited every page.

Starts `streamlit run streamlit_app.py` on the national warehouse in local mode (analyst:
every page), opens each page in Debian's Chromium through Playwright, and reads the
server's high-water mark (VmHWM) from /proc. Page load times are those of a cold cache:
each page is the first to ask for its numbers, except the summary the pages share.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from tests.browser import chromium, streamlit_process

FINISHED = "[data-testid='stApp'][data-test-script-state='notRunning']"
PAGE_URLS = ("/", "/engagement", "/onward", "/completion", "/reoffending", "/schemes", "/cohort-review",
             "/data-quality", "/definitions")


@dataclass(frozen=True)
class DashboardMemory:
    peak_bytes: int  # VmHWM of the streamlit process after every page
    rss_bytes: int  # VmRSS at the end
    page_seconds: dict[str, float]  # browser: navigation until the script finished, cold cache


def _status_bytes(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def _wait_until_finished(page, started: float, timeout_s: float) -> float:
    """Seconds from `started` until the page's script has finished running (Streamlit marks
    the app `data-test-script-state="notRunning"`) and stays finished for half a second."""
    while True:
        page.wait_for_selector(FINISHED, timeout=timeout_s * 1000)
        finished = time.perf_counter() - started
        page.wait_for_timeout(500)
        if page.query_selector(FINISHED):
            return finished


def measure(warehouse: Path, audit_log: Path, page_timeout_s: float = 600) -> DashboardMemory:
    env = {"OUTCOMES_WAREHOUSE": str(warehouse), "OUTCOMES_ALLOW_UNAUTHENTICATED_LOCAL": "1",
           "OUTCOMES_AUDIT_LOG": str(audit_log)}
    seconds = {}
    with streamlit_process(env, timeout=120, log_prefix="benchmark-streamlit") as (url, server), \
            chromium() as browser:
        pid = server.pid
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        for path in PAGE_URLS:
            started = time.perf_counter()
            page.goto(url + path)
            seconds[path] = _wait_until_finished(page, started, page_timeout_s)
            problem = page.query_selector("[data-testid='stException']")
            if problem:
                raise RuntimeError(f"{path}: the page raised: {problem.inner_text()[:300]}")
        peak, rss = _status_bytes(pid, "VmHWM"), _status_bytes(pid, "VmRSS")
    return DashboardMemory(peak, rss, seconds)
