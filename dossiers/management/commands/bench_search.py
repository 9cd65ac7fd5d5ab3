"""Benchmark of the search: a cycle of 240 alliances with every text indexed and 25-page documents, then about ten
typical queries as the programme office and as a manager (median, p95, database queries, hits).

Builds its own data in the database it is pointed at (use a separate one: `make bench-search` does).
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dossiers.benchmarks import data, search


class Command(BaseCommand):
    help = "Misst die Suche bei 240 Bündnissen mit 25-seitigen Dokumenten in einer eigenen Datenbank."

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, default=240)
        parser.add_argument("--pages", type=int, default=search.PAGES_PER_DOCUMENT)
        parser.add_argument("--runs", type=int, default=15)
        parser.add_argument(
            "--queries", default="", help="nur Suchen mit diesen Wörtern im Namen, durch Komma getrennt"
        )

    def handle(self, *args, size, pages, runs, queries, **options):
        if size < 1 or pages < 1 or runs < 1:
            raise CommandError("--size, --pages und --runs erwarten Zahlen ab 1.")
        if settings.DEBUG:
            raise CommandError("Der Benchmark misst die Produktionseinstellungen: bitte mit DEBUG=0 starten.")
        started = time.monotonic()
        cycle = data.build(size=size)
        self.stdout.write(f"Daten für {size} Bündnisse: {time.monotonic() - started:.1f} s")
        started = time.monotonic()
        self.stdout.write("Index:")
        search.index(cycle, pages=pages, stdout=self.stdout)
        self.stdout.write(f"Index gebaut in {time.monotonic() - started:.1f} s")
        seconds, texts = search.time_extraction(search.real_pdf(pages=pages))
        self.stdout.write(
            f"Textauszug eines echten PDFs mit {pages} Seiten: {seconds * 1000:.0f} ms, "
            f"{sum(1 for text in texts if text.strip())} Seiten mit Text"
        )
        only = [word.strip() for word in queries.split(",") if word.strip()] or None
        rows = search.time_queries(cycle, runs=runs, only=only)
        self.stdout.write("")
        self.stdout.write(search.table(rows, size=size))
