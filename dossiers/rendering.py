"""Turns dossier inputs into a tagged PDF with WeasyPrint, then inserts the uploaded PDFs with pypdf.

Each uploaded document is announced by a divider page and gets as many placeholder pages as it has pages;
the placeholders carry the running header and "Seite x von y", so page numbers count the whole file.
Each upload page is then drawn underneath its placeholder. The page objects, and with them the tags of
the generated part (PDF/UA-1), stay intact; the inserted pages themselves are not tagged, because the
uploads rarely carry usable tags of their own.
"""

import io
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from pypdf import PdfReader, PdfWriter, Transformation
from weasyprint import HTML
from weasyprint.urls import URLFetcher

STATIC_ROOT_FOR_PRINT = Path(settings.BASE_DIR) / "static"
A4_WIDTH, A4_HEIGHT = 595.28, 841.89


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


@dataclass
class Upload:
    """An uploaded PDF to insert after its divider page."""

    anchor: str
    title: str
    path: str
    pages: int = 0
    error: str = ""

    @property
    def page_range(self):
        return range(1, self.pages + 1)


def inspect_uploads(uploads):
    """Opens each upload once, so a broken one becomes a note page instead of a failed dossier."""
    for upload in uploads:
        try:
            reader = PdfReader(upload.path, strict=False)
            if reader.is_encrypted:
                raise ValueError("verschlüsselt")
            upload.pages = len(reader.pages)
            if upload.pages == 0:
                raise ValueError("keine Seiten")
        except Exception as error:  # noqa: BLE001 - any unreadable upload is reported in the dossier
            upload.pages = 0
            upload.error = str(error) or type(error).__name__
    return uploads


def render_html(template, context):
    with translation.override("de"):
        return render_to_string(template, context)


def html_to_pdf(html):
    return HTML(
        string=html,
        base_url=STATIC_ROOT_FOR_PRINT.as_uri() + "/",
        url_fetcher=PortalStaticFetcher(allowed_protocols=["file"]),
    ).render(pdf_variant="pdf/ua-1")


def _placeholder_pages(document, uploads):
    """Page indexes reserved for each upload, found by the anchors of their placeholder pages."""
    positions = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith("placeholder-"):
                positions.setdefault(anchor.rsplit("-", 1)[0], []).append(index)
    return {upload.anchor: positions.get(f"placeholder-{upload.anchor}", []) for upload in uploads}


def _fit_to_a4(page):
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    scale = min(A4_WIDTH / width, A4_HEIGHT / height, 1.0)
    offset_x = (A4_WIDTH - width * scale) / 2
    offset_y = (A4_HEIGHT - height * scale) / 2
    return Transformation().scale(scale).translate(offset_x, offset_y)


def build_pdf(*, html, uploads, progress=None):
    """Renders the HTML and draws each upload's pages beneath its placeholders; returns (bytes, page count)."""
    document = html_to_pdf(html)
    if progress:
        progress(60)
    generated = io.BytesIO(document.write_pdf(pdf_variant="pdf/ua-1"))
    if progress:
        progress(75)
    writer = PdfWriter(clone_from=PdfReader(generated))
    for upload in uploads:
        if upload.error:
            continue
        reader = PdfReader(upload.path, strict=False)
        for offset, index in enumerate(_placeholder_pages(document, [upload])[upload.anchor]):
            source = reader.pages[offset]
            writer.pages[index].merge_transformed_page(source, _fit_to_a4(source), over=False)
    if progress:
        progress(90)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue(), len(writer.pages)
