"""The dashboard as CSV and XLSX, with the same numbers the page shows, written row by row.

Small exports stream straight from the database to the browser (decisions/views/exports.py); large ones are
written to a file by a worker (dossiers/services/exports.py). Both read the rows through `export_values`.
"""

from dataclasses import asdict
from decimal import Decimal

from defusedcsv import csv
from django.utils import formats, translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from decisions import dashboard
from decisions.models import DecisionStatus

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows fetched per round trip of the server-side cursor; each chunk prefetches its alliances' states at once.
# Larger than the streaming threshold, so that a streamed export always takes the same number of queries.
CHUNK_ROWS = 1000
# Rows per piece of a streamed CSV: fewer, larger writes to the socket.
CSV_ROWS_PER_PIECE = 100
FILTER_NAMES = ("state", "status", "recommendation", "sort")


def neutralise(value):
    """Text a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def filters_from(data):
    """The dashboard filters of a query string, a form or a stored export (a mapping); unknown keys are ignored."""
    defaults = dashboard.DashboardFilters()
    return dashboard.DashboardFilters(**{name: str(data.get(name, getattr(defaults, name))) for name in FILTER_NAMES})


def filters_as_dict(filters):
    return asdict(filters)


def filtered_rows(*, cycle, filters):
    """The dashboard's queryset with the page's filters and order."""
    return dashboard.filter_and_sort(dashboard.dashboard_queryset(cycle=cycle), filters)


def row_count(*, cycle, filters):
    """How many rows the export has: one COUNT, without the statistics (Django drops unused annotations)."""
    return filtered_rows(cycle=cycle, filters=filters).count()


def header():
    return [str(label) for _key, label in dashboard.COLUMNS]


def _labelled(row):
    # The label `export_row` reads; `dashboard.rows_for` sets it on the rows of the page the same way.
    row.decision_status_label = DecisionStatus(row.decision_status).label if row.decision_status else ""
    return row


def export_values(*, cycle, filters, chunk_size=CHUNK_ROWS):
    """One list of plain values per dashboard row, in column order, fetched `chunk_size` rows at a time."""
    keys = [key for key, _label in dashboard.COLUMNS]
    for row in filtered_rows(cycle=cycle, filters=filters).iterator(chunk_size=chunk_size):
        values = dashboard.export_row(_labelled(row))
        yield [values[key] for key in keys]


# --- CSV ----------------------------------------------------------------------------------------------------


class _Echo:
    """A file that hands back what is written, so that the CSV writer formats one line at a time."""

    def write(self, text):
        return text


def _csv_value(value):
    """Decimals with the active language's decimal separator (a comma in German, as Excel expects beside
    semicolons), text neutralised; defusedcsv then escapes what is left (`|`, `%`)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", formats.get_format("DECIMAL_SEPARATOR"))
    return neutralise(value)


def csv_pieces(header_row, rows, *, rows_per_piece=CSV_ROWS_PER_PIECE):
    """The CSV as text pieces: byte order mark and header first, then the rows a few at a time."""
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow(header_row)
    lines = []
    for values in rows:
        lines.append(writer.writerow([_csv_value(value) for value in values]))
        if len(lines) >= rows_per_piece:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def to_csv(header_row, body):
    """A whole (small) CSV as one text, e.g. the manifest of the cycle archive."""
    return "".join(csv_pieces(header_row, body))


def stream_csv(*, cycle, filters, language):
    """The CSV of the dashboard in `language`, as a generator for a StreamingHttpResponse. It runs after the
    view has returned, so it sets the language itself."""
    with translation.override(language):
        yield from csv_pieces(header(), export_values(cycle=cycle, filters=filters))


# --- XLSX ---------------------------------------------------------------------------------------------------


def _xlsx_cell(sheet, value):
    cell = WriteOnlyCell(sheet, value=neutralise(value))
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text
    elif isinstance(value, (Decimal, float)):
        places = -value.as_tuple().exponent if isinstance(value, Decimal) else 1
        cell.number_format = "#,##0.00" if places >= 2 else "0.0"
    return cell


def write_xlsx(target, header_row, rows, *, title):
    """Writes the workbook to `target` (a path or a binary file) in openpyxl's write-only mode, which keeps only
    the current row in memory."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    header_cells = []
    for label in header_row:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for values in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in values])
    workbook.save(target)
