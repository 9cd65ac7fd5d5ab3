"""Large dashboard exports as dossiers: a worker writes them with progress, the file has every row and equals the
streamed export, an unchanged cycle reuses the file and a change makes a new one; who may reach them."""

import csv
import io
import re
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from alliances.models import Alliance, BudgetCategory, BudgetLine, Strategy, StrategyStatus, Submission
from alliances.services import bump_figures_version
from dossiers import services
from dossiers.models import Dossier, DossierKind, DossierStatus
from dossiers.services import runs
from tests.decisions.test_dashboard import build_cycle, dashboard_url
from tests.factories import AllianceFactory, EvaluationCycleFactory, manager_of, role_actors
from tests.helpers import LOGIN, MATRIX_CASE, assert_status, matrix_cases, request_as

pytestmark = pytest.mark.django_db

CSV, XLSX = DossierKind.DASHBOARD_CSV, DossierKind.DASHBOARD_XLSX
DEFAULT_FILTERS = {"state": "", "status": "", "recommendation": "", "sort": "alliance"}


@pytest.fixture
def small(cycle):
    return build_cycle(cycle, 10)


def csv_rows(content):
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def prepare(client, cycle, kind, capture, **filters):
    """Presses "Export vorbereiten" with `filters`; the worker runs at once (eager) after the commit."""
    with capture(execute=True):
        response = client.post(reverse("dossiers:request_cycle", args=[kind, cycle.slug]), filters)
    assert response.status_code == 302
    dossier = Dossier.objects.get(kind=kind, cycle=cycle, public_id=response["Location"].split("/")[-2])
    assert response["Location"] == reverse("dossiers:detail", args=[dossier.public_id])
    return dossier


def download(client, dossier):
    response = client.get(reverse("dossiers:download", args=[dossier.public_id]))
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("kind", [CSV, XLSX])
def test_a_prepared_export_equals_the_streamed_one(
    client, cycle, small, settings, django_capture_on_commit_callbacks, kind
):
    settings.EXPORT_STREAM_MAX_ROWS = 3
    client.force_login(small["office"])
    offer = client.get(reverse("dossiers:export", args=[kind, cycle.slug]), {"status": "submitted", "sort": "-median"})
    assert offer.status_code == 200
    page = offer.content.decode()
    assert "Der Export umfasst 8 Zeilen." in page and "Export vorbereiten" in page
    assert 'name="sort" value="-median"' in page and 'name="status" value="submitted"' in page

    dossier = prepare(client, cycle, kind, django_capture_on_commit_callbacks, status="submitted", sort="-median")
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.READY, dossier.error_message
    assert dossier.export_filters == {**DEFAULT_FILTERS, "status": "submitted", "sort": "-median"}
    assert dossier.language == "de" and dossier.row_count == 8 and dossier.progress == 100
    assert dossier.requested_by == small["office"]
    extension = "csv" if kind == CSV else "xlsx"
    assert dossier.file.name.endswith(f".{extension}")
    response = download(client, dossier)
    today = timezone.localdate().strftime("%Y-%m-%d")
    assert response["Content-Disposition"] == f'attachment; filename="dashboard_{cycle.slug}_{today}.{extension}"'
    prepared = response.getvalue()

    settings.EXPORT_STREAM_MAX_ROWS = 500
    streamed = client.get(dashboard_url(cycle, f"export_{extension}", status="submitted", sort="-median")).getvalue()
    if kind == CSV:
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert prepared == streamed
        assert len(csv_rows(prepared)) == 9
    else:
        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        rows = list(load_workbook(io.BytesIO(prepared)).active.values)
        assert rows == list(load_workbook(io.BytesIO(streamed)).active.values)
        assert len(rows) == 9


def test_the_status_page_offers_the_rows_of_a_ready_export(client, cycle, small, django_capture_on_commit_callbacks):
    client.force_login(small["ministry"])
    dossier = prepare(client, cycle, CSV, django_capture_on_commit_callbacks)
    Dossier.objects.filter(pk=dossier.pk).update(finished_at=datetime(2024, 6, 30, 22, 30, tzinfo=UTC))
    html = client.get(reverse("dossiers:detail", args=[dossier.public_id])).content.decode()
    assert "Dashboard-Export (CSV) herunterladen (10 Zeilen)" in html
    assert "erstellt am 01.07.2024, 00:30" in html
    # The offer page shows the export already made for the same filters, and no second button.
    offer = client.get(reverse("dossiers:export", args=[CSV, cycle.slug])).content.decode()
    assert reverse("dossiers:download", args=[dossier.public_id]) in offer
    assert "Export vorbereiten" not in offer


