"""Checks every uploaded PDF before the portal keeps it."""

import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PdfReadError

MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class InspectedPdf:
    original_name: str
    size: int
    sha256: str
    page_count: int


def clean_original_name(raw_name):
    """Keeps the last path part, drops control characters and shortens it, keeping '.pdf'."""
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


def inspect_pdf(uploaded_file, *, max_bytes=None):
    """Refuses anything that is not a readable, unencrypted PDF within the size limit."""
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
    if uploaded_file.read(5) != b"%PDF-":
        raise ValidationError(
            _("Die Datei ist kein PDF-Dokument. Bitte laden Sie eine PDF-Datei hoch."), code="not_pdf"
        )
    uploaded_file.seek(0)
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    try:
        reader = PdfReader(uploaded_file, strict=False)
        if reader.is_encrypted:
            raise ValidationError(
                _("Die PDF-Datei ist verschlüsselt oder passwortgeschützt. Bitte laden Sie sie ohne Schutz hoch."),
                code="encrypted",
            )
        page_count = len(reader.pages)
        for page in reader.pages:
            page.mediabox  # noqa: B018 - touching each page proves the page tree is readable
    except ValidationError:
        raise
    # Hostile or broken files make pypdf raise many kinds of error, not only PdfReadError.
    except (PdfReadError, Exception):
        raise ValidationError(
            _("Die PDF-Datei ist beschädigt und kann nicht gelesen werden."), code="corrupt"
        ) from None
    finally:
        uploaded_file.seek(0)
    if page_count == 0:
        raise ValidationError(_("Die PDF-Datei enthält keine Seiten."), code="no_pages")
    return InspectedPdf(
        original_name=clean_original_name(uploaded_file.name),
        size=size,
        sha256=digest.hexdigest(),
        page_count=page_count,
    )
