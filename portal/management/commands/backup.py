from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from portal.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Schreibt Datenbank und private Dateien in ein prüfbares tar-Archiv "
        "(Standard: var/backups/wir-backup-<Zeitstempel>.tar)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Zieldatei oder vorhandenes Verzeichnis für das Archiv.")

    def handle(self, *args, output=None, **options):
        try:
            path = create_backup(output=output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                _("Sicherung geschrieben: %(path)s (%(size)s).")
                % {"path": path, "size": filesizeformat(path.stat().st_size)}
            )
        )
