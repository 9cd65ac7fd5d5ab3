"""Requesting and rendering dossiers. Rendering runs in Celery workers (in-process only with `make run`).

- inputs: what a dossier depends on, and its fingerprint
- requests: asking for a dossier (one row per kind, subject, inputs and generation)
- runs: rendering one dossier with a heartbeat, and the sweep that finds lost renderings
- archive: the cycle archive with its manifest
- failures: the German messages of a dossier that could not be made
"""

from dossiers.contents import DossierUnavailable
from dossiers.services.inputs import PRINT_LAYOUT_VERSION, dossier_inputs, fingerprint_of
from dossiers.services.requests import enqueue_rendering, record_download, request_dossier
from dossiers.services.runs import render_dossier, sweep_pending_dossiers

__all__ = [
    "PRINT_LAYOUT_VERSION",
    "DossierUnavailable",
    "dossier_inputs",
    "enqueue_rendering",
    "fingerprint_of",
    "record_download",
    "render_dossier",
    "request_dossier",
    "sweep_pending_dossiers",
]
