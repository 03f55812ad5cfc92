"""The pure figure builders: what a reader of the chart sees."""

from __future__ import annotations

import pandas as pd

from dashboard import display, figures


def _boxes_overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_funnel_plot_labels_of_neighbouring_schemes_do_not_print_over_each_other():
    # the demo's small schemes: two almost on top of each other, two more close by
    points = pd.DataFrame({
        "label": ["#Citadel", "Vulnerable Adult Support Scheme", "Problem Gambling Pathway",
                   "Diversion and Support Team", "Druglink"],
        "denominator": [33, 39, 130, 140, 500],
        "value": [0.545, 0.538, 0.631, 0.536, 0.924],
        "outside_95": [True, True, True, True, True],
    })
    positions = figures.label_positions(points["denominator"], points["value"], points["label"], 650)
    assert positions[0] != positions[1]  # the two on top of each other go different ways
    # the same geometry as the placer: no two label boxes intersect
    boxes = []
    for (x, y, label), place in zip(points[["denominator", "value", "label"]].itertuples(index=False), positions):
        vertical, horizontal = place.split()
        px, py, w, h = x / 650 * 760, y / 1.05 * 300, 6.5 * len(label) + 6, 14
        left = px + 4 if horizontal == "right" else px - 4 - w
        bottom = {"top": py + 5, "bottom": py - 5 - h, "middle": py - h / 2}[vertical]
        boxes.append((left, bottom, left + w, bottom + h))
    assert not any(_boxes_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_funnel_plot_labels_only_schemes_outside_the_95_percent_limits_and_leaves_room():
    points = pd.DataFrame({"label": ["A", "B"], "denominator": [100, 800], "value": [0.5, 0.8],
                           "outside_95": [True, False]})
    limits = pd.DataFrame({"denominator": [1, 800], "low95": [0, 0.7], "high95": [1, 0.9],
                           "low998": [0, 0.65], "high998": [1, 0.95]})
    fig = figures.figure_funnel_plot(points, limits, 0.78)
    scatter = fig.data[-1]
    assert list(scatter.text) == ["A", ""]
    assert fig.layout.xaxis.range[1] > 800  # the largest scheme's label fits on the plot


def test_funnel_of_referrals_prints_counts_with_thousands_separators():
    fig = figures.figure_funnel([("Referred", 2932, "2,932"), ("Engaged", 2539, "2,539 (86.6% of referred)"),
                                 ("Completed", None, "*")])
    assert list(fig.data[0].y) == ["Referred", "Engaged"]  # a suppressed stage is left out
    assert list(fig.data[0].text) == ["2,932", "2,539 (86.6% of referred)"]


def test_side_by_side_names_its_first_column_after_the_comparison():
    frame = pd.DataFrame({"by": ["scheme"], "cell": ["S1"], "label": ["Druglink"], "metric": ["referrals"],
                          "value": [520], "numerator": [None], "denominator": [None], "ci_low": [None],
                          "ci_high": [None], "p_value": [None], "flags": [()], "suppressed": [None]})
    table = display.side_by_side(frame)
    assert list(table.columns) == ["Scheme", "Referrals"]
    assert table.iloc[0].tolist() == ["Druglink", "520"]
