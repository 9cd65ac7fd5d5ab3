"""Every uploaded PDF goes one way: a quick check in the request, the raw file into quarantine, then a bounded
inspection in the worker that keeps only a cleaned copy.

Strategy documents, annexes and question attachments all take this path. A stage registers its kind of upload
(`register_pdf_upload`) with the service that records the outcome on its row; the task `check_uploaded_pdf`
finds the kind by the model's label, so the portal never imports a later stage.
"""

import hashlib
import logging
import tempfile
import unicodedata
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.exceptions import Refusal
from portal.storage import StorageRefused

logger = logging.getLogger(__name__)

MAX_NAME_LENGTH = 200
QUARANTINE_FOLDER = "quarantine"
# Bytes before the header that a PDF reader tolerates; what qpdf repairs is checked in the worker.
HEADER_WINDOW = 1024


class CheckStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("wird geprüft")
    CHECKED = "checked", gettext_lazy("geprüft")
    REFUSED = "refused", gettext_lazy("abgelehnt")


class UploadNotStored(Refusal):
    """The file could not be written (disk full, folder not writable); nothing was kept."""


@dataclass(frozen=True)
class ReceivedPdf:
    """What the request learns of an upload before it is stored: its names, size and the uploader's hash."""

    original_name: str
    served_name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class PdfCheckOutcome:
    """The worker's verdict on one upload: the cleaned copy's storage name and findings, or a German refusal."""

    accepted: bool
    file_name: str = ""
    findings: object = None
    message: str = ""

    @property
    def removed(self):
        """Codes of removed content, 'code:count' where there was more than one."""
        if self.findings is None:
            return ()
        counts = dict(self.findings.removed_counts)
        return tuple(f"{code}:{counts[code]}" if counts.get(code, 1) > 1 else code for code in self.findings.removed)


@dataclass(frozen=True)
class PdfUploadKind:
    """One kind of uploaded PDF. `record(pk=, outcome=)` stores the outcome on the row in the caller's transaction
    and returns False when the row no longer waits for it (then the cleaned copy is discarded)."""

    model_label: str
    file_field: str
    status_field: str
    uploaded_at_field: str
    record: Callable = field(compare=False)


_KINDS = {}


def register_pdf_upload(kind):
    """Called from an app's `ready()`; the task resolves uploads through this registry."""
    _KINDS[kind.model_label] = kind


def registered_pdf_uploads():
    return list(_KINDS.values())


# --- Names ----------------------------------------------------------------------------------------------------


def clean_original_name(raw_name):
    """Keeps the last path part, drops control and format characters (such as a right-to-left override) and
    shortens it, keeping its extension."""
    name = PureWindowsPath(PurePosixPath(raw_name or "").name).name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not name:
        name = "dokument.pdf"
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, "pdf"
    if len(name) > MAX_NAME_LENGTH:
        name = f"{stem[: MAX_NAME_LENGTH - len(suffix) - 1]}.{suffix}"
    return name


def served_name(original_name):
    """The name a download carries: the cleaned name's stem with '.pdf', whatever the uploader chose."""
    name = clean_original_name(original_name)
    stem, dot, _suffix = name.rpartition(".")
    stem = (stem if dot else name).strip().strip(".") or "dokument"
    return f"{stem}.pdf"


# --- In the request -------------------------------------------------------------------------------------------


