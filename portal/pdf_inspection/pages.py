"""Page count and page boxes: what a renderer divides by must be a sane size."""

import pikepdf

from portal.pdf_inspection.findings import PdfRefused
from portal.pdf_inspection.objects import number_of

# ISO 32000-1, Annex C: a page is at least 3 by 3 and at most 14,400 by 14,400 default units (200 inches).
MIN_PAGE_SIDE = 3.0
MAX_PAGE_SIDE = 14400.0
MAX_PARENT_DEPTH = 64


def _inherited(page, key):
    node, depth = page, 0
    while isinstance(node, pikepdf.Dictionary) and depth < MAX_PARENT_DEPTH:
        if key in node:
            return node.get(key)
        node, depth = node.get("/Parent"), depth + 1
    return None


def _rectangle(value):
    """(x1, y1, x2, y2) of a box as written, or None when it is not four finite numbers."""
    if not isinstance(value, pikepdf.Array) or len(value) != 4:
        return None
    numbers = [number_of(item) for item in value]
    return None if None in numbers else tuple(numbers)


def page_size(page):
    """The visible size of a page in points (crop box within media box, times /UserUnit), or None when absurd."""
    media = _rectangle(_inherited(page, "/MediaBox"))
    if media is None:
        return None
    crop = _rectangle(_inherited(page, "/CropBox")) if _inherited(page, "/CropBox") is not None else media
    if crop is None:
        return None
    unit = number_of(page.get("/UserUnit", 1))
    if unit is None or unit <= 0:
        return None
    # A box written upside down (x2 < x1) counts as negative: renderers divide by these widths.
    for x1, y1, x2, y2 in (media, crop):
        for side in (x2 - x1, y2 - y1):
            if not MIN_PAGE_SIDE <= side * unit <= MAX_PAGE_SIDE:
                return None
    width = min(media[2], crop[2]) - max(media[0], crop[0])
    height = min(media[3], crop[3]) - max(media[1], crop[1])
    if width * unit < MIN_PAGE_SIDE or height * unit < MIN_PAGE_SIDE:
        return None
    return width * unit, height * unit


def measure_pages(pdf, max_pages):
    count = len(pdf.pages)
    if count == 0:
        raise PdfRefused("no_pages")
    if count > max_pages:
        raise PdfRefused("too_many_pages", {"count": count, "limit": max_pages})
    widest = tallest = 0.0
    for number, page in enumerate(pdf.pages, start=1):
        size = page_size(page.obj)
        if size is None:
            raise PdfRefused("page_box", {"page": number})
        widest, tallest = max(widest, size[0]), max(tallest, size[1])
    return count, (round(widest, 2), round(tallest, 2))
