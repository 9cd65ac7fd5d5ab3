"""The bounded child: `python -m portal.pdf_inspection SOURCE TARGET MAX_PAGES MAX_DECODED_BYTES`."""

import sys

from portal.bounded import serve_child
from portal.pdf_inspection.check import child_main

sys.setrecursionlimit(2000)
serve_child(child_main)
