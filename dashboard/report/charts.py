"""The report's charts: the pages' own figure_* builders, drawn to vector SVG by kaleido.

Every chart comes from dashboard.figures, fed with the report's suppressed data, so a chart
on paper is the chart on screen. kaleido 1.x drives a headless Chromium (Debian's
/usr/bin/chromium, or BROWSER_PATH); `fig.to_image(format="svg")` would start a fresh
browser for every figure (about 2.5 s each), so all of a report's figures go through one
kaleido session instead: same renderer, one browser start.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from dataclasses import asdict, dataclass

import pandas as pd
import plotly.graph_objects as go

from dashboard import figures, presentation
from dashboard.report.build import DIMENSIONS, ReportData
from metrics import BY_ID

BROWSER_START_TIMEOUT = 120  # s; a loaded machine can be slow to start Chromium
FULL_WIDTH = 660  # px at 96 dpi: the A4 text block (174 mm)
HALF_WIDTH = 325


@dataclass(frozen=True)
class Chart:
    figure: go.Figure
    width: int = FULL_WIDTH
    caption: str = ""

    @property
    def height(self) -> int:
        return int(self.figure.layout.height or 360)

    @property
    def alt(self) -> str:
        """The chart's text alternative in the tagged PDF: what it shows, its caption, and where
        its numbers are in words (every charted figure is also in the report's tables)."""
        title = self.figure.layout.title.text or "Chart"
        parts = [f"Chart: {title}.", self.caption.strip(),
                 "The figures it draws are in the tables of this report."]
        return " ".join(part for part in parts if part)


def _print_look(fig: go.Figure, width: int) -> go.Figure:
    """Paper has no hover: keep the figure as built, pin fonts the PDF renderer has, and
    keep point labels (the funnel plot's scheme names) from overlapping or being cut off."""
    fig.update_layout(font={"family": "DejaVu Sans, Liberation Sans, sans-serif"})
    for trace in fig.data:
        if isinstance(trace, go.Scatter) and trace.mode and "text" in trace.mode and trace.text is not None:
            _place_labels(fig, trace, width)
    return fig


LABEL_POSITIONS = ("top center", "bottom center", "middle right", "middle left", "top right", "bottom right",
                   "top left", "bottom left")


def _place_labels(fig: go.Figure, trace: go.Scatter, width: int) -> None:
    """Give each point label the first position whose box overlaps no label placed so far."""
    xs, ys, texts = list(trace.x), list(trace.y), [str(t) for t in trace.text]
    if not xs:
        return
    x_max = max(float(x) for x in xs) * 1.08 or 1.0
    y_range = fig.layout.yaxis.range or (0, 1)
    plot_w, plot_h = width - 90, (fig.layout.height or 360) - 110  # px inside the axes, roughly
    char_w, line_h, gap = 6.6, 14.0, 7.0

    def box(i: int, position: str) -> tuple[float, float, float, float]:
        px = float(xs[i]) / x_max * plot_w
        py = (float(ys[i]) - y_range[0]) / (y_range[1] - y_range[0]) * plot_h
        w = len(texts[i]) * char_w
        vertical, horizontal = position.split()
        left = {"center": px - w / 2, "right": px + gap, "left": px - gap - w}[horizontal]
        bottom = {"top": py + gap, "bottom": py - gap - line_h, "middle": py - line_h / 2}[vertical]
        return left, bottom, left + w, bottom + line_h

    def clear(a, placed) -> bool:
        inside = a[0] >= 0 and a[2] <= plot_w + 80
        return inside and all(a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1] for b in placed)

    placed, positions = [], {}
    labelled = [i for i in range(len(xs)) if texts[i]]  # the builder may leave some points unlabelled
    for i in sorted(labelled, key=lambda i: (-float(ys[i]), float(xs[i]))):
        position = next((p for p in LABEL_POSITIONS if clear(box(i, p), placed)), "top center")
        placed.append(box(i, position))
        positions[i] = position
    trace.textposition = [positions.get(i, "top center") for i in range(len(xs))]
    trace.cliponaxis = False  # a label may run into the margin rather than be cut off
    fig.update_xaxes(range=[0, x_max])
    fig.update_layout(margin={"r": 80})


