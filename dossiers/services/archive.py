"""The cycle archive: the evaluation dossier of every submitted strategy and the cycle report in one ZIP.

Each part is reused when it is ready and rendered on its own otherwise. A part that cannot be rendered does not
stop the archive: the manifest (`inhalt.csv` and the cover page `00_inhalt.pdf`) names every part with its state,
and the archive itself carries a warning for each missing one. An archive with missing parts is rendered again,
as its next generation, when it is requested again; its ready parts are reused then.
"""

import io
import logging
import time
import zipfile
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import OperationalError
from django.db.models import TextChoices
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliances.models import Strategy
from decisions.exports import to_csv
from dossiers import rendering
from dossiers.models import DossierKind, DossierStatus, dossier_filename
from dossiers.services.failures import failed_message
from dossiers.services.requests import request_dossier
from portal.exceptions import Refusal

logger = logging.getLogger(__name__)

MANIFEST_CSV = "inhalt.csv"
MANIFEST_PDF = "00_inhalt.pdf"
MANIFEST_TEMPLATE = "dossiers/print/archive_contents.html"


class PartState(TextChoices):
    COMPLETE = "complete", gettext_lazy("vollständig")
    WITH_NOTES = "with_notes", gettext_lazy("mit Hinweisen")
    MISSING = "missing", gettext_lazy("fehlt")


@dataclass
class ArchivePart:
    kind: str
    alliance: str  # empty for the cycle report
    filename: str
    state: str = PartState.COMPLETE
    notes: list[str] = field(default_factory=list)
    page_count: int = 0
    content: bytes | None = None

    @property
    def kind_label(self):
        return str(DossierKind(self.kind).label)

    @property
    def state_label(self):
        return str(PartState(self.state).label)

    def missing_warning(self):
        """The archive's warning about this part, when it is missing."""
        reason = " ".join(self.notes)
        if self.kind == DossierKind.EVALUATION:
            return _("Das Bewertungs-Dossier „%(alliance)s“ fehlt im Archiv. %(reason)s") % {
                "alliance": self.alliance,
                "reason": reason,
            }
        return _("Der Bericht zur Begutachtungsrunde fehlt im Archiv. %(reason)s") % {"reason": reason}


@dataclass
class BuiltArchive:
    content: bytes
    page_count: int
    warnings: list[str]
    missing_parts: int
    parts: list[ArchivePart]


