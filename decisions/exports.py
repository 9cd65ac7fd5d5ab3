"""The dashboard as CSV and XLSX, with the same numbers the page shows."""

import io
from decimal import Decimal

from defusedcsv import csv
from django.utils import formats
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


def _csv_value(value):
    """Decimals with the active language's decimal separator (a comma in German, as Excel expects beside
    semicolons), text neutralised; defusedcsv then escapes what is left (`|`, `%`)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", formats.get_format("DECIMAL_SEPARATOR"))
    return neutralise(value)


def to_csv(header, body):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    for values in body:
        writer.writerow([_csv_value(value) for value in values])
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
            elif isinstance(cell.value, (Decimal, float)):
                places = -cell.value.as_tuple().exponent if isinstance(cell.value, Decimal) else 1
                cell.number_format = "#,##0.00" if places >= 2 else "0.0"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
