import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.search import index, registry


class Command(BaseCommand):
    help = (
        "Baut den Suchindex aus den gespeicherten Texten neu auf: jede registrierte Art für sich "
        "(Strategien, PDF-Seiten, Gutachten, Fragen, …). Wiederholbar; nötig nach dem Einspielen einer Sicherung "
        "oder von Daten, die nicht über die Dienste geschrieben wurden."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--kind", action="append", dest="kinds", metavar="ART", help="nur diese Art (mehrfach möglich)"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="nur, wenn der Index noch leer ist (zum Start nach dem ersten Update auf die Suche)",
        )

    def handle(self, *args, kinds=None, if_empty=False, **options):
        from portal.models import SearchEntry

        if if_empty and SearchEntry.objects.exists():
            self.stdout.write("Der Suchindex ist schon aufgebaut; nichts zu tun.")
            return
        registered = registry.kinds()
        unknown = sorted(set(kinds or ()) - set(registered))
        if unknown:
            raise CommandError(f"Unbekannte Art: {', '.join(unknown)}. Bekannt sind: {', '.join(registered)}.")
        chosen = kinds or list(registered)
        total = 0
        for code in chosen:
            kind = registered[code]
            if kind.reindex_all is None:
                self.stdout.write(f"{code}: wird nicht neu aufgebaut (keine Quelle)")
                continue
            started = time.monotonic()
            # One kind at a time, each in one transaction: the search never sees a kind half rebuilt.
            with transaction.atomic():
                count = kind.reindex_all()
            total += count
            self.stdout.write(f"{code}: {count} Einträge ({time.monotonic() - started:.1f} s)")
        if not kinds:
            # Entries of kinds no stage registers any more (a renamed or removed kind) would never be found again.
            orphaned = SearchEntry.objects.exclude(kind__in=list(registered)).values_list("kind", flat=True).distinct()
            for code in list(orphaned):
                stale = SearchEntry.objects.filter(kind=code).values_list("object_id", flat=True).distinct()
                with transaction.atomic():
                    index.remove_entries(kind=code, object_ids=stale)
                self.stdout.write(f"{code}: nicht mehr registriert, Einträge entfernt")
        self.stdout.write(self.style.SUCCESS(f"Suchindex neu aufgebaut: {total} Einträge."))
