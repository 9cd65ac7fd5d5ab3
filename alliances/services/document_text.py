"""The searchable text of a checked strategy PDF: extracted once, page by page, in the worker, bounded in time.

The file is the portal's cleaned copy (the upload check has already refused bombs, broken and oversized files);
the extraction still stops at a deadline and a page cap, and cuts each page's text, so that no document can hold
the worker for long.
"""

import logging
import time

from django.conf import settings
from django.db import transaction

from alliances import search
from alliances.models import StrategyDocument

logger = logging.getLogger(__name__)

# Seconds of extraction per document; the pages read until then are indexed, the rest is left out.
TEXT_SECONDS = getattr(settings, "SEARCH_PDF_TEXT_SECONDS", 60)
# Pages read per document at most.
TEXT_MAX_PAGES = getattr(settings, "SEARCH_PDF_TEXT_MAX_PAGES", 400)
# Characters kept per page.
PAGE_CHARACTERS = 50_000


def extract_page_texts(stream, *, seconds=TEXT_SECONDS, max_pages=TEXT_MAX_PAGES, clock=time.monotonic):
    """The text of each page of the PDF in `stream` (a list, page 1 first), until `max_pages` pages or `seconds`
    have passed. A page whose text cannot be read counts as empty. Raises nothing for a damaged file: its pages so
    far (or none) are returned."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    deadline = clock() + seconds
    texts = []
    try:
        reader = PdfReader(stream, strict=False)
        pages = reader.pages
        count = len(pages)
    except (PyPdfError, ValueError, TypeError, KeyError, OSError) as error:
        logger.warning("no text from a PDF that does not open: %s", error)
        return texts
    for number in range(min(count, max_pages)):
        if clock() > deadline:
            logger.warning("text extraction stopped at page %s of %s: deadline of %s s", number + 1, count, seconds)
            break
        try:
            text = pages[number].extract_text() or ""
        except Exception as error:  # noqa: BLE001 - one unreadable page must not cost the document its other pages
            logger.warning("no text from page %s: %s", number + 1, error)
            text = ""
        texts.append(text[:PAGE_CHARACTERS])
    return texts


def read_page_texts(document):
    """The page texts of a document's stored copy ([] when the file cannot be opened)."""
    try:
        with document.file.open("rb") as handle:
            return extract_page_texts(handle)
    except OSError as error:
        logger.warning("no text from document %s: %s", document.pk, error)
        return []


def _is_searchable(document):
    return document is not None and document.is_checked and document.removed_at is None and bool(document.file)


def index_document_text(*, document_id):
    """Makes the pages of one document searchable: the text is read outside any transaction, then stored in one
    if the document is still the same checked copy.

    Idempotent: a second run writes the same entries. A document that is gone, refused, removed or replaced by
    another copy meanwhile leaves (or keeps) no entries. Returns the number of pages indexed.
    """
    document = StrategyDocument.objects.select_related("strategy").filter(pk=document_id).first()
    pages = read_page_texts(document) if _is_searchable(document) else []
    with transaction.atomic():
        current = StrategyDocument.objects.select_for_update().select_related("strategy").filter(pk=document_id).first()
        if not _is_searchable(current) or current.sha256 != document.sha256:
            search.forget_document(document_id)
            return 0
        search.index_document_pages(current, pages)
    return len(pages)


def queue_document_text(document):
    """After commit, the worker extracts the document's text (in-process where there is no broker)."""
    from alliances.tasks import index_document_text as task

    pk = document.pk
    transaction.on_commit(lambda: task.delay(pk), robust=True)
