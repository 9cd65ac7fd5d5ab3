"""Data for the server-rendered SVG charts; every chart also has its numbers in a table."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

CHART_WIDTH = 420
LABEL_WIDTH = 180
ROW_HEIGHT = 26
HEAT_BUCKETS = 5
# Colours are SVG presentation attributes, so the same chart renders in the browser and in WeasyPrint.
HEAT_COLOURS = ["#f6d5d2", "#f3e3c3", "#e6edc6", "#b7dcc0", "#6fb58a"]
NO_VALUE_COLOUR = "#eef1f4"
# An axis label fits LABEL_WIDTH at font size 11 in this many characters per line, on at most LABEL_LINES lines.
LABEL_CHARACTERS = 27
LABEL_LINES = 2
LINE_HEIGHT = 11


def rounded(value, places=1):
    """`value` as a Decimal rounded half up, as the page's `floatformat` shows it (None stays None)."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def label_lines(text, *, centre_y, characters=LABEL_CHARACTERS, lines=LABEL_LINES):
    """`text` broken at spaces into at most `lines` lines of about `characters`, each with its baseline, centred
    on `centre_y`. What does not fit ends in "…" after a whole word: a label is never cut inside a word (the
    full text is in the chart's table and its tooltip). A single word longer than a line stays whole."""
    words, wrapped = str(text).split(), []
    for word in words:
        if wrapped and len(wrapped[-1]) + 1 + len(word) <= characters:
            wrapped[-1] += " " + word
        else:
            wrapped.append(word)
    if len(wrapped) > lines:
        kept = wrapped[: lines - 1]
        last = ""
        for word in " ".join(wrapped[lines - 1 :]).split():
            if last and len(last) + 1 + len(word) + 1 > characters:
                break
            last = f"{last} {word}".strip()
        wrapped = [*kept, f"{last} …"]
    first = centre_y + 4 - (len(wrapped) - 1) * LINE_HEIGHT / 2
    return [{"text": line, "y": round(first + index * LINE_HEIGHT, 1)} for index, line in enumerate(wrapped)]


def criterion_labels(codes):
    """Short, neutral labels for the criteria in their order ("K1", "K2", …), explained by the charts' legend."""
    return {code: _("K%(number)s") % {"number": number} for number, code in enumerate(codes, start=1)}


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


def _heatmap_text(criteria, rows):
    """The chart's alternative text: the criteria's labels, then the mean per criterion of every alliance."""
    parts = [_("Mittlere Punkte je Kriterium und Bündnis, 0 bis 100.")]
    parts += [f"{criterion['short']}: {criterion['title']}." for criterion in criteria]
    for row in rows:
        cells = "; ".join(f"{cell['short']}: {_number(cell['value'])}" for cell in row["cells"]) or _("keine Punkte")
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
                "label": label_lines(row.alliance.name, centre_y=20 + index * ROW_HEIGHT),
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
    shorts = criterion_labels(codes)
    cell = 34
    heat_rows = []
    for index, row in enumerate(rows):
        values = [by_cell.get((row.pk, code)) for code in codes]
        heat_rows.append(
            {
                "alliance": row.alliance.name,
                "y": 30 + index * cell,
                "label": label_lines(row.alliance.name, centre_y=30 + index * cell + (cell - 2) / 2),
                "cells": [
                    {
                        "x": LABEL_WIDTH + column * cell,
                        "value": rounded(value),
                        "fill": _heat_colour(value),
                        "code": codes[column],
                        "short": shorts[codes[column]],
                        "title": criteria[codes[column]],
                    }
                    for column, value in enumerate(values)
                ],
            }
        )
    heat_criteria = [
        {"code": code, "short": shorts[code], "title": criteria[code], "x": LABEL_WIDTH + i * cell + cell / 2}
        for i, code in enumerate(codes)
    ]
    return {
        "kind": "alliances",
        "criteria": heat_criteria,
        "rows": heat_rows,
        "text": _heatmap_text(heat_criteria, heat_rows),
        "cell": cell,
        "width": LABEL_WIDTH + len(codes) * cell + 10,
        "label_x": LABEL_WIDTH - 6,
        "height": 40 + len(rows) * cell,
    }


def band_labels():
    width = 100 // HEAT_BUCKETS
    return [f"{band * width}–{(band + 1) * width}" for band in range(HEAT_BUCKETS)]


def _bands_text(rows, labels):
    """The chart's alternative text: per criterion, how many alliances fall into each band."""
    parts = [_("Anzahl der Bündnisse je Kriterium nach ihren mittleren Punkten, in Bändern von 0 bis 100.")]
    for row in rows:
        counts = "; ".join(f"{label}: {segment}" for label, segment in zip(labels, row["counts"], strict=True))
        parts.append(f"{row['short']} ({row['title']}): {counts}.")
    return " ".join(parts)


def criterion_bands(*, criteria):
    """One stacked bar per criterion: how many alliances' mean falls into each score band (for large cycles).

    `criteria` as `dashboard.criterion_band_counts` returns them: code, title and counts per band.
    """
    labels = band_labels()
    shorts = criterion_labels([criterion["code"] for criterion in criteria])
    bar_width = CHART_WIDTH - LABEL_WIDTH - 10
    rows = []
    for index, criterion in enumerate(criteria):
        total = sum(criterion["counts"])
        x = LABEL_WIDTH
        segments = []
        for band, count in enumerate(criterion["counts"]):
            width = bar_width * count / total if total else 0
            if count:
                segments.append(
                    {
                        "x": round(x, 1),
                        "width": round(width, 1),
                        "fill": HEAT_COLOURS[band],
                        "count": count,
                        "band": labels[band],
                    }
                )
            x += width
        rows.append(
            {
                "code": criterion["code"],
                "short": shorts[criterion["code"]],
                "title": criterion["title"],
                "label": label_lines(
                    f"{shorts[criterion['code']]} {criterion['title']}",
                    centre_y=40 + index * ROW_HEIGHT + (ROW_HEIGHT - 8) / 2,
                ),
                "counts": list(criterion["counts"]),
                "total": total,
                "y": 40 + index * ROW_HEIGHT,
                "segments": segments,
            }
        )
    legend_step = bar_width / HEAT_BUCKETS
    return {
        "kind": "bands",
        "rows": rows,
        "bands": [
            {"label": label, "fill": HEAT_COLOURS[band], "x": round(LABEL_WIDTH + band * legend_step, 1)}
            for band, label in enumerate(labels)
        ],
        "text": _bands_text(rows, labels),
        "width": CHART_WIDTH,
        "label_x": LABEL_WIDTH - 6,
        "bar_height": ROW_HEIGHT - 8,
        "height": 50 + len(rows) * ROW_HEIGHT,
    }
