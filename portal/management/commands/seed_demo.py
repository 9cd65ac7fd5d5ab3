from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from portal.demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Baut die vollständigen Demodaten auf (wiederholbar). Nur mit DEBUG=1."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo läuft nur mit DEBUG=1: Demodaten gehören nicht in den Betrieb.")
        accounts = []
        # Each stage seeds its own part, in the order of the evaluation cycle.
        for dotted_path in settings.DEMO_SEEDERS:
            seed = import_string(dotted_path)
            accounts.extend(seed(stdout=self.stdout) or [])
        self.stdout.write(self.style.SUCCESS(f"Demodaten sind bereit. Konten (Passwort für alle: {DEMO_PASSWORD}):"))
        for email, role in accounts:
            self.stdout.write(f"  {email:<40} {role}")
