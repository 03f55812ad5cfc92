"""A real Streamlit server driven by Debian's Chromium through Playwright (no downloaded browser)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
ARTIFACTS = ROOT / "tests" / "artifacts"
PATIENCE = 90_000  # ms


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(env: dict[str, str] | None = None, cwd: Path = ROOT, timeout: float = 90):
    """Start `streamlit run streamlit_app.py` on a free loopback port; yield its base URL."""
    with streamlit_process(env, cwd, timeout) as (url, _):
        yield url


@contextmanager
def streamlit_process(env: dict[str, str] | None = None, cwd: Path = ROOT, timeout: float = 90,
                      log_prefix: str = "streamlit", address: str | None = "127.0.0.1"):
    """streamlit_server, yielding (base URL, server process); the log is in tests/artifacts.
    address=None leaves the listening address to the app's own configuration."""
    port = free_port()
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / f"{log_prefix}-{port}.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"), "--server.port", str(port),
         *(["--server.address", address] if address else []), "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=cwd, env=full_env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start; see {log.name}")
            time.sleep(0.3)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, **context_args):
    """A page in a context of its own, patient enough for a loaded two-core machine (its waits
    and clicks allow 90 s, not Playwright's 30 s; an `expect` takes its own timeout). Close it
    with page.context.close()."""
    context = browser.new_context(**context_args)
    context.set_default_timeout(PATIENCE)
    return context.new_page()


def comboboxes(page) -> list[str]:
    """Each dropdown on the page as 'label (visible)' or 'label (hidden)': for failure messages."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('[role=combobox]')).map(
        e => `${e.getAttribute('aria-label')} (${e.checkVisibility() ? 'visible' : 'hidden'})`)""")


def wait_for_app(page, timeout: float = PATIENCE) -> None:
    """Wait until Streamlit has finished running the script for this page."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && document.querySelectorAll('[data-testid=\"stMetric\"], [data-testid=\"stMarkdown\"]').length > 0",
        timeout=timeout,
    )
    page.wait_for_timeout(300)


def choose(page, label: str, option: str, attempts: int = 5) -> None:
    """Pick `option` from the Streamlit selectbox or multiselect labelled `label`.

    The widget is found by its accessible name, not its position, so a rerun that rebuilds
    the sidebar cannot point the click at another (hidden) widget. Under CPU load a click can
    land while Streamlit re-renders the widget and the list never opens, so open it again
    until the option shows.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    combobox = page.get_by_role("combobox", name=label, exact=True)
    for attempt in range(attempts):
        try:
            combobox.click(timeout=PATIENCE)
        except PlaywrightTimeout as error:
            raise AssertionError(f"no {label!r} box to click; the page has {comboboxes(page)}") from error
        choice = page.get_by_role("option", name=option, exact=True)
        try:
            choice.wait_for(timeout=20_000)
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")
            continue
        choice.click()
        return


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a socket listening on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state != "0A" or int(hex_port, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)
            # /proc prints each 32-bit word in host (little-endian) order
            words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
            found.add(socket.inet_ntop(socket.AF_INET if width == 8 else socket.AF_INET6, words))
    return found


AXE = ROOT / "tests" / "axe" / "node_modules" / "axe-core" / "axe.min.js"  # ./run.sh installs it (npm ci)
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.0/2.1/2.2 A and AA violations on the page as it stands:
    [{id, impact, help, targets}]."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate("""async (tags) => {
        const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
    }""", WCAG_TAGS)
