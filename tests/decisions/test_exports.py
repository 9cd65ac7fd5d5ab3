"""The dashboard's CSV and XLSX exports: the page's numbers in every column and both languages, streamed row by
row, a constant number of queries, and the way to the worker when they are large (tests/dossiers/test_exports.py
follows the worker's side)."""

import csv
import io
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from alliances.models import Alliance
from decisions import dashboard
from tests.decisions.test_dashboard import build_cycle, dashboard_url, german_number, page_rows

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def small(cycle):
    return build_cycle(cycle, 10)


def export(client, cycle, name, **query):
    response = client.get(dashboard_url(cycle, name, **query))
    assert response.status_code == 200
    return response


def csv_table(response_or_content):
    content = response_or_content if isinstance(response_or_content, bytes) else response_or_content.getvalue()
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def sheet_rows(response):
    return list(load_workbook(io.BytesIO(response.getvalue())).active.values)


def page_values(cycle, filters):
    """The header and the values of the page's rows (dashboard.rows_for), column by column, in the active
    language."""
    header = [str(label) for _key, label in dashboard.COLUMNS]
    rows = [dashboard.export_row(row) for row in dashboard.rows_for(cycle=cycle, filters=filters)]
    return header, [[row[key] for key, _label in dashboard.COLUMNS] for row in rows]


def test_csv_export_streams_the_numbers_of_the_page(client, cycle, small):
    client.force_login(small["ministry"])
    page = page_rows(client.get(dashboard_url(cycle, sort="-median")))
    response = export(client, cycle, "export_csv", sort="-median")
    assert isinstance(response, StreamingHttpResponse) and not isinstance(response, FileResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().strftime("%Y-%m-%d")
    assert response["Content-Disposition"] == f'attachment; filename="dashboard_{cycle.slug}_{today}.csv"'
    table = csv_table(response)
    header, body = table[0], table[1:]
    assert header[:2] == ["Bündnis", "Bundesland"] and "Median" in header
    column = {name: header.index(name) for name in header}
    assert len(body) == len(page) == 10
    for exported, shown in zip(body, page, strict=True):
        assert exported[column["Bündnis"]] == shown[0].split(" Feld ")[0]
        assert exported[column["Gutachten (abgegeben / erwartet)"]] == shown[3]
        assert german_number(exported[column["Mittelwert"]] or "—") == german_number(shown[4])
        assert german_number(exported[column["Median"]] or "—") == german_number(shown[5])
        assert german_number(exported[column["Spannweite"]] or "—") == german_number(shown[6].split()[0])
        assert exported[column["Uneinigkeit"]] == ("ja" if "uneinig" in shown[6] else "nein")
        assert exported[column["Empfehlungen (fördern / mit Auflagen / nicht fördern)"]] == shown[7]
        assert german_number(exported[column["Beantragt (EUR)"]]) == german_number(shown[9])
        assert german_number(exported[column["Bewilligt (EUR)"]] or "—") == german_number(shown[11])


def test_xlsx_export_is_a_file_response_with_the_numbers_of_the_page(client, cycle, small):
    client.force_login(small["office"])
    page = page_rows(client.get(dashboard_url(cycle, sort="alliance", state="SN")))
    response = export(client, cycle, "export_xlsx", sort="alliance", state="SN")
    assert isinstance(response, FileResponse)
    assert response["Content-Type"] == XLSX
    today = timezone.localdate().strftime("%Y-%m-%d")
    assert response["Content-Disposition"] == f'attachment; filename="dashboard_{cycle.slug}_{today}.xlsx"'
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    assert sheet.title == cycle.name[:31]
    assert all(cell.font.bold for cell in sheet[1])
    values = list(sheet.values)
    header, body = list(values[0]), values[1:]
    column = {name: header.index(name) for name in header}
    assert len(body) == len(page) == 3
    for exported, shown in zip(body, page, strict=True):
        assert exported[column["Bündnis"]] == shown[0].split(" Feld ")[0]
        for name, index in (("Mittelwert", 4), ("Median", 5)):
            number = exported[column[name]]
            assert isinstance(number, (float, int)) or number is None
            assert (None if number is None else Decimal(str(number))) == german_number(shown[index])
        assert Decimal(str(exported[column["Beantragt (EUR)"]])) == german_number(shown[9])


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("sort", ["alliance", "-median", "requested", "-decision"])
def test_every_column_of_both_exports_equals_the_page_at_24_alliances(client, cycle, language, sort):
    users = build_cycle(cycle, 24)
    client.force_login(users["ministry"])
    query = {"sort": sort}
    streamed = csv_table(client.get(dashboard_url(cycle, "export_csv", **query), HTTP_ACCEPT_LANGUAGE=language))
    sheet = sheet_rows(client.get(dashboard_url(cycle, "export_xlsx", **query), HTTP_ACCEPT_LANGUAGE=language))
    with translation.override(language):
        header, body = page_values(cycle, dashboard.DashboardFilters(sort=sort))
        separator = "," if language == "de" else "."
        expected_csv = [
            [
                ""
                if value is None
                else format(value, "f").replace(".", separator)
                if isinstance(value, Decimal)
                else value
                for value in row
            ]
            for row in body
        ]
    assert len(body) == 24
    assert streamed[0] == header and list(sheet[0]) == header
    assert streamed[1:] == expected_csv
    # A spreadsheet has no empty text: an empty cell reads back as None.
    expected_sheet = [
        [float(value) if isinstance(value, Decimal) else value if value != "" else None for value in row]
        for row in body
    ]
    assert [list(row) for row in sheet[1:]] == expected_sheet
    assert ("Disagreement" in header) == (language == "en")


def test_exports_neutralise_formula_injection(client, cycle, small):
    Alliance.objects.filter(slug="b-000").update(
        name='=HYPERLINK("http://evil.example","x")', innovation_field="+SUM(A1:A2)"
    )
    Alliance.objects.filter(slug="b-001").update(name="@cmd|' /C calc'!A0", innovation_field="-2+3")
    client.force_login(small["ministry"])
    cells = [cell for row in csv_table(export(client, cycle, "export_csv")) for cell in row]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells
    assert "'+SUM(A1:A2)" in cells and "'-2+3" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)

    sheet = load_workbook(io.BytesIO(export(client, cycle, "export_xlsx").getvalue())).active
    texts = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for cell in texts)
    strings = [cell.value for cell in texts if isinstance(cell.value, str)]
    assert '\'=HYPERLINK("http://evil.example","x")' in strings
    assert not any(value.startswith(("=", "+", "-", "@")) for value in strings)


