"""Benchmark: the upload check (`clean_pdf_bounded`) on a 25-page and a 300-page PDF with text and images.

Builds the files itself (each page: a few paragraphs of text, a JPEG photo and a deflated chart image), runs the
check in its bounded child several times and prints the median wall time and the median peak memory of the child
(its VmHWM: ru_maxrss would count the parent it was forked from), next to the time of the same check in process,
without the child's start.
"""

import io
import random
import statistics
import tempfile
import time
import zlib
from pathlib import Path

import pikepdf
from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw

from portal.pdf_inspection import clean_pdf, run_clean_in_child

MIB = 1024 * 1024
PARAGRAPH = (
    "Das Bündnis verfolgt das Ziel, die regionale Wertschöpfung durch neue Verfahren zu stärken. "
    "Die Partner aus Wirtschaft, Wissenschaft und Verwaltung bündeln dafür ihre Kompetenzen. "
)


def _photo(rng, width=640, height=480):
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for row in range(height):
        shade = int(255 * row / height)
        draw.line([(0, row), (width, row)], fill=(shade, rng.randrange(80, 160), 255 - shade))
    for _ in range(60):
        x, y = rng.randrange(width), rng.randrange(height)
        draw.ellipse(
            [x, y, x + rng.randrange(10, 80), y + rng.randrange(10, 80)], fill=tuple(rng.choices(range(256), k=3))
        )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue(), width, height


def _chart(rng, width=400, height=300):
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for bar in range(8):
        top = rng.randrange(20, height - 20)
        draw.rectangle([20 + bar * 45, top, 50 + bar * 45, height - 10], fill=(30, 90, 160))
    return zlib.compress(image.tobytes()), width, height


def realistic_pdf(pages, seed=1):
    """A PDF of `pages` A4 pages, each with text, a photo (DCT) and a chart (Flate), as a report would have them."""
    rng = random.Random(seed)
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica,
            Encoding=pikepdf.Name.WinAnsiEncoding,
        )
    )
    for number in range(1, pages + 1):
        photo, photo_width, photo_height = _photo(rng)
        chart, chart_width, chart_height = _chart(rng)
        images = {}
        for name, data, width, height, codec in (
            ("/Photo", photo, photo_width, photo_height, pikepdf.Name.DCTDecode),
            ("/Chart", chart, chart_width, chart_height, pikepdf.Name.FlateDecode),
        ):
            image = pdf.make_stream(b"")
            image.write(data, filter=codec)
            image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
            image.Width, image.Height = width, height
            image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceRGB, 8
            images[name] = image
        lines = [f"Kapitel {number}"] + [PARAGRAPH[start : start + 90] for start in range(0, len(PARAGRAPH), 90)] * 4
        text = "\n".join(f"({line}) '" for line in lines)
        content = (
            f"BT /F1 10 Tf 12 TL 56 790 Td {text} ET\n"
            "q 300 0 0 225 56 330 cm /Photo Do Q\nq 240 0 0 180 56 120 cm /Chart Do Q\n"
        ).encode("cp1252")
        page = pdf.add_blank_page(page_size=(595, 842))
        page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font), XObject=pikepdf.Dictionary(images))
        page.obj.Contents = pdf.make_stream(zlib.compress(content), Filter=pikepdf.Name.FlateDecode)
    buffer = io.BytesIO()
    pdf.save(buffer, stream_decode_level=pikepdf.StreamDecodeLevel.none, compress_streams=False)
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Misst Zeit und Speicher der Upload-Prüfung für ein PDF mit 25 und mit 300 Seiten (Median aus 5 Läufen)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=5)
        parser.add_argument("--pages", type=int, nargs="+", default=[25, 300])

    def handle(self, *args, runs, pages, **options):
        limits = {"max_pages": settings.UPLOAD_MAX_PAGES, "max_decoded_bytes": settings.UPLOAD_MAX_DECODED_BYTES}
        bounds = {"seconds": settings.UPLOAD_CHECK_SECONDS, "memory_bytes": settings.UPLOAD_CHECK_MEMORY_BYTES}
        self.stdout.write(
            f"Grenzen: {limits['max_pages']} Seiten, {limits['max_decoded_bytes'] // MIB} MiB entpackt, "
            f"{bounds['seconds']} s, {bounds['memory_bytes'] // MIB} MiB Speicher; {runs} Läufe, Median"
        )
        self.stdout.write("Seiten | Datei MiB | Kind: Wandzeit s | Kind: Spitze RSS MiB | im Prozess s")
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            for count in pages:
                source = folder / f"bericht-{count}.pdf"
                source.write_bytes(realistic_pdf(count))
                walls, peaks, in_process = [], [], []
                for run in range(runs):
                    started = time.perf_counter()
                    findings, peak = run_clean_in_child(source, folder / f"geprueft-{run}.pdf", **limits, **bounds)
                    walls.append(time.perf_counter() - started)
                    peaks.append(peak)
                    started = time.perf_counter()
                    clean_pdf(source, folder / f"direkt-{run}.pdf", **limits)
                    in_process.append(time.perf_counter() - started)
                self.stdout.write(
                    f"{findings.page_count:6d} | {source.stat().st_size / MIB:9.1f} | "
                    f"{statistics.median(walls):16.2f} | {statistics.median(peaks) / MIB:20.0f} | "
                    f"{statistics.median(in_process):12.2f}"
                )
