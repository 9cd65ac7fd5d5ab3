"""The check itself: open, refuse or clean, store; in process or in a bounded child."""

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pikepdf

from portal.bounded import BoundExceeded, peak_memory_bytes, run_bounded
from portal.pdf_inspection.bombs import refuse_bombs
from portal.pdf_inspection.cleaning import remove_active_content
from portal.pdf_inspection.findings import REMOVED_CODES, PdfFindings, PdfRefused
from portal.pdf_inspection.pages import measure_pages

HEADER_SEARCH_BYTES = 1024


def _open(source):
    with Path(source).open("rb") as stream:
        head = stream.read(HEADER_SEARCH_BYTES)
    if b"%PDF-" not in head:
        raise PdfRefused("not_pdf")
    try:
        pdf = pikepdf.open(source, attempt_recovery=True, suppress_warnings=True)
    except pikepdf.PasswordError:
        raise PdfRefused("encrypted") from None
    except (pikepdf.PdfError, RuntimeError):
        raise PdfRefused("damaged") from None
    if pdf.is_encrypted:
        pdf.close()
        raise PdfRefused("encrypted")
    return pdf


def _sha256_and_size(path):
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def clean_pdf(source, target, *, max_pages, max_decoded_bytes):
    """Inspects the PDF at `source` and writes its cleaned copy to `target`; raises PdfRefused.

    Side effects: writes `target` (through a temporary file beside it, renamed only on success); on refusal or any
    error nothing is left at `target` or beside it.
    """
    target = Path(target)
    handle, temporary_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(handle)
    temporary = Path(temporary_name)
    try:
        try:
            with _open(source) as pdf:
                page_count, max_page_size = measure_pages(pdf, max_pages)
                removed = remove_active_content(pdf)
                # Streams are copied byte for byte (qpdf's default re-encoding would inflate a bomb before the
                # check below has seen it); the check then reads exactly what is stored.
                pdf.save(
                    temporary,
                    stream_decode_level=pikepdf.StreamDecodeLevel.none,
                    compress_streams=False,
                    object_stream_mode=pikepdf.ObjectStreamMode.generate,
                    deterministic_id=True,
                )
            with pikepdf.open(temporary) as cleaned:
                # The stored copy is what the dossiers draw in: its pages are measured again.
                page_count, max_page_size = measure_pages(cleaned, max_pages)
                refuse_bombs(cleaned, max_decoded_bytes)
        except (pikepdf.PdfError, RuntimeError, ValueError):
            # qpdf's errors on a file it cannot repair or write (RecursionError, too, is a RuntimeError).
            raise PdfRefused("damaged") from None
        with temporary.open("rb+") as stream:
            os.fsync(stream.fileno())
        sha256, size = _sha256_and_size(temporary)
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)
    return PdfFindings(
        page_count=page_count,
        size=size,
        sha256=sha256,
        removed=tuple(code for code in REMOVED_CODES if removed[code]),
        max_page_size=max_page_size,
        removed_counts=tuple((code, removed[code]) for code in REMOVED_CODES if removed[code]),
    )


def run_clean_in_child(source, target, *, max_pages, max_decoded_bytes, seconds, memory_bytes):
    """`clean_pdf` in a bounded child; returns (PdfFindings, the child's peak resident memory in bytes).

    Side effects: as clean_pdf; the child writes into a private folder beside `target`, removed afterwards.
    Raises PdfRefused (a limit hit is "too_complex") or portal.bounded.ChildFailed for a crash of the check itself.
    """
    target = Path(target)
    workspace = Path(tempfile.mkdtemp(prefix=".pdf-check-", dir=target.parent))
    try:
        answer = run_bounded(
            "portal.pdf_inspection",
            Path(source).resolve(),
            workspace / "cleaned.pdf",
            int(max_pages),
            int(max_decoded_bytes),
            seconds=seconds,
            memory_bytes=memory_bytes,
        )
        if "refused" in answer:
            refusal = answer["refused"]
            raise PdfRefused(refusal["code"], refusal.get("params"))
        findings = PdfFindings.from_dict(answer["findings"])
        (workspace / "cleaned.pdf").replace(target)
        return findings, int(answer.get("peak_memory_bytes", 0))
    except BoundExceeded as exceeded:
        raise PdfRefused("too_complex", {"limit": exceeded.limit}) from None
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


def clean_pdf_bounded(source, target, *, max_pages, max_decoded_bytes, seconds, memory_bytes):
    """`clean_pdf` in a child process with RLIMIT_AS = memory_bytes, RLIMIT_CPU = seconds and a wall-clock limit.

    Side effects: writes `target` on success only. Raises PdfRefused; a limit hit is PdfRefused("too_complex").
    """
    findings, _peak = run_clean_in_child(
        source,
        target,
        max_pages=max_pages,
        max_decoded_bytes=max_decoded_bytes,
        seconds=seconds,
        memory_bytes=memory_bytes,
    )
    return findings


def child_main(argv):
    source, target, max_pages, max_decoded_bytes = argv
    try:
        findings = clean_pdf(source, target, max_pages=int(max_pages), max_decoded_bytes=int(max_decoded_bytes))
        answer = {"findings": findings.as_dict()}
    except PdfRefused as refused:
        answer = {"refused": {"code": refused.code, "params": refused.params}}
    answer["peak_memory_bytes"] = peak_memory_bytes()
    return answer
