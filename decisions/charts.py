"""Data for the server-rendered SVG charts; every chart also has its numbers in a table."""

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from decisions.dashboard import rounded

CHART_WIDTH = 420
LABEL_WIDTH = 180
ROW_HEIGHT = 26
HEAT_BUCKETS = 5
# Colours are SVG presentation attributes, so the same chart renders in the browser and in WeasyPrint.
HEAT_COLOURS = ["#f6d5d2", "#f3e3c3", "#e6edc6", "#b7dcc0", "#6fb58a"]
NO_VALUE_COLOUR = "#eef1f4"


def _x(score):
    return LABEL_WIDTH + float(score) / 100 * (CHART_WIDTH - LABEL_WIDTH - 10)


def _number(value):
    return "–" if value is None else number_format(value, decimal_pos=1)


def _distribution_text(lines):
    """The chart's alternative text: every alliance's scores and median, so a screen reader gets the content."""
    parts = [_("Punkte je Gutachten und Median, gewichtet, 0 bis 100.")]
    for line in lines:
        scores = "; ".join(f"{dot['label']}: {_number(dot['score'])}" for dot in line["dots"]) or _("keine Punkte")
        parts.append(
            _("%(alliance)s: %(scores)s; Median %(median)s.")
            % {"alliance": line["alliance"], "scores": scores, "median": _number(line["median"])}
        )
    return " ".join(parts)


def _heatmap_text(rows):
    """The chart's alternative text: the mean per criterion of every alliance."""
    parts = [_("Mittlere Punkte je Kriterium und Bündnis, 0 bis 100.")]
    for row in rows:
        cells = "; ".join(f"{cell['code']}: {_number(cell['value'])}" for cell in row["cells"]) or _("keine Punkte")
        parts.append(f"{row['alliance']}: {cells}.")
    return " ".join(parts)


def score_distribution(*, rows, points):
    """One line per alliance: each review's weighted score as a dot, the median as a tick (0–100)."""
    lines = []
    for index, row in enumerate(rows):
        scores = [p for p in points.get(row.pk, []) if p["weighted_score"] is not None]
        lines.append(
            {
                "alliance": row.alliance.name,
                "y": 20 + index * ROW_HEIGHT,
                "dots": [
                    {
                        "x": round(_x(p["weighted_score"]), 1),
                        "score": rounded(p["weighted_score"]),
                        "label": p["assignment__pseudonym"],
                    }
                    for p in scores
                ],
                "median": rounded(row.score_median),
                "median_x": None if row.score_median is None else round(_x(row.score_median), 1),
            }
        )
    ticks = [{"value": value, "x": round(_x(value), 1)} for value in range(0, 101, 20)]
    return {
        "lines": lines,
        "ticks": ticks,
        "width": CHART_WIDTH,
        "label_width": LABEL_WIDTH,
        "height": 40 + len(rows) * ROW_HEIGHT,
        "axis_y": 20 + len(rows) * ROW_HEIGHT,
        "text": _distribution_text(lines),
    }


def _heat_colour(value):
    if value is None:
        return NO_VALUE_COLOUR
    return HEAT_COLOURS[min(HEAT_BUCKETS - 1, int(float(value) // (100 / HEAT_BUCKETS)))]


def criterion_heatmap(*, rows, means):
    """Mean normalised score per criterion (columns) and alliance (rows)."""
    criteria = {}
    by_cell = {}
    for item in means:
        criteria.setdefault(item["code"], item["title"])
        by_cell[(item["strategy_id"], item["code"])] = item["mean_normalised"]
    codes = list(criteria)
    cell = 34
    heat_rows = []
    for index, row in enumerate(rows):
        values = [by_cell.get((row.pk, code)) for code in codes]
        heat_rows.append(
            {
                "alliance": row.alliance.name,
                "y": 30 + index * cell,
                "cells": [
                    {
                        "x": LABEL_WIDTH + column * cell,
                        "value": rounded(value),
                        "fill": _heat_colour(value),
                        "code": codes[column],
                    }
                    for column, value in enumerate(values)
                ],
            }
        )
    return {
        "criteria": [
            {"code": code, "title": criteria[code], "x": LABEL_WIDTH + i * cell + cell / 2}
            for i, code in enumerate(codes)
        ],
        "rows": heat_rows,
        "text": _heatmap_text(heat_rows),
        "cell": cell,
        "width": LABEL_WIDTH + len(codes) * cell + 10,
        "label_x": LABEL_WIDTH - 6,
        "height": 40 + len(rows) * cell,
    }