def test_exports_follow_the_filters_of_the_page(client, cycle, small):
    client.force_login(small["ministry"])
    table = csv_table(export(client, cycle, "export_csv", status="draft"))
    assert [row[0] for row in table[1:]] == ["Bündnis 004", "Bündnis 009"]
    sheet = sheet_rows(export(client, cycle, "export_xlsx", status="draft"))
    assert [row[0] for row in sheet[1:]] == ["Bündnis 004", "Bündnis 009"]


def test_the_disagreement_column_speaks_the_active_language(client, cycle, small):
    client.force_login(small["ministry"])
    german = csv_table(client.get(dashboard_url(cycle, "export_csv"), HTTP_ACCEPT_LANGUAGE="de"))
    english = csv_table(client.get(dashboard_url(cycle, "export_csv"), HTTP_ACCEPT_LANGUAGE="en"))
    german_column = [row[german[0].index("Uneinigkeit")] for row in german[1:]]
    english_column = [row[english[0].index("Disagreement")] for row in english[1:]]
    assert set(german_column) == {"ja", "nein"}
    assert english_column == [{"ja": "yes", "nein": "no"}[value] for value in german_column]
    rows = sheet_rows(client.get(dashboard_url(cycle, "export_xlsx"), HTTP_ACCEPT_LANGUAGE="en"))
    assert [row[rows[0].index("Disagreement")] for row in rows[1:]] == english_column


# The session and its user, the cycle, the COUNT that decides between streaming and the worker, the rows (one
# server-side cursor) and the alliances' states (one prefetch per chunk of rows).
EXPORT_QUERIES = 6


@pytest.mark.parametrize("name", ["export_csv", "export_xlsx"])
@pytest.mark.parametrize("size", [24, 240])
def test_export_query_count_is_the_same_at_24_and_240_alliances(client, cycle, name, size):
    users = build_cycle(cycle, size)
    client.force_login(users["ministry"])
    url = dashboard_url(cycle, name, sort="-median")
    client.get(url).getvalue()  # the session warmed outside the count
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        content = response.getvalue()  # a streamed body queries while it is read
    print("\n".join(query["sql"][:160] for query in queries.captured_queries))
    assert len(queries) == EXPORT_QUERIES
    rows = csv_table(content) if name == "export_csv" else list(load_workbook(io.BytesIO(content)).active.values)
    assert len(rows) == size + 1


@pytest.mark.parametrize(("name", "kind"), [("export_csv", "dashboard_csv"), ("export_xlsx", "dashboard_xlsx")])
def test_an_export_above_the_threshold_leads_to_the_page_that_has_a_worker_prepare_it(
    client, cycle, small, settings, name, kind
):
    settings.EXPORT_STREAM_MAX_ROWS = 7
    client.force_login(small["office"])
    filters = {"state": "", "status": "submitted", "recommendation": "", "sort": "-median"}
    response = client.get(dashboard_url(cycle, name, status="submitted", sort="-median"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('dossiers:export', args=[kind, cycle.slug])}?{urlencode(filters)}"
    # Up to the threshold it streams: 8 of the 10 alliances have submitted.
    settings.EXPORT_STREAM_MAX_ROWS = 8
    assert client.get(dashboard_url(cycle, name, status="submitted", sort="-median")).status_code == 200