def receive_pdf(uploaded_file, *, max_bytes=None):
    """The checks a request can afford: not empty, within the size limit, a PDF header near the start.

    Raises ValidationError with the German message; everything else is checked in the worker.
    """
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    size = uploaded_file.size or 0
    if size == 0:
        raise ValidationError(_("Die Datei ist leer."), code="empty")
    if size > max_bytes:
        raise ValidationError(
            _("Die Datei ist %(size)s groß; erlaubt sind höchstens %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    uploaded_file.seek(0)
    head = uploaded_file.read(HEADER_WINDOW)
    if b"%PDF-" not in head:
        uploaded_file.seek(0)
        raise ValidationError(
            _("Die Datei ist kein PDF-Dokument. Bitte laden Sie eine PDF-Datei hoch."), code="not_pdf"
        )
    uploaded_file.seek(0)
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    original = clean_original_name(uploaded_file.name)
    return ReceivedPdf(original_name=original, served_name=served_name(original), size=size, sha256=digest.hexdigest())


QUICK_CHECK_CODES = frozenset({"empty", "too_large", "not_pdf"})


def _storage_failure_message():
    return _(
        "Die Datei konnte nicht gespeichert werden. Es wurde nichts übernommen. Bitte versuchen Sie es später "
        "erneut; besteht das Problem weiter, wenden Sie sich an den Projektträger."
    )


def quarantine_pdf(uploaded_file, *, storage=None):
    """Stores the raw upload under a server name in the quarantine folder and returns that name.

    Side effects: writes one file. Raises UploadNotStored (a Refusal with a German message) for any storage
    fault; nothing partial is left behind.
    """
    storage = storage or default_storage
    name = f"{QUARANTINE_FOLDER}/{uuid.uuid4().hex}.pdf"
    uploaded_file.seek(0)
    try:
        stored = storage.save(name, uploaded_file)
    except StorageRefused as refusal:
        discard_stored(name, storage=storage)
        raise UploadNotStored(refusal.message) from None
    except OSError as error:
        logger.error("could not store an upload in quarantine: %s", error)
        discard_stored(name, storage=storage)
        raise UploadNotStored(_storage_failure_message()) from None
    return stored


def discard_stored(name, *, storage=None):
    """Removes a stored file if it is there; a missing file or a failing disk is only logged."""
    if not name:
        return
    storage = storage or default_storage
    try:
        storage.delete(name)
    except OSError as error:
        logger.warning("could not remove %s: %s", name, error)


def store_then_create(uploaded_file, create):
    """Writes the raw file first, then calls `create(quarantine_name)` (a transaction that makes the row); if
    that fails, the file goes again. Returns what `create` returns."""
    stored = quarantine_pdf(uploaded_file)
    try:
        return create(stored)
    except BaseException:
        discard_stored(stored)
        raise


def queue_pdf_check(instance):
    """After the row is committed, the check runs in the worker (in-process where there is no broker)."""
    from portal.tasks import check_uploaded_pdf

    label, pk = instance._meta.label, instance.pk
    transaction.on_commit(lambda: check_uploaded_pdf.delay(label, pk), robust=True)


# --- In the worker --------------------------------------------------------------------------------------------


def _refusal_messages():
    return {
        "not_pdf": _("Die Datei ist kein PDF-Dokument. Bitte laden Sie eine PDF-Datei hoch."),
        "encrypted": _("Die PDF-Datei ist verschlüsselt oder passwortgeschützt. Bitte laden Sie sie ohne Schutz hoch."),
        "damaged": _(
            "Die PDF-Datei ist beschädigt und kann nicht gelesen werden. Bitte erzeugen Sie sie neu und laden "
            "Sie sie erneut hoch."
        ),
        "page_box": _(
            "Seite %(page)s der PDF-Datei hat ein ungültiges Seitenformat (leer, negativ oder übergroß). Bitte "
            "erzeugen Sie die Datei neu, zum Beispiel mit „Als PDF drucken“, und laden Sie sie erneut hoch."
        ),
        "too_many_pages": _(
            "Die PDF-Datei hat %(count)s Seiten; erlaubt sind höchstens %(limit)s. Bitte kürzen Sie das Dokument "
            "oder teilen Sie es auf."
        ),
        "no_pages": _("Die PDF-Datei enthält keine Seiten."),
        "bomb": _(
            "Die PDF-Datei enthält gepackte Inhalte, die entpackt weit größer sind als erlaubt. Bitte erzeugen Sie "
            "die Datei neu und laden Sie sie erneut hoch."
        ),
        "too_complex": _(
            "Die PDF-Datei ist zu aufwendig, um sie in der vorgesehenen Zeit zu prüfen. Bitte vereinfachen oder "
            "verkleinern Sie sie (zum Beispiel mit „Als PDF drucken“) und laden Sie sie erneut hoch."
        ),
    }


def could_not_check_message():
    return _("Die Datei konnte nicht geprüft werden. Bitte laden Sie sie erneut hoch.")


def refusal_message(code, params=None):
    """The German message for a PdfRefused code; an unknown code reads as "could not be checked"."""
    template = _refusal_messages().get(code)
    if template is None:
        return could_not_check_message()
    try:
        return template % dict(params or {})
    except (KeyError, TypeError, ValueError):
        return template.replace("%(page)s", "?").replace("%(count)s", "?").replace("%(limit)s", "?")


def _removed_labels():
    return {
        "open_action": _("Aktion beim Öffnen des Dokuments"),
        "javascript": _("JavaScript"),
        "launch": _("Befehl zum Starten eines Programms"),
        "embedded_file": _("eingebettete Datei"),
        "rich_media": _("Multimedia-Inhalt"),
        "xfa": _("XFA-Formular"),
        "link_scheme": _("Verweis auf etwas anderes als eine Webseite"),
        "submit_form": _("Formularversand"),
        "import_data": _("Datenimport"),
        "additional_actions": _("automatische Aktion"),
        "remote_goto": _("Sprung in eine andere Datei"),
        "other_action": _("sonstige Aktion"),
    }


def _counted_codes(codes):
    """Codes as the inspection reports them ('javascript', or with a count: 'javascript:3'), in first-seen order."""
    counts = Counter()
    for raw in codes or ():
        code, _sep, number = str(raw).partition(":")
        counts[code.strip()] += int(number) if number.strip().isdigit() else 1
    return counts


def removed_content_labels(codes):
    """German descriptions of removed content, one per kind, with a count where there was more than one."""
    labels = _removed_labels()
    described = []
    for code, count in _counted_codes(codes).items():
        label = labels.get(code, _("weiterer aktiver Inhalt"))
        described.append(f"{label} ({count}×)" if count > 1 else str(label))
    return described


def removed_content_notice(codes):
    """'Aus Sicherheitsgründen entfernt: …', or '' when nothing was removed."""
    labels = removed_content_labels(codes)
    if not labels:
        return ""
    return _("Aus Sicherheitsgründen entfernt: %(items)s.") % {"items": ", ".join(labels)}


def check_history_reason(outcome):
    """The change reason a check leaves in the row's history."""
    if not outcome.accepted:
        return _("Prüfung: abgelehnt. %(message)s") % {"message": outcome.message}
    notice = removed_content_notice(outcome.removed)
    return _("Prüfung: geprüft. %(notice)s") % {"notice": notice} if notice else _("Prüfung: geprüft.")


def page_warning(page_count, limit=None):
    """The programme's page guideline for the main strategy document: a warning, never a refusal."""
    limit = limit or settings.STRATEGY_MAIN_DOCUMENT_PAGES
    if not page_count or page_count <= limit:
        return ""
    return ngettext(
        "Das Strategiedokument hat %(count)s Seite; das Programm sieht höchstens %(limit)s Seiten vor.",
        "Das Strategiedokument hat %(count)s Seiten; das Programm sieht höchstens %(limit)s Seiten vor.",
        page_count,
    ) % {"count": page_count, "limit": limit}


def _inspect(source_path, target_path, *, bounded):
    """Runs the inspection, bounded in a child process unless the file is the portal's own (seeding, test data);
    returns (findings, None) or (None, German message)."""
    from portal.pdf_inspection import PdfRefused, clean_pdf, clean_pdf_bounded

    limits = {"max_pages": settings.UPLOAD_MAX_PAGES, "max_decoded_bytes": settings.UPLOAD_MAX_DECODED_BYTES}
    try:
        if bounded:
            findings = clean_pdf_bounded(
                str(source_path),
                str(target_path),
                seconds=settings.UPLOAD_CHECK_SECONDS,
                memory_bytes=settings.UPLOAD_CHECK_MEMORY_BYTES,
                **limits,
            )
        else:
            findings = clean_pdf(str(source_path), str(target_path), **limits)
    except PdfRefused as refused:
        return None, refusal_message(refused.code, getattr(refused, "params", None))
    except Exception:  # noqa: BLE001 - whatever breaks, the uploader reads a message, operators the trace
        logger.exception("checking %s failed", source_path)
        return None, could_not_check_message()
    return findings, None


def _store_cleaned(kind, instance, cleaned_path):
    """Stores the cleaned copy under the row's final server name; returns (name, None) or (None, message)."""
    file_field = instance._meta.get_field(kind.file_field)
    storage = file_field.storage
    name = file_field.generate_filename(instance, "upload.pdf")
    try:
        with Path(cleaned_path).open("rb") as handle:
            return storage.save(name, File(handle, name=Path(name).name)), None
    except StorageRefused as refusal:
        discard_stored(name, storage=storage)
        return None, refusal.message
    except OSError as error:
        logger.error("could not store the cleaned copy of %s %s: %s", kind.model_label, instance.pk, error)
        discard_stored(name, storage=storage)
        return None, _storage_failure_message()


def apply_check_outcome(row, outcome):
    """Writes a check's outcome onto an uploaded PDF's row (the caller saves it): a passed upload points to its
    cleaned copy with hash, size, pages and what was removed; a refused one loses its file and keeps the reason."""
    if outcome.accepted:
        findings = outcome.findings
        row.file.name = outcome.file_name
        row.sha256 = findings.sha256
        row.size = findings.size
        row.page_count = findings.page_count
        row.removed_content = list(outcome.removed)
        row.check_status = CheckStatus.CHECKED
        row.check_message = ""
    else:
        row.file.name = ""
        row.check_status = CheckStatus.REFUSED
        row.check_message = outcome.message


def _record(kind, pk, outcome):
    with transaction.atomic():
        return kind.record(pk=pk, outcome=outcome)


def check_uploaded_pdf(*, model_label, pk, bounded=True):
    """Inspects and cleans one quarantined upload and records the verdict on its row; `bounded=False` skips the
    child process with its time and memory limits, for files the portal made itself.

    Side effects: on success stores the cleaned copy under the row's final name and the row records its hash,
    size, pages and what was removed (kept in history); on refusal the row records the German message. The
    quarantined file is deleted in every case. Runs again safely after a lost worker: a row that no longer
    waits is skipped. Returns "checked", "refused" or "skipped".
    """
    kind = _KINDS[model_label]
    from django.apps import apps

    model = apps.get_model(model_label)
    instance = model.objects.filter(pk=pk).first()
    if instance is None or getattr(instance, kind.status_field) != CheckStatus.PENDING:
        return "skipped"
    quarantined = getattr(instance, kind.file_field)
    quarantine_name = quarantined.name or ""
    storage = quarantined.storage
    with tempfile.TemporaryDirectory(prefix="pdf-check-") as folder:
        findings, message = None, could_not_check_message()
        if quarantine_name.startswith(QUARANTINE_FOLDER + "/") and storage.exists(quarantine_name):
            findings, message = _inspect(storage.path(quarantine_name), Path(folder) / "cleaned.pdf", bounded=bounded)
        stored = None
        if findings is not None:
            stored, message = _store_cleaned(kind, instance, Path(folder) / "cleaned.pdf")
        outcome = (
            PdfCheckOutcome(accepted=True, file_name=stored, findings=findings)
            if stored
            else PdfCheckOutcome(accepted=False, message=message)
        )
    try:
        recorded = _record(kind, pk, outcome)
    except Exception:
        discard_stored(stored, storage=storage)
        logger.exception("recording the check of %s %s failed", model_label, pk)
        recorded = _record(kind, pk, PdfCheckOutcome(accepted=False, message=could_not_check_message()))
        outcome = PdfCheckOutcome(accepted=False)
    if not recorded:
        discard_stored(stored, storage=storage)
        return "skipped"
    discard_stored(quarantine_name, storage=storage)
    return "checked" if outcome.accepted else "refused"


def check_now(instance):
    """Runs the check of a freshly uploaded row at once, in this process, for files the portal made itself
    (seeding, benchmarks, test data): the same inspection and cleaning, without the child process's bounds."""
    return check_uploaded_pdf(model_label=instance._meta.label, pk=instance.pk, bounded=False)


def pending_uploads(*, older_than):
    """(model label, pk) of uploads still waiting since before `older_than`, for the sweep."""
    from django.apps import apps

    waiting = []
    for kind in registered_pdf_uploads():
        model = apps.get_model(kind.model_label)
        rows = model.objects.filter(
            **{kind.status_field: CheckStatus.PENDING, f"{kind.uploaded_at_field}__lt": older_than}
        ).values_list("pk", flat=True)[:200]
        waiting.extend((kind.model_label, pk) for pk in rows)
    return waiting


def remove_orphaned_quarantine_files(*, older_than, storage=None):
    """Removes quarantined uploads that no waiting row points to (the row's transaction was rolled back after
    the file was written) and that were stored before `older_than`; returns how many went."""
    from django.apps import apps

    storage = storage or default_storage
    waiting = set()
    for kind in registered_pdf_uploads():
        model = apps.get_model(kind.model_label)
        waiting.update(
            model.objects.filter(**{kind.status_field: CheckStatus.PENDING}).values_list(kind.file_field, flat=True)
        )
    try:
        _folders, names = storage.listdir(QUARANTINE_FOLDER)
    except FileNotFoundError:
        return 0
    removed = 0
    for name in names:
        stored = f"{QUARANTINE_FOLDER}/{name}"
        if stored not in waiting and storage.get_modified_time(stored) < older_than:
            discard_stored(stored, storage=storage)
            removed += 1
    return removed


# --- Downloads ------------------------------------------------------------------------------------------------


def pdf_download(field_file, name):
    """A checked PDF as a download: always '.pdf', application/pdf, an attachment, never sniffed."""
    response = FileResponse(
        field_file.open("rb"), as_attachment=True, filename=served_name(name), content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
