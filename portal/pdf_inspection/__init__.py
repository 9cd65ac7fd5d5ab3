"""Inspects an uploaded PDF, refuses what the portal must not keep, and writes a cleaned copy without active or hidden
content.

Pure Python and pikepdf (qpdf), no Django: `clean_pdf_bounded` runs `clean_pdf` again in a child process
(`python -m portal.pdf_inspection SOURCE TARGET MAX_PAGES MAX_DECODED_BYTES`) under memory and time limits.

Refusals (`PdfRefused.code`): not_pdf, encrypted, damaged, no_pages, too_many_pages (params count, limit),
page_box (params page), bomb (params limit), too_complex (a time or memory limit was hit).

Removed content (`PdfFindings.removed`, in the order of REMOVED_CODES): actions other than GoTo, the four page
navigation Named actions, Thread within the file and URI to http(s) are removed wherever they sit (document open
action, additional actions of document, pages, annotations and fields, links, outline items, /Next chains, the
JavaScript name tree); embedded files (name tree, /EF in file specifications, file attachment annotations,
portfolios); RichMedia, 3D, Screen, Movie and Sound annotations and presentations; XFA forms. The copy is written by
qpdf from the object graph, so bytes outside the PDF (polyglots), earlier revisions and unreferenced objects are gone.

One module per concept: findings (the answer), pages (count and boxes), cleaning (active content), bombs (decoded
size), check (the whole check, in process or bounded); __main__ is the child's entry.
"""

from portal.pdf_inspection.check import clean_pdf, clean_pdf_bounded, run_clean_in_child
from portal.pdf_inspection.findings import REFUSAL_CODES, REMOVED_CODES, PdfFindings, PdfRefused

__all__ = [
    "REFUSAL_CODES",
    "REMOVED_CODES",
    "PdfFindings",
    "PdfRefused",
    "clean_pdf",
    "clean_pdf_bounded",
    "run_clean_in_child",
]
