"""The dashboard's CSV and XLSX exports: streamed while they are small, prepared by a worker when they are large.

Up to EXPORT_STREAM_MAX_ROWS rows the file goes straight to the browser, row by row. Above that the GET leads to
the dossiers app's export page, whose button has a worker write the file with progress (the decisions stage does
not import the dossiers stage; it only names its route).
"""

import tempfile
from urllib.parse import urlencode

from django.conf import settings
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from decisions import exports
from decisions.views.dashboard import cycle_for

# The dossier kinds of the large exports (dossiers.models.DossierKind), by file extension.
EXPORT_KINDS = {"csv": "dashboard_csv", "xlsx": "dashboard_xlsx"}


def export_name(cycle, extension):
    return f"dashboard_{cycle.slug}_{timezone.localdate():%Y-%m-%d}.{extension}"


def _filters_and_size(request, cycle):
    filters = exports.filters_from(request.GET)
    return filters, exports.row_count(cycle=cycle, filters=filters)


def _prepared_by_a_worker(cycle, extension, filters):
    """The dossiers app's page that offers to prepare this export in the background."""
    url = reverse("dossiers:export", args=[EXPORT_KINDS[extension], cycle.slug])
    return redirect(f"{url}?{urlencode(exports.filters_as_dict(filters))}")


@require_GET
def export_csv(request, cycle_slug):
    cycle = cycle_for(request, cycle_slug)
    filters, size = _filters_and_size(request, cycle)
    if size > settings.EXPORT_STREAM_MAX_ROWS:
        return _prepared_by_a_worker(cycle, "csv", filters)
    response = StreamingHttpResponse(
        exports.stream_csv(cycle=cycle, filters=filters, language=translation.get_language()),
        content_type=exports.CSV_CONTENT_TYPE,
    )
    response["Content-Disposition"] = f'attachment; filename="{export_name(cycle, "csv")}"'
    return response


@require_GET
def export_xlsx(request, cycle_slug):
    cycle = cycle_for(request, cycle_slug)
    filters, size = _filters_and_size(request, cycle)
    if size > settings.EXPORT_STREAM_MAX_ROWS:
        return _prepared_by_a_worker(cycle, "xlsx", filters)
    # A zip cannot be streamed while it is written; a temporary file keeps it out of memory, and goes when closed.
    workbook = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    exports.write_xlsx(
        workbook, exports.header(), exports.export_values(cycle=cycle, filters=filters), title=cycle.name
    )
    workbook.seek(0)
    return FileResponse(
        workbook, as_attachment=True, filename=export_name(cycle, "xlsx"), content_type=exports.XLSX_CONTENT_TYPE
    )
