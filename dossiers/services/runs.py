"""Rendering one dossier, with a heartbeat while it runs, and the sweep that finds renderings whose worker was lost."""

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import DatabaseError, OperationalError, connection, connections, transaction
from django.utils import timezone

from dossiers import contents, liveness, rendering
from dossiers.models import Dossier, DossierKind, DossierStatus
from dossiers.services import archive, exports
from dossiers.services.failures import failed_message, lost_message, overran_message
from dossiers.services.requests import enqueue_rendering
from portal.exceptions import Refusal

logger = logging.getLogger(__name__)

SWEEP_BATCH = 200


@dataclass
class Rendered:
    """What a rendering produced, before it is stored: its content, or a temporary file (`path`) that storing
    removes."""

    content: bytes | None
    page_count: int | None
    extension: str = "pdf"
    warnings: list[str] = field(default_factory=list)
    missing_parts: int = 0
    path: Path | None = None
    row_count: int | None = None


def render_dossier(*, dossier_id):
    """Renders one dossier; safe to run again for the same id (a task delivered again, or sent again by the sweep).

    Returns the dossier, or None when it no longer exists. Leaves alone a dossier that is ready or failed, and one
    that another worker is rendering right now (its heartbeat is fresh): that one is returned still rendering. A
    dossier whose worker fell silent is taken over.

    Side effects: sets status, progress and, while rendering, a heartbeat every DOSSIER_HEARTBEAT_SECONDS from a
    background thread; on success stores the file under the private root with its page count, render time and
    warnings; on failure keeps a readable German message and no file, and logs the fault for operators. A result
    that arrives after another run took the dossier over is thrown away.
    """
    with transaction.atomic():
        dossier = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("strategy__alliance", "cycle")
            .filter(pk=dossier_id)
            .first()
        )
        # A dossier deleted while its task waited (its subject was removed) leaves nothing to do.
        if dossier is None or dossier.is_done:
            return dossier
        now = timezone.now()
        if liveness.is_rendering_elsewhere(dossier, now=now):
            logger.info("dossier %s is being rendered by another worker; not starting a second rendering", dossier_id)
            return dossier
        if dossier.status == DossierStatus.RENDERING:
            logger.warning("dossier %s: its worker fell silent; rendering it again", dossier_id)
        dossier.status = DossierStatus.RENDERING
        dossier.started_at = dossier.heartbeat_at = now
        dossier.progress = 5
        dossier.attempts += 1
        dossier.save(update_fields=["status", "started_at", "heartbeat_at", "progress", "attempts"])
    run = dossier.started_at  # identifies this run: a run that was taken over stores nothing
    started = time.monotonic()
    with Heartbeat(dossier_id, run):
        try:
            rendered = _render(dossier)
            return _store(dossier_id, run, rendered, started)
        except OperationalError:
            raise  # the database is away: the task retries, and takes the dossier over once its heartbeat is stale
        except Refusal as refusal:  # the subject cannot have it, or the storage refused: a German message
            logger.warning("dossier %s not rendered: %s", dossier_id, refusal.message)
            return _fail(dossier_id, run, refusal.message)
        except SoftTimeLimitExceeded:
            logger.error("dossier %s ran out of time", dossier_id)
            return _fail(dossier_id, run, overran_message())
        except Exception:  # noqa: BLE001 - every rendering fault ends as a readable failed dossier
            logger.exception("dossier %s failed", dossier_id)
            return _fail(dossier_id, run, failed_message())


def _render(dossier):
    dossier_id = dossier.pk
    if dossier.is_export:
        written = exports.write_export(dossier, progress=lambda percent: _set_progress(dossier_id, percent))
        extension = "xlsx" if dossier.kind == DossierKind.DASHBOARD_XLSX else "csv"
        return Rendered(
            content=None, page_count=None, extension=extension, path=written.path, row_count=written.row_count
        )
    if dossier.kind == DossierKind.CYCLE_ARCHIVE:
        built = archive.build_archive(
            dossier, render_part=render_dossier, progress=lambda percent: _set_progress(dossier_id, percent)
        )
        return Rendered(
            content=built.content,
            page_count=built.page_count,
            extension="zip",
            warnings=built.warnings,
            missing_parts=built.missing_parts,
        )
    template, context = contents.template_and_context(dossier)
    _set_progress(dossier_id, 20)
    html = rendering.render_html(template, context)
    _set_progress(dossier_id, 35)
    built = rendering.build_pdf(
        html=html, uploads=context.get("uploads", []), progress=lambda percent: _set_progress(dossier_id, percent)
    )
    return Rendered(content=built.content, page_count=built.page_count, warnings=list(built.warnings))


