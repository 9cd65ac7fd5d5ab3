"""Turns dossier inputs into a tagged PDF (PDF/UA-1, PDF 1.7) with WeasyPrint, then draws the uploaded PDFs in.

Each uploaded document is a tagged section: a heading naming the annex and its page range, then as many reserved
pages as the document has pages. The reserved pages carry the running header and "Seite x von y", so page numbers
count the whole file. Each upload page is drawn underneath its reserved page as an artifact: the uploads rarely
carry usable tags, and the heading tells a screen reader where it is.

One upload never stops a dossier. A document that cannot be opened before rendering gets the placeholder text in
the HTML itself (`inspect_uploads`); one that fails while it is prepared for drawing (time bound, page limit, any
error) is switched to its placeholder by a stylesheet before WeasyPrint runs; one that fails only while its pages
are placed (rare, after the prepared copy was already read) makes the dossier render once more with that
document as a placeholder. Each such document adds a German sentence to `BuiltPdf.warnings`.
"""

import io
import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import pikepdf
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

logger = logging.getLogger(__name__)

STATIC_ROOT_FOR_PRINT = Path(settings.BASE_DIR) / "static"
A4_WIDTH, A4_HEIGHT = 595.28, 841.89
PDF_VERSION = "1.7"
# Each upload gets this long to be prepared for drawing; the deadline is checked between its pages.
UPLOAD_SECONDS = 30
# Page boxes outside these bounds (in points) are refused: zero or negative ones divide by zero when fitted to
# A4, absurd ones are not a document. 14,400 pt is the largest page PDF 1.7 allows (ISO 32000-1, C.2).
MIN_PAGE_SIDE, MAX_PAGE_SIDE = 1.0, 14400.0
# WeasyPrint writes each tagged sequence as "/Tag <</MCID n>> BDC", with line breaks; see
# `_running_content_as_artifacts`.
MARKED_CONTENT = re.compile(rb"/[A-Za-z]+\s*<</MCID (\d+)>>\s*BDC")


def max_pages():
    return getattr(settings, "UPLOAD_MAX_PAGES", 300)


class PortalStaticFetcher(URLFetcher):
    """Lets WeasyPrint read the portal's own static files and nothing else: no network, no other files."""

    def fetch(self, url, headers=None):
        parsed = urlparse(url)
        if parsed.scheme != "file":
            raise ValueError(f"Blocked while rendering a dossier: {url}")
        path = Path(unquote(parsed.path)).resolve()
        if not path.is_relative_to(STATIC_ROOT_FOR_PRINT.resolve()):
            raise ValueError(f"Blocked while rendering a dossier: {url}")
        return super().fetch(url, headers)


def placeholder_sentence(title):
    return _("Anlage „%(title)s“ konnte nicht eingebunden werden; die Originaldatei ist im Portal abrufbar.") % {
        "title": title
    }


@dataclass
class Upload:
    """An uploaded PDF drawn in after its heading. `error` (German, for the log) makes it a placeholder."""

    anchor: str
    title: str
    path: str
    pages: int = 0
    error: str = ""

    @property
    def page_range(self):
        return range(1, self.pages + 1)

    @property
    def placeholder(self):
        return placeholder_sentence(self.title)


@dataclass
class BuiltPdf:
    """A rendered dossier: the PDF, its page count, and one German warning per upload shown as a placeholder."""

    content: bytes
    page_count: int
    warnings: list[str] = field(default_factory=list)


