"""The dashboard as CSV and XLSX, with the same numbers the page shows."""

import io

from defusedcsv import csv
from openpyxl import Workbook
from openpyxl.styles import Font

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def dashboard_table(rows, columns):
    """Header and one list of plain values per row, in column order."""
    header = [str(label) for _key, label in columns]
    return header, [[row[key] for key, _label in columns] for row in rows]


def to_csv(header, body):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    for values in body:
        # defusedcsv escapes formula-like text; numbers stay numbers.
        writer.writerow(["" if value is None else value for value in values])
    return "\ufeff" + buffer.getvalue()


def to_xlsx(header, body, title):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in body:
        sheet.append([neutralise(value) for value in values])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
