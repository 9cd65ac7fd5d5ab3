"""Benchmark of the pages that grow with a cycle: data at several sizes, page timings and a bounded load test.

Builds its own data in the database it is pointed at (use a separate one), prints queries, median server time
and size per page and size, then drives gunicorn (2 sync workers, production settings) with Locust.
"""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dossiers.benchmarks import data, load, pages


def _sizes(text):
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise CommandError("--sizes erwartet Zahlen, durch Komma getrennt, z. B. 24,240,2400.") from None
    if not sizes or min(sizes) < 1:
        raise CommandError("--sizes erwartet mindestens eine Größe ab 1.")
    return sizes


class Command(BaseCommand):
    help = "Misst Seiten und Last bei 24, 240 und 2.400 Bündnissen in einer eigenen Datenbank."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="24,240,2400")
        parser.add_argument("--runs", type=int, default=7)
        parser.add_argument("--page-budget", type=float, default=20.0, help="Sekunden; langsamere Seiten: 1 Lauf")
        parser.add_argument("--pages", dest="only_pages", default="", help="nur Seiten mit diesen Wörtern; -Wort: ohne")
        parser.add_argument("--load-seconds", type=int, default=60, help="0: ohne Lasttest")
        parser.add_argument("--dashboard-seconds", type=int, default=20)
        parser.add_argument("--load-size", type=int, default=0, help="Größe für den Lastmix (Standard: größte)")
        parser.add_argument("--work-dir", default=str(Path(settings.BASE_DIR) / "var" / "bench-pages"))

    def handle(self, *args, sizes, runs, page_budget, only_pages, load_seconds, dashboard_seconds, **options):
        sizes = _sizes(sizes)
        if settings.DEBUG:
            raise CommandError("Der Benchmark misst die Produktionseinstellungen: bitte mit DEBUG=0 starten.")
        try:
            self._run(sizes, runs, page_budget, only_pages, load_seconds, dashboard_seconds, options)
        finally:
            # The figures this process cached in Redis belong to a database that is about to be dropped.
            if settings.REDIS_URL and settings.REDIS_KEY_PREFIX:
                load.forget_keys(settings.REDIS_URL, settings.REDIS_KEY_PREFIX)

    def _run(self, sizes, runs, page_budget, only_pages, load_seconds, dashboard_seconds, options):
        cycles = {}
        for size in sizes:
            started = time.monotonic()
            cycles[size] = data.build(size=size)
            self.stdout.write(f"Daten für {size} Bündnisse: {time.monotonic() - started:.1f} s")
        data.analyze()
        only = [word.strip() for word in only_pages.split(",") if word.strip()] or None
        rows = []
        for size in sizes:
            rows += pages.time_pages(cycles[size], size=size, runs=runs, budget_seconds=page_budget, only=only)
        self.stdout.write("")
        self.stdout.write(pages.table(rows))
        if load_seconds <= 0:
            return
        if not settings.REDIS_URL:
            raise CommandError("REDIS_URL muss gesetzt sein: gunicorn läuft mit den Produktionseinstellungen.")
        load_size = options["load_size"] or max(sizes)
        if load_size not in cycles:
            raise CommandError(f"--load-size {load_size} ist keine der gebauten Größen {sizes}.")
        self.stdout.write("")
        load.run(
            cycle=cycles[load_size],
            dashboard_cycle=cycles[min(sizes)],
            seconds=load_seconds,
            dashboard_seconds=dashboard_seconds,
            work_dir=Path(options["work_dir"]),
            redis_url=settings.REDIS_URL,
            stdout=self.stdout,
        )