class UploadUnusable(Exception):
    """An upload that cannot be drawn in; `reason` is German and goes to the log."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _check_page_box(page):
    """Refuses a page whose MediaBox or CropBox is zero, negative or absurd."""
    for box in (page.mediabox, page.cropbox):
        width, height = float(box[2]) - float(box[0]), float(box[3]) - float(box[1])
        if not (MIN_PAGE_SIDE <= width <= MAX_PAGE_SIDE and MIN_PAGE_SIDE <= height <= MAX_PAGE_SIDE):
            raise UploadUnusable(_("ungültiges Seitenformat"))


def _open_upload(path):
    try:
        source = pikepdf.open(path)
    except pikepdf.PasswordError as error:
        raise UploadUnusable(_("verschlüsselt")) from error
    if source.is_encrypted:
        source.close()
        raise UploadUnusable(_("verschlüsselt"))
    return source


def _check_page_count(count):
    if count == 0:
        raise UploadUnusable(_("keine Seiten"))
    if count > max_pages():
        raise UploadUnusable(_("mehr als %(limit)s Seiten") % {"limit": max_pages()})


def _check_deadline(deadline):
    if time.monotonic() > deadline:
        raise UploadUnusable(_("Zeitlimit überschritten"))


def inspect_uploads(uploads):
    """Opens each upload once (fast: no stream is decoded), so that a broken one gets its placeholder in the HTML.

    Sets `pages` to the page count the HTML reserves, or `error` to a German reason.
    """
    for upload in uploads:
        if upload.error:
            continue
        deadline = time.monotonic() + UPLOAD_SECONDS
        try:
            with _open_upload(upload.path) as source:
                _check_page_count(len(source.pages))
                for page in source.pages:
                    _check_deadline(deadline)
                    _check_page_box(page)
                upload.pages = len(source.pages)
        except Exception as error:  # noqa: BLE001 - any unreadable upload becomes a placeholder in the dossier
            upload.pages = 0
            upload.error = error.reason if isinstance(error, UploadUnusable) else _("nicht lesbar")
            logger.warning("upload %s becomes a placeholder: %s (%r)", upload.path, upload.error, error)
    return uploads


def render_html(template, context):
    with translation.override("de"):
        return render_to_string(template, context)


def html_to_pdf(html, *, stylesheets=()):
    return HTML(
        string=html,
        base_url=STATIC_ROOT_FOR_PRINT.as_uri() + "/",
        url_fetcher=PortalStaticFetcher(allowed_protocols=["file"]),
    ).render(pdf_variant="pdf/ua-1", stylesheets=list(stylesheets))


def _placeholders_for(failed):
    """A stylesheet that shows the placeholder text instead of the reserved pages of uploads that failed."""
    rules = [
        f"#upload-{upload.anchor} .reserved {{ display: none !important; }} #upload-{upload.anchor} .upload-failed "
        "{ display: block !important; }"
        for upload in failed
    ]
    return [CSS(string="\n".join(rules))] if rules else []


def _without_marked_content(form, seen):
    """Removes the upload's own marked-content operators (its tags) from a form XObject and the forms it paints:
    drawn in as an artifact, it must not carry tagged content. Optional-content markers (/OC) stay, or content
    the author hid would show."""
    if form.objgen in seen:
        return
    seen.add(form.objgen)
    kept, stack = [], []
    for operands, operator in pikepdf.parse_content_stream(form):
        name = str(operator)
        if name in ("BMC", "BDC"):
            keep = name == "BDC" and operands and operands[0] == pikepdf.Name.OC
            stack.append(keep)
            if not keep:
                continue
        elif name == "EMC":
            if stack and not stack.pop():
                continue
        elif name in ("MP", "DP"):
            continue
        kept.append((operands, operator))
    form.write(pikepdf.unparse_content_stream(kept))
    resources = form.get(pikepdf.Name.Resources)
    xobjects = resources.get(pikepdf.Name.XObject) if resources is not None else None
    for inner in (xobjects or {}).values():
        if isinstance(inner, pikepdf.Stream) and inner.get(pikepdf.Name.Subtype) == pikepdf.Name.Form:
            _without_marked_content(inner, seen)


def _prepare(upload):
    """Copies the upload's pages as form XObjects into a PDF of their own, read completely, so that drawing them
    later touches no stream of the original file. Raises on any problem with the upload."""
    deadline = time.monotonic() + UPLOAD_SECONDS
    with _open_upload(upload.path) as source:
        _check_page_count(len(source.pages))
        if len(source.pages) != upload.pages:
            raise UploadUnusable(_("Seitenzahl geändert"))
        staging = pikepdf.new()
        forms = []
        for page in source.pages:
            _check_deadline(deadline)
            _check_page_box(page)
            form = staging.copy_foreign(page.as_form_xobject())
            _without_marked_content(form, set())
            forms.append(form)
        staging.Root[pikepdf.Name("/WirForms")] = pikepdf.Array(forms)
        buffer = io.BytesIO()
        # Raw copies of the streams: nothing is decompressed beyond the content streams read above.
        staging.save(buffer, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    _check_deadline(deadline)
    prepared = pikepdf.open(buffer)
    return prepared, list(prepared.Root.WirForms)


def _draw_upload(output, forms, page_indexes):
    """Draws each form beneath its reserved page, inside an /Artifact sequence, fitted to the page (never enlarged)."""
    if len(forms) != len(page_indexes):
        raise UploadUnusable(_("reservierte Seiten passen nicht"))
    for form, index in zip(forms, page_indexes, strict=True):
        page = output.pages[index]
        local = output.copy_foreign(form)
        name = page.add_resource(local, pikepdf.Name.XObject, prefix="WirAnlage")
        placement = page.calc_form_xobject_placement(
            local, name, pikepdf.Rectangle(0, 0, A4_WIDTH, A4_HEIGHT), allow_shrink=True, allow_expand=False
        )
        page.contents_add(pikepdf.Stream(output, b"/Artifact BMC\n" + placement + b"\nEMC\n"), prepend=True)


def _placeholder_pages(document, uploads):
    """Page indexes reserved for each upload, found by the anchors of their reserved pages."""
    positions = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith("placeholder-"):
                positions.setdefault(anchor.rsplit("-", 1)[0], []).append(index)
    return {upload.anchor: positions.get(f"placeholder-{upload.anchor}", []) for upload in uploads}


def _reachable_elements(pdf):
    reachable, pending = set(), [pdf.Root.StructTreeRoot]
    while pending:
        element = pending.pop()
        if element.objgen in reachable and element.objgen != (0, 0):
            continue
        reachable.add(element.objgen)
        kids = element.get(pikepdf.Name.K)
        kids = kids if isinstance(kids, pikepdf.Array) else [kids]
        pending.extend(kid for kid in kids if isinstance(kid, pikepdf.Dictionary) and pikepdf.Name.S in kid)
    return reachable


def _running_content_as_artifacts(pdf):
    """Marks the running header and footer as pagination artifacts (PDF/UA-1, 7.8).

    WeasyPrint gives the page margin boxes structure elements that no part of the structure tree refers to, so
    their text is neither real content nor an artifact. Their marked-content sequences become
    "/Artifact <</Type /Pagination>>" and their entries leave the parent tree.
    """
    reachable = _reachable_elements(pdf)
    numbers = pdf.Root.StructTreeRoot.ParentTree.Nums
    parents = {int(numbers[i]): numbers[i + 1] for i in range(0, len(numbers), 2)}
    for page in pdf.pages:
        key = page.obj.get(pikepdf.Name.StructParents)
        elements = parents.get(int(key)) if key is not None else None
        if not isinstance(elements, pikepdf.Array):
            continue
        orphans = {
            mcid
            for mcid, element in enumerate(elements)
            if isinstance(element, pikepdf.Dictionary) and element.objgen not in reachable
        }
        if not orphans:
            continue

        def as_artifact(match, orphans=orphans):
            if int(match.group(1)) in orphans:
                return b"/Artifact <</Type /Pagination>> BDC"
            return match.group(0)

        for stream in page.obj.Contents if isinstance(page.obj.Contents, pikepdf.Array) else [page.obj.Contents]:
            stream.write(MARKED_CONTENT.sub(as_artifact, stream.read_bytes()))
        for mcid in orphans:
            elements[mcid] = None


def _state_pdf_version(pdf):
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as metadata:
        metadata["pdf:PDFVersion"] = PDF_VERSION


def _assemble(html, uploads, prepared, failed, progress):
    """One WeasyPrint render with the given uploads as placeholders, the prepared ones drawn in. Raises
    `_DrawingFailed` naming the uploads whose pages could not be placed."""
    document = html_to_pdf(html, stylesheets=_placeholders_for(failed))
    if progress:
        progress(60)
    output = pikepdf.open(io.BytesIO(document.write_pdf(pdf_variant="pdf/ua-1")))
    if progress:
        progress(75)
    reserved = _placeholder_pages(document, uploads)
    not_drawn = []
    for upload in uploads:
        if upload.anchor not in prepared:
            continue
        try:
            _draw_upload(output, prepared[upload.anchor][1], reserved[upload.anchor])
        except Exception:  # noqa: BLE001 - one upload must not stop the dossier
            logger.exception("upload %s could not be drawn into its reserved pages", upload.path)
            not_drawn.append(upload)
    if not_drawn:
        raise _DrawingFailed(not_drawn)
    _running_content_as_artifacts(output)
    _state_pdf_version(output)
    buffer = io.BytesIO()
    output.save(buffer, force_version=PDF_VERSION, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    if progress:
        progress(90)
    return buffer.getvalue(), len(output.pages)


class _DrawingFailed(Exception):
    def __init__(self, uploads):
        super().__init__(", ".join(upload.anchor for upload in uploads))
        self.uploads = uploads


def build_pdf(*, html, uploads, progress=None):
    """Renders the HTML and draws each upload beneath its reserved pages; returns a `BuiltPdf`.

    Never raises because of one upload: it becomes a placeholder page and a warning. Uploads that carry an
    `error` already have their placeholder in the HTML and only add their warning.
    """
    with translation.override("de"):
        prepared, failed = {}, []
        for upload in uploads:
            if upload.error:
                continue
            try:
                prepared[upload.anchor] = _prepare(upload)
            except Exception as error:  # noqa: BLE001 - any problem with one upload makes it a placeholder
                reason = error.reason if isinstance(error, UploadUnusable) else type(error).__name__
                logger.warning("upload %s becomes a placeholder: %s", upload.path, reason)
                failed.append(upload)
        try:
            for _attempt in range(2):
                try:
                    content, pages = _assemble(html, uploads, prepared, failed, progress)
                    break
                except _DrawingFailed as drawing:
                    failed += drawing.uploads
                    for upload in drawing.uploads:
                        prepared.pop(upload.anchor)[0].close()
            else:
                # Placing pages failed twice: the dossier goes out with every upload as a placeholder.
                failed += [upload for upload in uploads if upload.anchor in prepared]
                content, pages = _assemble(html, uploads, {}, failed, progress)
        finally:
            for source, _forms in prepared.values():
                source.close()
        warnings = [upload.placeholder for upload in uploads if upload.error or upload in failed]
    return BuiltPdf(content=content, page_count=pages, warnings=warnings)
