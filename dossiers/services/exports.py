"""Writing a large dashboard export to a file, row by row, with progress (the worker's side of
decisions/views/exports.py)."""

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.utils import translation

from decisions import exports
from dossiers.models import DossierKind

# Progress is written every this many rows; between 5 % (started) and 95 % (stored next).
PROGRESS_EVERY_ROWS = 250
FIRST_PERCENT, LAST_PERCENT = 5, 95


@dataclass
class WrittenExport:
    path: Path  # a temporary file; whoever stores it removes it
    row_count: int


class _Counted:
    """Passes the rows through, counting them, and reports the share written every PROGRESS_EVERY_ROWS rows."""

    def __init__(self, rows, *, total, progress):
        self.rows, self.total, self.progress, self.count = rows, total, progress, 0

    def __iter__(self):
        for values in self.rows:
            self.count += 1
            if self.count % PROGRESS_EVERY_ROWS == 0 and self.total:
                share = min(self.count, self.total) / self.total
                self.progress(FIRST_PERCENT + int((LAST_PERCENT - FIRST_PERCENT) * share))
            yield values


def write_export(dossier, *, progress):
    """Writes the dashboard export `dossier` describes (its cycle, filters and language) to a temporary file.

    Side effects: reports progress through `progress(percent)`; creates a temporary file the caller removes."""
    cycle = dossier.cycle
    filters = exports.filters_from(dossier.export_filters)
    suffix = ".xlsx" if dossier.kind == DossierKind.DASHBOARD_XLSX else ".csv"
    handle, name = tempfile.mkstemp(prefix="export-", suffix=suffix)
    path = Path(name)
    try:
        with translation.override(dossier.language or None), os.fdopen(handle, "wb") as target:
            total = exports.row_count(cycle=cycle, filters=filters)
            rows = _Counted(exports.export_values(cycle=cycle, filters=filters), total=total, progress=progress)
            if dossier.kind == DossierKind.DASHBOARD_XLSX:
                exports.write_xlsx(target, exports.header(), rows, title=cycle.name)
            else:
                for piece in exports.csv_pieces(exports.header(), rows):
                    target.write(piece.encode("utf-8"))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return WrittenExport(path=path, row_count=rows.count)