def _set_progress(dossier_id, percent):
    Dossier.objects.filter(pk=dossier_id).update(progress=percent, heartbeat_at=timezone.now())


class Heartbeat:
    """While a rendering runs, a background thread writes `heartbeat_at` every DOSSIER_HEARTBEAT_SECONDS, so that
    the sweep can tell a slow rendering from one whose worker is gone (see dossiers/liveness.py).

    Not started inside an outer transaction: the rendering state is not committed there, so nobody could see
    it, and the thread would only wait for the transaction's row locks."""

    def __init__(self, dossier_id, run):
        self.dossier_id = dossier_id
        self.run = run
        self.interval = settings.DOSSIER_HEARTBEAT_SECONDS
        self.stopped = threading.Event()
        self.thread = None

    def __enter__(self):
        if not connection.in_atomic_block:
            self.thread = threading.Thread(target=self._beat, name=f"dossier-{self.dossier_id}-heartbeat", daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(timeout=self.interval + 10)
        return False

    def _beat(self):
        try:
            while not self.stopped.wait(self.interval):
                try:
                    Dossier.objects.filter(
                        pk=self.dossier_id, started_at=self.run, status=DossierStatus.RENDERING
                    ).update(heartbeat_at=timezone.now())
                except DatabaseError as error:  # a missed beat is harmless; the next one tries again
                    logger.warning("heartbeat of dossier %s not written: %s", self.dossier_id, error)
        finally:
            connections.close_all()  # this thread's connections only


def _store(dossier_id, run, rendered, started):
    """Stores the file and marks the dossier ready in one step; a file whose row is not saved is removed, and so
    is the rendering's temporary file."""
    stored = None
    try:
        with transaction.atomic():
            dossier = Dossier.objects.select_for_update().get(pk=dossier_id)
            if dossier.started_at != run or dossier.status == DossierStatus.READY:
                logger.warning("dossier %s was taken over by another rendering; this result is dropped", dossier_id)
                return dossier
            name = f"{dossier.public_id}.{rendered.extension}"
            if rendered.path:
                with rendered.path.open("rb") as written:
                    dossier.file.save(name, File(written), save=False)
            else:
                dossier.file.save(name, ContentFile(rendered.content), save=False)
            stored = dossier.file.name
            dossier.page_count = rendered.page_count
            dossier.row_count = rendered.row_count
            dossier.render_seconds = round(time.monotonic() - started, 3)
            dossier.status = DossierStatus.READY
            dossier.progress = 100
            dossier.error_message = ""
            dossier.warnings = [str(warning) for warning in rendered.warnings]
            dossier.missing_parts = rendered.missing_parts
            dossier.finished_at = timezone.now()
            dossier.save()
    except BaseException:
        if stored:
            dossier.file.storage.delete(stored)
        raise
    finally:
        if rendered.path:
            rendered.path.unlink(missing_ok=True)
    return dossier


def _fail(dossier_id, run, message):
    Dossier.objects.filter(pk=dossier_id, started_at=run).exclude(status=DossierStatus.READY).update(
        status=DossierStatus.FAILED, error_message=message, finished_at=timezone.now()
    )
    return Dossier.objects.get(pk=dossier_id)


@transaction.atomic
def sweep_pending_dossiers(*, now=None):
    """Looks at every queued or rendering dossier and applies the rule of dossiers/liveness.py.

    Side effects: sends the rendering task again (after commit) for a dossier whose task or worker was lost
    (`enqueue_rendering` records when); marks failed, with a German message, a dossier that overran its time or
    lost too many workers. Rows another transaction holds are left for the next sweep. Returns how many tasks
    were sent.
    """
    now = now or timezone.now()
    timing = liveness.RenderTiming.from_settings()
    pending = (
        Dossier.objects.select_for_update(skip_locked=True)
        .filter(status__in=[DossierStatus.QUEUED, DossierStatus.RENDERING])
        .order_by("created_at")[:SWEEP_BATCH]
    )
    sent = 0
    for dossier in pending:
        verdict = liveness.verdict_for(dossier, now=now, timing=timing)
        if verdict == liveness.Verdict.SEND_AGAIN:
            enqueue_rendering(dossier)
            sent += 1
        elif verdict in (liveness.Verdict.FAIL_OVERRAN, liveness.Verdict.FAIL_LOST):
            logger.error("dossier %s marked failed by the sweep: %s", dossier.pk, verdict)
            message = overran_message() if verdict == liveness.Verdict.FAIL_OVERRAN else lost_message(dossier.attempts)
            dossier.status = DossierStatus.FAILED
            dossier.error_message = message
            dossier.finished_at = now
            dossier.save(update_fields=["status", "error_message", "finished_at"])
    return sent
