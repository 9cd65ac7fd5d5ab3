from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils.module_loading import import_string

from portal.demo import DEFAULT_DEMO_PHASE, DEMO_MAILERS, DEMO_PASSWORD, DEMO_PHASES


class Command(BaseCommand):
    help = (
        "Baut die vollständigen Demodaten einer Begutachtungsrunde in einer Phase auf (wiederholbar). Nur mit DEBUG=1."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--phase",
            choices=DEMO_PHASES,
            default=None,
            help=(
                f"Phase der Demo-Runde (Vorgabe: {DEFAULT_DEMO_PHASE}); die Daten folgen Schritt für Schritt aus den "
                "früheren Phasen. Eine bestehende Demo behält ihre Phase."
            ),
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo läuft nur mit DEBUG=1: Demodaten gehören nicht in den Betrieb.")
        accounts = []
        # One transaction: a run that fails half-way leaves no half-built phase behind. Its e-mails go out when it
        # commits, so the in-memory mailer must still be in place then.
        with override_settings(MAILERS=DEMO_MAILERS), transaction.atomic():
            # Each stage seeds its own part, in the order of the evaluation cycle.
            for dotted_path in settings.DEMO_SEEDERS:
                seed = import_string(dotted_path)
                accounts.extend(seed(stdout=self.stdout, phase=options["phase"]) or [])
        self.stdout.write(self.style.SUCCESS(f"Demodaten sind bereit. Konten (Passwort für alle: {DEMO_PASSWORD}):"))
        for email, role in accounts:
            self.stdout.write(f"  {email:<40} {role}")