def test_an_unchanged_cycle_reuses_the_export_and_any_change_makes_a_new_one(
    client, cycle, small, django_capture_on_commit_callbacks
):
    client.force_login(small["ministry"])
    first = prepare(client, cycle, CSV, django_capture_on_commit_callbacks, sort="-median")
    again = prepare(client, cycle, CSV, django_capture_on_commit_callbacks, sort="-median")
    assert again.pk == first.pk
    other_filters = prepare(client, cycle, CSV, django_capture_on_commit_callbacks, sort="median")
    spreadsheet = prepare(client, cycle, XLSX, django_capture_on_commit_callbacks, sort="-median")
    english = services.request_dossier(
        kind=CSV, cycle=cycle, export_filters={**DEFAULT_FILTERS, "sort": "-median"}, language="en", enqueue=False
    )
    assert len({first.pk, other_filters.pk, spreadsheet.pk, english.pk}) == 4

    bump_figures_version(cycle_id=cycle.pk)
    cycle.refresh_from_db()
    after_a_change = prepare(client, cycle, CSV, django_capture_on_commit_callbacks, sort="-median")
    assert after_a_change.pk != first.pk
    assert after_a_change.status == DossierStatus.READY
    assert Dossier.objects.filter(kind=CSV, cycle=cycle).count() == 4


def test_an_english_export_is_written_in_english(cycle, small):
    dossier = services.request_dossier(kind=CSV, cycle=cycle, export_filters=DEFAULT_FILTERS, language="en")
    dossier = services.render_dossier(dossier_id=dossier.pk)
    assert dossier.status == DossierStatus.READY, dossier.error_message
    with dossier.file.open("rb") as file:
        header, *body = csv_rows(file.read())
    assert "Disagreement" in header and "Uneinigkeit" not in header
    assert {row[header.index("Disagreement")] for row in body} <= {"yes", "no"}


def test_a_failed_export_is_retried_with_its_filters_and_language(client, cycle, small):
    dossier = services.request_dossier(
        kind=CSV, cycle=cycle, export_filters={**DEFAULT_FILTERS, "status": "draft"}, language="en", enqueue=False
    )
    Dossier.objects.filter(pk=dossier.pk).update(status=DossierStatus.FAILED, error_message="Fehler.")
    client.force_login(small["office"])
    response = client.post(reverse("dossiers:retry", args=[dossier.public_id]))
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.QUEUED  # reset in its own row: the same inputs
    assert dossier.export_filters["status"] == "draft" and dossier.language == "en"


def build_programme(cycle, size):
    """`size` submitted strategies with a budget line each, bulk-built; no reviews (their numbers do not matter
    here, only that every row arrives)."""
    actors = role_actors()
    alliances = Alliance.objects.bulk_create(
        Alliance(slug=f"p-{n:04d}", name=f"Bündnis {n:04d}", innovation_field=f"Feld {n % 7}") for n in range(size)
    )
    strategies = Strategy.objects.bulk_create(
        Strategy(cycle=cycle, alliance=alliance, status=StrategyStatus.SUBMITTED) for alliance in alliances
    )
    BudgetLine.objects.bulk_create(
        BudgetLine(
            strategy=strategy,
            year=cycle.first_funding_year,
            category=BudgetCategory.PERSONNEL,
            amount=Decimal("100000") + n,
        )
        for n, strategy in enumerate(strategies)
    )
    now = timezone.now()
    Submission.objects.bulk_create(
        Submission(
            strategy=strategy,
            number=1,
            submitted_at=now,
            submitted_by=actors["programme_office"],
            sections={},
            budget=[],
            documents=[],
            fingerprint="0" * 64,
        )
        for strategy in strategies
    )
    return actors