def build_archive(dossier, *, render_part, progress):
    """The ZIP of the archive `dossier`: its parts, rendered with `render_part` (dossiers.services.render_dossier)
    where they are not ready, and the manifest. Reports progress up to 90 %. Parts whose rendering would start
    after half of the task's soft time limit are listed as missing, so that the archive is still written."""
    cycle = dossier.cycle
    strategies = list(
        Strategy.objects.submitted().filter(cycle=cycle).select_related("alliance").order_by("alliance__name")
    )
    deadline = time.monotonic() + settings.DOSSIER_RENDER_SOFT_SECONDS / 2
    parts = []
    for index, strategy in enumerate(strategies, start=1):
        parts.append(_part(DossierKind.EVALUATION, cycle, strategy, render_part=render_part, deadline=deadline))
        progress(min(90, int(90 * index / (len(strategies) + 1))))
    parts.append(_part(DossierKind.CYCLE_REPORT, cycle, None, render_part=render_part, deadline=deadline))
    with translation.override("de"):
        warnings = [part.missing_warning() for part in parts if part.state == PartState.MISSING]
        cover = _cover_pdf(cycle, parts)
        if cover is None:
            warnings.append(
                _("Das Inhaltsverzeichnis %(pdf)s konnte nicht erstellt werden; %(csv)s im Archiv nennt alle Teile.")
                % {"pdf": MANIFEST_PDF, "csv": MANIFEST_CSV}
            )
        manifest = manifest_csv(parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        if cover is not None:
            bundle.writestr(MANIFEST_PDF, cover.content)
        bundle.writestr(MANIFEST_CSV, manifest.encode("utf-8"))
        for part in parts:
            if part.content is not None:
                bundle.writestr(part.filename, part.content)
    return BuiltArchive(
        content=buffer.getvalue(),
        page_count=(cover.page_count if cover else 0) + sum(part.page_count for part in parts),
        warnings=warnings,
        missing_parts=sum(part.state == PartState.MISSING for part in parts),
        parts=parts,
    )


def _part(kind, cycle, strategy, *, render_part, deadline):
    """One part of the archive with its file's content, or missing with the reason."""
    subject = strategy.alliance.slug if strategy else cycle.slug
    part = ArchivePart(
        kind=kind,
        alliance=strategy.alliance.name if strategy else "",
        filename=dossier_filename(kind, subject, timezone.localdate()),
    )
    try:
        dossier = request_dossier(kind=kind, cycle=cycle, strategy=strategy, enqueue=False)
        part.filename = dossier.filename
        dossier = _ready_or_done(dossier, render_part=render_part, deadline=deadline)
        if dossier.status == DossierStatus.READY:
            with dossier.file.open("rb") as handle:
                part.content = handle.read()
            part.page_count = dossier.page_count or 0
            part.notes = [str(warning) for warning in dossier.warnings]
            part.state = PartState.WITH_NOTES if part.notes else PartState.COMPLETE
            return part
        reason = dossier.error_message or _(
            "Die Zeit für dieses Archiv reichte für diesen Teil nicht aus. Bitte fordern Sie das Archiv erneut an; "
            "die fertigen Teile werden dabei wiederverwendet."
        )
    except (OperationalError, SoftTimeLimitExceeded):
        raise  # the database is away, or the archive itself ran out of time: the archive cannot be written
    except Refusal as refusal:
        reason = refusal.message
    except Exception:  # noqa: BLE001 - one part's fault must not stop the archive
        logger.exception("part %s of %s missing from the archive", kind, subject)
        reason = failed_message()
    part.state = PartState.MISSING
    part.notes = [str(reason)]
    part.content = None
    part.page_count = 0
    return part


def _ready_or_done(dossier, *, render_part, deadline):
    """Renders the part unless it is done; waits for one that another worker renders, up to the deadline."""
    while not dossier.is_done and time.monotonic() < deadline:
        dossier = render_part(dossier_id=dossier.pk)
        if not dossier.is_done:  # rendered elsewhere: look again, and take it over if that worker falls silent
            time.sleep(1)
    return dossier


def manifest_csv(parts):
    """`inhalt.csv`: one row per part, UTF-8 with BOM and semicolons, as spreadsheets in German expect."""
    header = [_("Datei"), _("Bündnis"), _("Art"), _("Seiten"), _("Zustand"), _("Hinweise")]
    body = [
        [
            part.filename,
            part.alliance or "–",
            part.kind_label,
            part.page_count if part.state != PartState.MISSING else "",
            part.state_label,
            " ".join(part.notes),
        ]
        for part in parts
    ]
    return to_csv(header, body)


def _cover_pdf(cycle, parts):
    """The cover page that lists the parts, as a tagged PDF; None when it cannot be rendered."""
    missing = sum(part.state == PartState.MISSING for part in parts)
    context = {
        "title": f"Inhalt des ZIP-Archivs: {cycle.name}",
        "subject": cycle.name,
        "cycle": cycle,
        "parts": parts,
        "missing": missing,
        "complete": len(parts) - missing,
        "manifest_csv": MANIFEST_CSV,
        "generated_at": timezone.now(),
    }
    try:
        built = rendering.build_pdf(html=rendering.render_html(MANIFEST_TEMPLATE, context), uploads=[])
    except SoftTimeLimitExceeded:
        raise
    except Exception:  # noqa: BLE001 - the CSV names every part as well
        logger.exception("cover page of the archive of cycle %s not rendered", cycle.pk)
        return None
    return built
