"""Benchmark of the search at programme scale: every text of a cycle indexed, typical queries timed in process.

On top of the page benchmark's cycle (dossiers/benchmarks/data.py: strategies with seven sections, submissions,
reviews, Voten, decisions) each strategy's main document gets `pages` pages of German text, written straight into
the index with `replace_many` (the benchmark data has no files behind its documents). One real PDF of that many
pages is rendered and run through the extraction the worker uses, so its time is measured too. The other kinds are
rebuilt through their own `reindex_all`.

Then `search()` answers about ten typical queries (words, word forms, a phrase, a negation, filters, a score) as
the programme office and as an alliance manager: median and 95th percentile per query, the number of database
queries and of hits. The target is a median of at most TARGET_MS per query.
"""

import io
import random
import statistics
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliances.models import StrategyDocument
from dossiers.benchmarks import data
from portal.models import Role, SearchEntry, User
from portal.search import registry
from portal.search.engine import QueryError, search
from portal.search.index import IndexedText, replace_many

TARGET_MS = 100
PAGES_PER_DOCUMENT = 25
CHARACTERS_PER_PAGE = 2800
# Documents indexed per call of replace_many: one insert and one vector update each.
DOCUMENTS_PER_BATCH = 40
# Every RARE_EVERY-th document names the rare term on one page: a query with few hits and a page number.
RARE_EVERY = 10
RARE_TERM = "Notstromaggregate"
DOCUMENT_KIND = "document_page"

# (name, query, staff only): typical searches of the programme office and the ministry.
QUERIES = [
    ("Wort", "Wasserstoff", False),
    ("Zwei Wörter", "Transferzentrum Hochschule", False),
    ("Wortform", "Fachkräfte", False),
    ("Partizip", "Förderung", False),
    ("Phrase", '"duale Studiengänge"', False),
    ("Verneinung", "Verstetigung -Verein", False),
    ("Filter Abschnitt", "Wasserstoff feld:massnahmen", False),
    ("Filter Land", "Netzwerk land:BY", False),
    ("Filter Art", "Indikatoren art:pdf", False),
    ("Seltenes Wort", RARE_TERM, False),
    ("Journey", "Wasserstoff -Bayern feld:massnahmen", False),
    ("Score", "Verstetigung score>60", True),
]


@dataclass
class QueryTiming:
    name: str
    query: str
    who: str
    median_ms: float
    p95_ms: float
    queries: int
    hits: int | None  # None: not counted (the page row)
    note: str = ""

    @property
    def over_target(self):
        return self.median_ms > TARGET_MS


# --- Data -------------------------------------------------------------------------------------------------------


def page_text(rng, *, region, field, page, rare):
    text = data._text(rng, CHARACTERS_PER_PAGE, region=region, field=field)
    if rare:
        text += f" Auf Seite {page} beschreibt das Bündnis {RARE_TERM} für zwei Krankenhäuser."
    return text


def document_texts(cycle, *, pages, seed=17):
    """{document id: [IndexedText per page]} for the main document of every strategy of `cycle`."""
    rng = random.Random(seed)
    documents = (
        StrategyDocument.objects.filter(strategy__cycle=cycle)
        .order_by("pk")
        .values_list(
            "pk", "strategy__alliance_id", "strategy__alliance__region", "strategy__alliance__innovation_field"
        )
    )
    texts = {}
    for number, (pk, alliance_id, region, field) in enumerate(documents):
        rare_page = (number % pages) + 1 if number % RARE_EVERY == 0 else None
        texts[pk] = [
            IndexedText(
                body=page_text(rng, region=region, field=field, page=page, rare=page == rare_page),
                page=page,
                alliance_id=alliance_id,
                cycle_id=cycle.pk,
            )
            for page in range(1, pages + 1)
        ]
    return texts