def test_at_2400_alliances_the_export_goes_to_a_worker_that_writes_every_row_with_progress(
    client, cycle, settings, django_capture_on_commit_callbacks, monkeypatch
):
    actors = build_programme(cycle, 2400)
    client.force_login(actors["ministry"])
    response = client.get(dashboard_url(cycle, "export_csv"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("dossiers:export", args=[CSV, cycle.slug]))
    assert "Der Export umfasst 2400 Zeilen." in client.get(response["Location"]).content.decode()

    reported = []
    set_progress = runs._set_progress

    def recorded(dossier_id, percent):
        reported.append(percent)
        set_progress(dossier_id, percent)

    monkeypatch.setattr(runs, "_set_progress", recorded)
    started = time.perf_counter()
    dossier = prepare(client, cycle, CSV, django_capture_on_commit_callbacks)
    prepared_in = time.perf_counter() - started
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.READY, dossier.error_message
    assert dossier.row_count == 2400
    rows = csv_rows(download(client, dossier).getvalue())
    assert len(rows) == 2401
    assert [row[0] for row in rows[1:]] == [f"Bündnis {n:04d}" for n in range(2400)]
    assert len(reported) == 2400 // 250 and reported == sorted(reported) and 5 < reported[0] < reported[-1] <= 95

    # Streamed instead (the threshold raised): how long the CSV of 2,400 rows takes here, for the record.
    settings.EXPORT_STREAM_MAX_ROWS = 10_000
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        streamed = client.get(dashboard_url(cycle, "export_csv")).getvalue()
        timings.append(time.perf_counter() - started)
    assert len(csv_rows(streamed)) == 2401
    print(
        f"\nCSV export at 2400 alliances: streamed in {', '.join(f'{t * 1000:.0f}' for t in timings)} ms, "
        f"prepared by the worker in {prepared_in * 1000:.0f} ms"
    )


# --- Who may reach them -------------------------------------------------------------------------------------

W = 403
MATRIX = [
    # The export page and the preparation: the dashboard's readers, the programme office and the ministry.
    ("dossiers:export", "get", [LOGIN, W, W, 200, 200, W]),
    ("dossiers:request_cycle", "post", [LOGIN, W, W, 302, 302, W]),
    ("dossiers:detail", "get", [LOGIN, W, W, 200, 200, W]),
    ("dossiers:download", "get", [LOGIN, W, W, 200, 200, W]),
]


@pytest.fixture
def world(cycle):
    dossier = Dossier(kind=CSV, cycle=cycle, status=DossierStatus.READY, progress=100, fingerprint="0" * 64)
    dossier.file.save("export.csv", ContentFile("\ufeffBündnis\n".encode()), save=False)
    dossier.row_count = 0
    dossier.finished_at = timezone.now()
    dossier.save()
    return {"cycle": cycle, "dossier": dossier, "actors": role_actors(manager=manager_of(AllianceFactory()))}


def url_for(name, world, cycle_slug=None, kind=CSV):
    cycle_slug = cycle_slug or world["cycle"].slug
    if name in ("dossiers:detail", "dossiers:download"):
        return reverse(name, args=[world["dossier"].public_id])
    return reverse(name, args=[kind, cycle_slug])


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX))
def test_dashboard_export_permission_matrix(client, world, name, method, actor, want):
    url = url_for(name, world)
    response = request_as(client, world["actors"][actor], method, url)
    assert_status(response, want, f"{actor} {method.upper()} {url}")


@pytest.mark.parametrize("actor", ["programme_office", "ministry"])
def test_an_unknown_cycle_or_a_kind_that_is_no_export_answers_404(client, world, actor):
    client.force_login(world["actors"][actor])
    assert client.get(url_for("dossiers:export", world, cycle_slug="gibt-es-nicht")).status_code == 404
    assert client.post(url_for("dossiers:request_cycle", world, cycle_slug="gibt-es-nicht")).status_code == 404
    assert client.get(url_for("dossiers:export", world, kind=DossierKind.CYCLE_REPORT)).status_code == 404


def test_an_export_of_another_cycle_is_found_by_its_own_cycle_only(client, world):
    other = EvaluationCycleFactory()
    client.force_login(world["actors"]["ministry"])
    page = client.get(url_for("dossiers:export", world, cycle_slug=other.slug)).content.decode()
    assert reverse("dossiers:download", args=[world["dossier"].public_id]) not in page


def test_programme_office_lists_export_dossiers_and_managers_do_not(world):
    assert world["dossier"] in Dossier.objects.visible_to(world["actors"]["programme_office"])
    assert world["dossier"] not in Dossier.objects.visible_to(world["actors"]["expert"])


WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
HARMLESS = re.compile(r'"django_session"|SET "last_login"|INTO "dossiers_dossierdownload"', re.IGNORECASE)
# The session and its user, the cycle, the COUNT of the rows and the export already made for these inputs.
OFFER_QUERIES = 5


@pytest.mark.parametrize("size", [24, 240])
def test_the_export_page_takes_the_same_queries_at_24_and_240_alliances_and_never_writes(client, cycle, size):
    actors = build_programme(cycle, size)
    client.force_login(actors["programme_office"])
    url = reverse("dossiers:export", args=[XLSX, cycle.slug])
    client.get(url)  # the session warmed outside the count
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"sort": "-median"})
    assert response.status_code == 200
    assert f"Der Export umfasst {size} Zeilen." in response.content.decode()
    assert len(queries) == OFFER_QUERIES, [query["sql"][:120] for query in queries.captured_queries]
    assert not [q["sql"] for q in queries.captured_queries if WRITE.match(q["sql"]) and not HARMLESS.search(q["sql"])]


@pytest.mark.parametrize("name", ["export_csv", "export_xlsx"])
@pytest.mark.parametrize("threshold", [0, 500])
def test_a_dashboard_export_get_never_writes_whether_streamed_or_sent_to_the_worker_page(
    client, cycle, small, settings, name, threshold
):
    settings.EXPORT_STREAM_MAX_ROWS = threshold
    client.force_login(small["ministry"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(dashboard_url(cycle, name))
        if response.status_code == 302:
            response = client.get(response["Location"])
        response.getvalue()
    assert response.status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if WRITE.match(q["sql"]) and not HARMLESS.search(q["sql"])]
    assert not Dossier.objects.exists()
