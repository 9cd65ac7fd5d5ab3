import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _

from portal.backup import BackupError, private_file_count, private_root, restore_backup, verify_backup

YES = {"j", "ja", "y", "yes"}


class Command(BaseCommand):
    help = (
        "Stellt Datenbank und private Dateien aus einer Sicherung wieder her; prüft vorher jede Prüfsumme "
        "und ändert bei einer Abweichung nichts."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Pfad zum Archiv (wir-backup-….tar).")
        parser.add_argument("--yes", action="store_true", help="Ohne Rückfrage wiederherstellen.")

    def handle(self, *args, archive, yes=False, **options):
        try:
            if not yes:
                self.confirm(archive)
            manifest = restore_backup(archive=archive)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Wiederhergestellt aus %(path)s: Datenbank (%(vendor)s) und %(files)d private Dateien, "
                    "Stand %(created)s."
                )
                % {
                    "path": archive,
                    "vendor": manifest["database_vendor"],
                    "files": private_file_count(manifest),
                    "created": manifest["created_at"],
                }
            )
        )

    def confirm(self, archive):
        # A restore replaces everything: without --yes only a person at a terminal may agree to it.
        if not (hasattr(sys.stdin, "isatty") and sys.stdin.isatty()):
            raise CommandError(
                _(
                    "Die Wiederherstellung ersetzt alle Daten; ohne Terminal läuft sie nur mit --yes. "
                    "Es wurde nichts verändert."
                )
            )
        # Checked before asking, so nobody agrees to restore a broken archive; restore_backup checks again.
        manifest = verify_backup(archive=archive)
        prompt = _(
            "Sicherung vom %(created)s: %(vendor)s, %(files)d private Dateien.\n"
            "Die Wiederherstellung ERSETZT die Datenbank „%(database)s“ und alle Dateien in %(root)s.\n"
            "Fortfahren? [ja/nein] "
        ) % {
            "created": manifest["created_at"],
            "vendor": manifest["database_vendor"],
            "files": private_file_count(manifest),
            "database": connections["default"].settings_dict["NAME"],
            "root": private_root(),
        }
        if input(prompt).strip().lower() not in YES:
            raise CommandError(_("Abgebrochen; es wurde nichts verändert."))