def build_charts(data: ReportData) -> dict[str, Chart]:
    """The charts the PDF shows, by key, from the same builders as the pages."""
    results = data.summary
    charts: dict[str, Chart] = {}

    stages = presentation.funnel_stages(results)
    if any(value for _, value, _ in stages):
        charts["funnel"] = Chart(figures.figure_funnel(stages), HALF_WIDTH,
                                 "Engaged: of all referred. Completed: of the exits counted toward completion, "
                                 "as in the completion rate.")

    quarters = presentation.cohort_cells(data.breakdowns["intake_quarter"], "completion_rate")
    if quarters["value"].notna().any():
        charts["trend_completion"] = Chart(figures.figure_trend(quarters, "Completion rate by intake quarter"),
                                           caption="Shaded: 95% interval. Gaps: no exits yet, or suppressed.")
    quarters = presentation.cohort_cells(data.breakdowns["intake_quarter"], "engagement_rate")
    if quarters["value"].notna().any():
        charts["trend_engagement"] = Chart(figures.figure_trend(quarters, "Engagement rate by intake quarter"))

    schemes = data.breakdowns["scheme"]
    for metric_id in ("engagement_rate", "completion_rate", "reoffending_rate"):
        cells = presentation.cohort_cells(schemes, metric_id)
        if not cells.empty:
            title = BY_ID[metric_id].title + " by scheme"
            charts[f"scheme_{metric_id}"] = Chart(figures.figure_rate_by_cohort(cells, title, DIMENSIONS["scheme"]))

    funnel = data.funnel_plot
    if not funnel["points"].empty:
        charts["funnel_plot"] = Chart(
            figures.figure_funnel_plot(funnel["points"], funnel["limits"], funnel["overall"]),
            caption="A scheme outside the dotted 99.8% limits differs from the all-scheme rate by more than "
                    "chance would usually explain; inside the dashed 95% limits, the difference may be chance. "
                    "Schemes outside the 95% limits are named; the table above gives every scheme's rate.")

    reasons = data.exit_reasons
    if not reasons.empty and reasons["exits"].notna().any():
        charts["exit_reasons"] = Chart(figures.figure_counts(reasons, "exit_reason", "exits", "Exit reasons",
                                                             "exits", colour="counted_in_completion"), HALF_WIDTH)

    rows = pd.DataFrame([  # as on the Reoffending page; line breaks fit the labels in half a page
        {"label": "Participants<br>(matched)", **asdict(results["participant_matched_rate"])},
        {"label": "Comparison<br>(matched)", **asdict(results["matched_comparison_rate"])},
        {"label": "Comparison<br>(raw)", **asdict(results["comparison_reoffending_rate"])},
    ])
    if rows["value"].notna().any():
        charts["comparison"] = Chart(figures.figure_comparison(rows), HALF_WIDTH,
                                     "Bars: one-year proven reoffending; lines: 95% intervals.")
    curves = data.survival[data.survival["group"] != "selected"]
    if not curves.empty:
        charts["survival"] = Chart(figures.figure_survival(curves), HALF_WIDTH,
                                   "Kaplan–Meier estimate; a curve over fewer than 5 people or events is "
                                   "not drawn.")
    return {key: Chart(_print_look(chart.figure, chart.width), chart.width, chart.caption)
            for key, chart in charts.items()}


def chromium_path() -> str | None:
    """BROWSER_PATH if set (kaleido's own setting), else Debian's Chromium, else kaleido's search."""
    return os.environ.get("BROWSER_PATH") or shutil.which("chromium") or None


class SvgRenderer:
    """One headless Chromium (through kaleido) for one report's charts.

    It starts on entering the `with` block, in a thread with its own event loop, so the
    browser warms up while the numbers are collected and no event loop of the caller's
    (Streamlit's server) is involved.

        with SvgRenderer() as renderer:
            data = collect(...)
            svgs = renderer.render(build_charts(data))
    """

    def __enter__(self) -> SvgRenderer:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="report-charts", daemon=True)
        self._thread.start()
        self._session = asyncio.run_coroutine_threadsafe(self._open(), self._loop)
        return self

    async def _open(self):
        import kaleido

        options = {"n": 1, "mathjax": False}  # no MathJax from a CDN: unused, and there may be no internet
        if chromium_path():
            options["path"] = chromium_path()
        session = kaleido.Kaleido(**options)
        await session.open()
        return session

    def render(self, charts: dict[str, Chart]) -> dict[str, str]:
        """Each chart as an SVG document."""
        session = self._session.result(timeout=BROWSER_START_TIMEOUT)

        async def render_all() -> dict[str, str]:
            out = {}
            for key, chart in charts.items():
                svg = await session.calc_fig(chart.figure, opts={"format": "svg", "width": chart.width,
                                                                 "height": chart.height})
                out[key] = svg.decode("utf-8") if isinstance(svg, bytes) else svg
            return out

        return asyncio.run_coroutine_threadsafe(render_all(), self._loop).result()

    def __exit__(self, *exc) -> None:
        try:  # a browser still starting is waited for and closed, never left running
            session = self._session.result(timeout=BROWSER_START_TIMEOUT)
        except Exception:  # it never started: nothing to close
            session = None
        try:
            if session is not None:
                asyncio.run_coroutine_threadsafe(session.close(), self._loop).result(timeout=30)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)
            self._loop.close()


def render_svgs(charts: dict[str, Chart]) -> dict[str, str]:
    """Each chart as an SVG document, in a browser session of its own."""
    if not charts:
        return {}
    with SvgRenderer() as renderer:
        return renderer.render(charts)
