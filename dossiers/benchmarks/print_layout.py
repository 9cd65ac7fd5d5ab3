"""Page count and blank-page share of the printed dossiers, read back from the PDF with `pdftotext -bbox`.

A page counts as blank when its words cover less than `BLANK_SHARE` of the height of the A4 text area (the page
without the margins of print.css, so the running header and footer do not count): the word boxes' vertical
extents are merged into lines, and their summed height is compared with the text area's. A full page of running
text covers about 75 %, a heading with a three-row table about 10 %.

Run against a database with the demo data (`seed_demo`):

    python manage.py shell -c "from dossiers.benchmarks.print_layout import main; main()"
"""

import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from alliances.models import StrategyStatus, current_cycle
from decisions import selectors
from dossiers import services
from dossiers.models import DossierKind
from portal.models import Role, User
from reviews.models import JurySession

MM = 72 / 25.4
# The margins of the default @page in static/css/print.css: top, right, bottom, left.
MARGINS = (22 * MM, 18 * MM, 20 * MM, 18 * MM)
BLANK_SHARE = 0.20
XHTML = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class Word:
    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float


@dataclass(frozen=True)
class PageBoxes:
    width: float
    height: float
    words: tuple


def word_boxes(path):
    """Every page of the PDF at `path` with its size and word boxes, as `pdftotext -bbox` reports them."""
    command = ["pdftotext", "-bbox", str(path), "-"]
    html = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603, S607 - fixed program
    root = ET.fromstring(html)  # noqa: S314 - pdftotext's own output for our own file
    pages = []
    for page in root.iter(f"{XHTML}page"):
        words = tuple(
            Word(
                word.text or "",
                float(word.get("xMin")),
                float(word.get("yMin")),
                float(word.get("xMax")),
                float(word.get("yMax")),
            )
            for word in page.iter(f"{XHTML}word")
        )
        pages.append(PageBoxes(float(page.get("width")), float(page.get("height")), words))
    return pages


def text_coverage(page, margins=MARGINS):
    """The share (0–1) of the text area's height that lines of text cover on `page`."""
    top, right, bottom, left = margins
    area_top, area_bottom = top, page.height - bottom
    spans = sorted(
        (max(word.y_min, area_top), min(word.y_max, area_bottom))
        for word in page.words
        if word.y_max > area_top and word.y_min < area_bottom and word.x_max > left and word.x_min < page.width - right
    )
    covered, end = 0.0, area_top
    for start, stop in spans:
        start = max(start, end)
        if stop > start:
            covered += stop - start
            end = stop
    return covered / (area_bottom - area_top)


@dataclass(frozen=True)
class LayoutFigures:
    """Pages and blank pages of a dossier; `own_*` count the pages before the first annex (the dossier's own
    text): an annex is a divider page and the uploaded pages, whose fill the portal does not decide."""

    label: str
    pages: int
    blank_pages: int
    own_pages: int
    own_blank_pages: int

    @property
    def blank_share(self):
        return self.blank_pages / self.pages if self.pages else 0.0

    @property
    def own_blank_share(self):
        return self.own_blank_pages / self.own_pages if self.own_pages else 0.0


def _is_annex_divider(page):
    """The divider page of the first upload: it opens with "Anlage 1:" below the running header."""
    words = [word.text for word in page.words if word.y_min > MARGINS[0]]
    return words[:2] == ["Anlage", "1:"]


def layout_figures(label, path):
    pages = word_boxes(path)
    blank = [text_coverage(page) < BLANK_SHARE for page in pages]
    own = next((index for index, page in enumerate(pages) if _is_annex_divider(page)), len(pages))
    return LayoutFigures(
        label=label, pages=len(pages), blank_pages=sum(blank), own_pages=own, own_blank_pages=sum(blank[:own])
    )


def report(figures, stdout=print):
    for item in figures:
        stdout(
            f"{item.label:<62} {item.pages:>4} pages, {item.blank_pages:>3} blank ({item.blank_share:>4.0%}); "
            f"before the annexes {item.own_pages:>3} pages, {item.own_blank_pages:>3} blank "
            f"({item.own_blank_share:>4.0%})"
        )


def _demo_subjects(cycle):
    """The submitted strategy with the most reviews (ties: the first by name), one with a released decision and one
    with a decision awaiting release (a proposal, or a correction waiting for confirmation)."""
    strategies = sorted(
        cycle.strategies.exclude(status=StrategyStatus.DRAFT).select_related("alliance"),
        key=lambda strategy: (
            -strategy.assignments.filter(reviews__submitted_at__isnull=False).count(),
            strategy.alliance.name,
        ),
    )
    released = next((s for s in strategies if selectors.released_decision(s) is not None), None)
    pending = next((s for s in strategies if selectors.decision_awaiting_release(s) is not None), None)
    return strategies[0], released, pending


def render(kind, *, cycle=None, strategy=None, person=None, jury_session=None):
    dossier = services.request_dossier(
        kind=kind, cycle=cycle, strategy=strategy, person=person, jury_session=jury_session, force=True, enqueue=False
    )
    return services.render_dossier(dossier_id=dossier.pk)


def main(stdout=print):
    """Renders one dossier of each PDF kind from the current cycle (a strategy's, the cycle's, a manager's own data,
    the record of processing activities) and prints pages and blank pages per kind. A kind the demo's phase has no
    subject for (a letter before any release) is left out and says so."""
    cycle = current_cycle()
    reviewed, released, pending = _demo_subjects(cycle)
    session = JurySession.objects.planned().filter(cycle=cycle).first()
    manager = User.objects.filter(role=Role.ALLIANCE_MANAGER, memberships__alliance=reviewed.alliance).first()
    subjects = [
        (DossierKind.STRATEGY, {"cycle": cycle, "strategy": reviewed}),
        (DossierKind.EVALUATION, {"cycle": cycle, "strategy": reviewed}),
        (DossierKind.CYCLE_REPORT, {"cycle": cycle}),
        (DossierKind.DECISION_LETTER, {"cycle": cycle, "strategy": released}),
        (DossierKind.LETTER_DRAFT, {"cycle": cycle, "strategy": pending}),
        (DossierKind.PERSONAL_DATA, {"person": manager}),
        (DossierKind.PRIVACY_RECORD, {}),
        (DossierKind.SESSION_MINUTES, {"cycle": cycle, "jury_session": session}),
    ]
    results = []
    for kind, subject in subjects:
        label = DossierKind(kind).label
        if any(value is None for value in subject.values()):
            stdout(f"{label}: no subject in this phase of the demo")
            continue
        dossier = render(kind, **subject)
        about = subject.get("strategy") or subject.get("cycle")
        label = f"{label} ({about.alliance.name if subject.get('strategy') else about.name})" if about else label
        results.append(layout_figures(label, dossier.file.path))
        stdout(f"{label}: {dossier.file.path}")
    report(results, stdout)
    return results
