"""Server time, queries and size of the pages that grow with a cycle, measured in process with Django's client.

Each page is requested once to warm up, then `runs` times; the median of those runs is reported. Streaming
responses are consumed inside the measurement (their queries and bytes count). A page whose warm-up takes
longer than `budget_seconds` is not repeated: its one measurement is reported, marked as such.
"""

import statistics
import time
from dataclasses import dataclass

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliances.forms import budget_field_name
from alliances.models import SECTION_FIELDS, Strategy, StrategyStatus
from dossiers.models import Dossier, DossierKind
from dossiers.services.exports import write_export
from portal.models import Role, User
from reviews.models import JurySession

TARGET_MS = 150
# A large export is a file the worker writes: the bound for the CSV at 2,400 alliances.
WORKER_TARGET_MS = 1000


@dataclass
class PageTiming:
    page: str
    size: int
    queries: int
    median_ms: float
    bytes: int
    note: str = ""
    target_ms: int = TARGET_MS

    @property
    def over_target(self):
        return self.median_ms > self.target_ms


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _consume(response):
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def editable_strategy(cycle):
    """A reopened strategy of the cycle with its manager: the one whose page and draft save are measured."""
    strategy = (
        Strategy.objects.filter(cycle=cycle, status=StrategyStatus.REOPENED)
        .select_related("alliance")
        .order_by("alliance__slug")
        .first()
    )
    manager = User.objects.filter(memberships__alliance=strategy.alliance).first()
    return strategy, manager


def draft_fields(strategy, *, version, change=0):
    """The draft form as the manager's browser sends it, with one section and one budget cell changed."""
    fields = {"version": str(version)}
    for name in SECTION_FIELDS:
        fields[name] = getattr(strategy, name)
    fields["summary"] = f"{strategy.summary[:-12]} Fassung {change:04d}."
    for line in strategy.budget_lines.all():
        fields[budget_field_name(line.year, line.category)] = f"{line.amount:.2f}".replace(".", ",")
    first = budget_field_name(strategy.cycle.first_funding_year, "travel")
    fields[first] = f"{18000 + change % 2},00"
    return fields


def _pages(cycle, *, office, ministry, strategy, manager):
    args = [cycle.slug]
    strategy_args = [cycle.slug, strategy.alliance.slug]
    session = JurySession.objects.filter(cycle=cycle).order_by("starts_at").first()
    session_args = [cycle.slug, session.pk]
    return [
        ("Ministeriums-Dashboard", ministry, "get", reverse("decisions:dashboard", args=args)),
        ("Zuweisungsmatrix", office, "get", reverse("reviews:office_assignments", args=args)),
        ("Export CSV", ministry, "get", reverse("decisions:export_csv", args=args)),
        ("Export XLSX", ministry, "get", reverse("decisions:export_xlsx", args=args)),
        ("Übersicht Projektträger", office, "get", reverse("alliances:overview", args=args)),
        ("Begutachtungsstand", office, "get", reverse("reviews:office_progress", args=args)),
        ("Strategieseite (Bündnis)", manager, "get", reverse("alliances:strategy", args=strategy_args)),
        ("Entwurf speichern (Bündnis)", manager, "post", reverse("alliances:strategy_save", args=strategy_args)),
        # The planner's preview runs the whole planner on every GET: its time is the planner's at this size.
        ("Jury-Planer (Vorschau)", office, "get", reverse("reviews:jury_planner", args=args)),
        ("Ablaufplan einer Jurysitzung", office, "get", reverse("reviews:jury_schedule", args=session_args)),
        ("Jurysitzung (Jurymodus)", office, "get", reverse("reviews:jury_session", args=session_args)),
    ]


def _selected(name, words):
    """Whether page `name` is measured: it contains one of the words, and none of those written with a leading
    minus (`-Matrix` leaves the matrix out)."""
    if not words:
        return True
    wanted = [word.lower() for word in words if not word.startswith("-")]
    unwanted = [word[1:].lower() for word in words if word.startswith("-")]
    name = name.lower()
    if any(word in name for word in unwanted):
        return False
    return not wanted or any(word in name for word in wanted)


