from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from alliances.services import import_alliances


class Command(BaseCommand):
    help = "Legt Bündnisse aus einer CSV-Datei an oder aktualisiert sie (alles oder nichts)."

    def add_arguments(self, parser):
        parser.add_argument("csv_path", type=Path)

    def handle(self, *args, csv_path, **options):
        try:
            text = csv_path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Die Datei {csv_path} kann nicht gelesen werden: {error}") from error
        try:
            report = import_alliances(csv_text=text)
        except ValidationError as error:
            raise CommandError(
                "Nichts wurde geändert.\n" + "\n".join(str(message) for message in error.messages)
            ) from error
        for slug in report.created:
            self.stdout.write(f"angelegt: {slug}")
        for slug, fields in report.updated:
            self.stdout.write(f"aktualisiert: {slug} ({', '.join(fields)})")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(report.created)} angelegt, {len(report.updated)} aktualisiert, "
                f"{len(report.unchanged)} unverändert."
            )
        )
