import sys
import time

from django.core.management.base import BaseCommand, CommandError

from alliances.models import EvaluationCycle, current_cycle
from dossiers import services
from dossiers.models import Dossier, DossierKind, DossierStatus

KINDS = [DossierKind.STRATEGY.value, DossierKind.EVALUATION.value, DossierKind.CYCLE_REPORT.value]


class Command(BaseCommand):
    help = "Erstellt Dossiers einer Begutachtungsrunde, im Prozess oder über die Celery-Worker (--workers)."

    def add_arguments(self, parser):
        # Checked in handle(), so that a wrong value is refused with a German message.
        parser.add_argument("--kind", default=DossierKind.STRATEGY,
                            help=f"Art des Dossiers: {', '.join(KINDS)} (Standard: strategy)")
        parser.add_argument("--cycle", help="Kurzname der Begutachtungsrunde (Standard: die aktuelle)")
        parser.add_argument("--all", action="store_true", help="alle eingereichten Strategien der Runde")
        parser.add_argument("--alliance", action="append", default=[], help="Kurzname eines Bündnisses")
        parser.add_argument("--force", action="store_true", help="auch bei unveränderten Eingaben neu erstellen")
        parser.add_argument("--workers", action="store_true", help="an die Worker übergeben und auf sie warten")
        parser.add_argument("--timeout", default="600", help="Sekunden, die auf die Worker gewartet wird")

    def handle(self, *args, kind, cycle, all, alliance, force, workers, timeout, **options):  # noqa: A002
        timeout = self._check_arguments(kind=kind, all_=all, alliance=alliance, timeout=timeout)
        cycle_obj = EvaluationCycle.objects.filter(slug=cycle).first() if cycle else current_cycle()
        if cycle_obj is None:
            raise CommandError(f"Keine Begutachtungsrunde „{cycle}“ gefunden." if cycle
                               else "Keine Begutachtungsrunde gefunden.")
        if kind == DossierKind.CYCLE_REPORT:
            subjects = [None]
        else:
            strategies = services.submitted_strategies(cycle_obj).select_related("alliance").order_by("alliance__name")
            if not all:
                strategies = strategies.filter(alliance__slug__in=alliance)
                missing = sorted(set(alliance) - {strategy.alliance.slug for strategy in strategies})
                if missing:
                    raise CommandError(f"Keine eingereichte Strategie in dieser Runde für: {', '.join(missing)}.")
            subjects = list(strategies)
        started = time.monotonic()
        dossiers = []
        for subject in subjects:
            # Without --workers the command renders itself, so nothing is sent to the workers as well.
            dossier = services.request_dossier(kind=kind, cycle=cycle_obj, strategy=subject, force=force,
                                               enqueue=workers)
            if not workers and dossier.status != DossierStatus.READY:
                dossier = services.render_dossier(dossier_id=dossier.pk)
            dossiers.append(dossier)
            self._progress(dossiers, len(subjects))
        if workers:
            dossiers = self._wait(dossiers, timeout)
        self.stdout.write("")
        total_pages = 0
        for dossier in dossiers:
            label = dossier.strategy.alliance.name if dossier.strategy_id else dossier.cycle.name
            pages = dossier.page_count or 0
            total_pages += pages
            self.stdout.write(f"{label:<40} {dossier.get_status_display():<14} {pages:>5} Seiten "
                              f"{dossier.render_seconds or 0:>7.2f} s")
        elapsed = time.monotonic() - started
        failed = [d for d in dossiers if d.status != DossierStatus.READY]
        self.stdout.write(f"Gesamt: {len(dossiers)} Dossiers, {total_pages} Seiten in {elapsed:.2f} s "
                          f"({total_pages / elapsed if elapsed else 0:.1f} Seiten/s)")
        if failed:
            raise CommandError(f"{len(failed)} Dossiers sind nicht fertig geworden.")

    def _check_arguments(self, *, kind, all_, alliance, timeout):
        """Refuses contradictory or unknown arguments with a German message; returns the timeout in seconds."""
        if kind not in KINDS:
            raise CommandError(f"Unbekannte Art „{kind}“. Erlaubt sind: {', '.join(KINDS)}.")
        if kind == DossierKind.CYCLE_REPORT and (all_ or alliance):
            raise CommandError("Der Bericht zur Begutachtungsrunde gilt für die ganze Runde: "
                               "--all und --alliance passen nicht dazu.")
        if kind != DossierKind.CYCLE_REPORT and not (all_ or alliance):
            raise CommandError("Bitte --all oder --alliance <kurzname> angeben.")
        if all_ and alliance:
            raise CommandError("Bitte entweder --all oder --alliance angeben, nicht beides.")
        try:
            seconds = int(timeout)
        except (TypeError, ValueError):
            seconds = 0
        if seconds <= 0:
            raise CommandError(f"--timeout erwartet eine positive ganze Zahl von Sekunden, nicht „{timeout}“.")
        return seconds

    def _wait(self, dossiers, timeout):
        deadline = time.monotonic() + timeout
        ids = [dossier.pk for dossier in dossiers]
        while time.monotonic() < deadline:
            current = list(Dossier.objects.filter(pk__in=ids).select_related("strategy__alliance", "cycle"))
            self._progress([d for d in current if d.is_done], len(ids))
            if all(d.is_done for d in current):
                return sorted(current, key=lambda d: ids.index(d.pk))
            time.sleep(0.2)
        return list(Dossier.objects.filter(pk__in=ids).select_related("strategy__alliance", "cycle"))

    def _progress(self, done, total):
        if not sys.stdout.isatty():
            return
        width = 30
        filled = int(width * len(done) / total) if total else width
        self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {len(done)}/{total}", ending="")
        self.stdout.flush()