def index(cycle, *, pages=PAGES_PER_DOCUMENT, stdout=None):
    """Indexes the cycle: every registered kind through its `reindex_all`, the documents' pages directly.
    Returns {kind: entries}."""
    written = {}
    for code, kind in registry.kinds().items():
        if code == DOCUMENT_KIND or kind.reindex_all is None:
            continue
        started = time.monotonic()
        with transaction.atomic():
            written[code] = kind.reindex_all()
        _say(stdout, f"  {code}: {written[code]} Einträge in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    texts = document_texts(cycle, pages=pages)
    ids = list(texts)
    for start in range(0, len(ids), DOCUMENTS_PER_BATCH):
        with transaction.atomic():
            replace_many(
                kind=DOCUMENT_KIND, texts_by_object={pk: texts[pk] for pk in ids[start : start + DOCUMENTS_PER_BATCH]}
            )
    written[DOCUMENT_KIND] = SearchEntry.objects.filter(kind=DOCUMENT_KIND).count()
    _say(stdout, f"  {DOCUMENT_KIND}: {written[DOCUMENT_KIND]} Einträge in {time.monotonic() - started:.1f} s")
    data.analyze()
    return written


def _say(stdout, text):
    if stdout is not None:
        stdout.write(text)


# --- One real PDF ------------------------------------------------------------------------------------------------


def real_pdf(pages=PAGES_PER_DOCUMENT, seed=5):
    """A PDF of `pages` A4 pages of German text, rendered with WeasyPrint as a strategy document would be."""
    from django.utils.html import escape
    from weasyprint import HTML

    rng = random.Random(seed)
    rare_page = min(7, pages)
    field = "Wasserstofftechnologien"
    body = "".join(
        f'<section style="page-break-after: always"><h2>Seite {page}</h2><p>'
        f"{escape(page_text(rng, region='Lausitz', field=field, page=page, rare=page == rare_page))}"
        "</p></section>"
        for page in range(1, pages + 1)
    )
    return HTML(string=f'<html lang="de"><body style="font-size: 11pt">{body}</body></html>').write_pdf()


def time_extraction(pdf):
    """Seconds and page texts of the worker's extraction for one PDF."""
    from alliances.services.document_text import extract_page_texts

    started = time.perf_counter()
    pages = extract_page_texts(io.BytesIO(pdf))
    return time.perf_counter() - started, pages


# --- Timing ------------------------------------------------------------------------------------------------------


def people(cycle):
    """The programme office and the manager of the cycle's first alliance."""
    office = User.objects.filter(role=Role.PROGRAMME_OFFICE).order_by("pk").first()
    manager = (
        User.objects.filter(role=Role.ALLIANCE_MANAGER, memberships__alliance__strategies__cycle=cycle)
        .order_by("memberships__alliance__slug")
        .first()
    )
    return {"Projektträger": office, "Bündnis": manager}


def _percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def time_query(user, who, name, text, *, runs):
    durations, queries, hits, note = [], 0, 0, ""
    for run in range(runs + 1):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            try:
                results = search(user=user, text=text)
                hits = results.total
            except QueryError as error:
                note = f"abgelehnt: {error.message}"
            elapsed = time.perf_counter() - started
        queries = len(captured)
        if run:  # the first run warms the caches
            durations.append(elapsed)
    return QueryTiming(
        name=name,
        query=text,
        who=who,
        median_ms=statistics.median(durations) * 1000,
        p95_ms=_percentile(durations, 0.95) * 1000,
        queries=queries,
        hits=hits,
        note=note,
    )


def time_page(user, who, text, *, runs):
    """The search page itself as htmx asks for it (the results partial), with Django's client."""
    client = Client()
    client.force_login(user)
    url = reverse("portal:search")
    headers = {"HX-Request": "true", "HX-Target": "search-results"}
    durations, queries, status = [], 0, 200
    for run in range(runs + 1):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, {"q": text}, headers=headers, secure=True)
            elapsed = time.perf_counter() - started
        status = response.status_code
        queries = len(captured)
        if run:
            durations.append(elapsed)
    return QueryTiming(
        name="Seite (htmx)",
        query=text,
        who=who,
        median_ms=statistics.median(durations) * 1000,
        p95_ms=_percentile(durations, 0.95) * 1000,
        queries=queries,
        hits=None,
        note="" if status == 200 else f"HTTP {status}",
    )


def time_queries(cycle, *, runs=15, only=None):
    """One QueryTiming per query and person, then the page for the journey's query."""
    rows = []
    for who, user in people(cycle).items():
        for name, text, staff_only in QUERIES:
            if only and not any(word.lower() in name.lower() for word in only):
                continue
            row = time_query(user, who, name, text, runs=runs)
            if staff_only and who != "Projektträger" and not row.note:
                row.note = "nicht abgelehnt, obwohl nur für Projektträger und BMBF"
            rows.append(row)
        rows.append(time_page(user, who, "Wasserstoff -Bayern feld:massnahmen", runs=runs))
    return rows


def table(rows, *, size):
    lines = [
        f"Suche bei {size} Bündnissen ({SearchEntry.objects.count()} Einträge im Index)",
        f"{'Suche':<18} | {'Wer':<13} | {'Abfragen':>8} | {'Treffer':>7} | {'Median ms':>10} | {'p95 ms':>8} | Anfrage",
        "-" * 110,
    ]
    for row in rows:
        mark = " *" if row.over_target else "  "
        lines.append(
            f"{row.name:<18} | {row.who:<13} | {row.queries:>8} | {'–' if row.hits is None else row.hits:>7} | "
            f"{row.median_ms:>8.1f}{mark} | "
            f"{row.p95_ms:>8.1f} | {row.query}{f'  ({row.note})' if row.note else ''}"
        )
    medians = [row.median_ms for row in rows if not row.note]
    if medians:
        lines.append(
            f"Median aller Suchen: {statistics.median(medians):.1f} ms; langsamste: {max(medians):.1f} ms "
            f"(Ziel: Median je Suche höchstens {TARGET_MS} ms; * darüber)"
        )
    return "\n".join(lines)