def time_pages(cycle, *, size, runs=7, budget_seconds=20.0, only=None):
    """One PageTiming per page of `cycle` (`only`: see _selected)."""
    office = User.objects.filter(role=Role.PROGRAMME_OFFICE).order_by("pk").first()
    ministry = User.objects.filter(role=Role.MINISTRY).order_by("pk").first()
    strategy, manager = editable_strategy(cycle)
    clients = {}
    results = []
    counter = [0]
    for name, user, method, url in _pages(cycle, office=office, ministry=ministry, strategy=strategy, manager=manager):
        if not _selected(name, only):
            continue
        client = clients.get(user.pk) or clients.setdefault(user.pk, _client(user))
        durations, queries, size_bytes, note = [], 0, 0, ""
        for run in range(runs + 1):
            # The draft reads its version outside the measurement, as the browser had it from the page.
            if method == "post":
                current = Strategy.objects.prefetch_related("budget_lines").select_related("cycle").get(pk=strategy.pk)
                counter[0] += 1
                data = draft_fields(current, version=current.version, change=counter[0])
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.post(url, data, secure=True) if method == "post" else client.get(url, secure=True)
                size_bytes = _consume(response)
                elapsed = time.perf_counter() - started
            expected = 302 if method == "post" else 200
            if response.status_code != expected:
                note = f"HTTP {response.status_code}"
            elif method == "get" and name.startswith("Export") and response["Content-Type"].startswith("text/html"):
                note = "Antwortseite: Datei wird vom Worker erstellt"
            queries = len(captured)
            if run == 0:
                if elapsed > budget_seconds:
                    durations = [elapsed]
                    note = note or f"nur 1 Lauf (über {budget_seconds:.0f} s)"
                    break
                continue
            durations.append(elapsed)
        if method == "get" and name.startswith("Export") and response.status_code == 302:
            results.append(time_worker_export(cycle, name=name, size=size, runs=runs, user=user))
            note = "Weiterleitung zur Vorbereitung im Worker"
        results.append(
            PageTiming(
                page=name,
                size=size,
                queries=queries,
                median_ms=statistics.median(durations) * 1000,
                bytes=size_bytes,
                note=note,
            )
        )
    return results


def time_worker_export(cycle, *, name, size, runs, user):
    """What the worker does for an export above the streaming limit: writing the whole file (all rows, no
    filters), measured in process like a page; the file's size stands for the bytes."""
    kind = DossierKind.DASHBOARD_XLSX if "XLSX" in name else DossierKind.DASHBOARD_CSV
    dossier = Dossier(kind=kind, cycle=cycle, export_filters={}, language="de", requested_by=user)
    durations, queries, size_bytes = [], 0, 0
    for run in range(min(runs, 3) + 1):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            written = write_export(dossier, progress=lambda percent: None)
            elapsed = time.perf_counter() - started
        size_bytes = written.path.stat().st_size
        written.path.unlink()
        queries = len(captured)
        if run:
            durations.append(elapsed)
    return PageTiming(
        page=f"{name} (Worker)",
        size=size,
        queries=queries,
        median_ms=statistics.median(durations) * 1000,
        bytes=size_bytes,
        note=f"{written.row_count} Zeilen, im Worker (Ziel {WORKER_TARGET_MS} ms)",
        target_ms=WORKER_TARGET_MS,
    )


def table(rows):
    """The plain table the command prints; medians over the target are marked."""
    lines = [
        f"{'Seite':<30} | {'Größe':>6} | {'Abfragen':>8} | {'Median ms':>10} | {'Bytes':>11} | Hinweis",
        "-" * 100,
    ]
    for row in rows:
        mark = " *" if row.over_target else "  "
        lines.append(
            f"{row.page:<30} | {row.size:>6} | {row.queries:>8} | {row.median_ms:>8.1f}{mark} | {row.bytes:>11} | "
            f"{row.note}"
        )
    lines.append(f"* Median über dem Ziel ({TARGET_MS} ms je Seite, {WORKER_TARGET_MS} ms je Datei im Worker)")
    return "\n".join(lines)
