import sys
import time

from django.core.management.base import BaseCommand, CommandError

from alliances.models import EvaluationCycle, Strategy, current_cycle
from dossiers import services
from dossiers.models import STRATEGY_KINDS, Dossier, DossierKind, DossierStatus
from reviews.models import JurySession

# Every kind the web offers, in the order of the cycle: per strategy, then once per cycle.
KINDS = [
    DossierKind.STRATEGY.value,
    DossierKind.EVALUATION.value,
    DossierKind.DECISION_LETTER.value,
    DossierKind.LETTER_DRAFT.value,
    DossierKind.CYCLE_REPORT.value,
    DossierKind.CYCLE_ARCHIVE.value,
    DossierKind.SESSION_MINUTES.value,
]
# How a refusal names a dossier that belongs to the whole cycle.
CYCLE_KIND_SUBJECTS = {
    DossierKind.CYCLE_REPORT: "Der Bericht zur Begutachtungsrunde",
    DossierKind.CYCLE_ARCHIVE: "Das ZIP-Archiv der Begutachtungsrunde",
    DossierKind.SESSION_MINUTES: "Das Sitzungsprotokoll (je Jurysitzung der Runde)",
}


class Command(BaseCommand):
    help = (
        "Erstellt Dossiers einer Begutachtungsrunde über dieselben Dienste wie die Weboberfläche: je eingereichter "
        "Strategie das Strategie-Dossier, das Bewertungs-Dossier oder das Entscheidungsschreiben, je Runde den "
        "Bericht oder das ZIP-Archiv, je Jurysitzung das Sitzungsprotokoll. Ohne --workers erstellt der Befehl "
        "die Dossiers selbst, mit --workers übergibt er sie den Celery-Workern und wartet auf sie. Ein Dossier "
        "mit unveränderten Eingaben wird wiederverwendet (siehe --force). Ausgabe: je Dossier Status, Seiten und "
        "Sekunden, je übersprungenem Bündnis der Grund, am Ende die Summe; im Terminal zusätzlich ein "
        "Fortschrittsbalken."
    )

    def add_arguments(self, parser):
        # Checked in handle(), so that a wrong value is refused with a German message.
        parser.add_argument(
            "--kind",
            default=DossierKind.STRATEGY.value,
            metavar="ART",
            help="Art der Dossiers (Standard: strategy). Je eingereichter Strategie, mit --all oder --alliance: "
            "strategy (Strategie-Dossier), evaluation (Bewertungs-Dossier), decision_letter "
            "(Entscheidungsschreiben; nur für Strategien mit freigegebener Förderentscheidung, die übrigen "
            "werden mit einem Hinweis übersprungen), letter_draft (Entwurf des Entscheidungsschreibens; nur für "
            "Strategien mit einer Förderentscheidung vor der Freigabe). Einmal je Runde, ohne --all und --alliance: "
            "cycle_report (Bericht zur Begutachtungsrunde), cycle_archive (ZIP-Archiv mit den "
            "Bewertungs-Dossiers aller eingereichten Strategien und dem Bericht; fehlende Teile werden "
            "dabei erstellt). Einmal je geplanter Jurysitzung der Runde, ohne --all und --alliance: "
            "session_minutes (Sitzungsprotokoll).",
        )
        parser.add_argument(
            "--cycle",
            metavar="KURZNAME",
            help="Kurzname der Begutachtungsrunde (Standard: die aktuelle, also die mit der spätesten "
            "Einreichungsfrist).",
        )
        parser.add_argument(
            "--all",
            action="store_true",
            help="Alle eingereichten Strategien der Runde, nach Bündnisnamen geordnet (nur für strategy, "
            "evaluation, decision_letter und letter_draft; schließt --alliance aus).",
        )
        parser.add_argument(
            "--alliance",
            action="append",
            default=[],
            metavar="KURZNAME",
            help="Kurzname eines Bündnisses, dessen Strategie in der Runde eingereicht ist; mehrfach angebbar "
            "(nur für strategy, evaluation, decision_letter und letter_draft; schließt --all aus).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Auch bei unveränderten Eingaben ein neues Dossier erstellen, statt das vorhandene "
            "wiederzuverwenden. Beim ZIP-Archiv gilt das nur für das Archiv selbst; seine Teile werden "
            "wiederverwendet, solange ihre Eingaben unverändert sind.",
        )
        parser.add_argument(
            "--workers",
            action="store_true",
            help="Die Dossiers den Celery-Workern übergeben (Warteschlange pdf), statt sie im Befehl selbst zu "
            "erstellen, und warten, bis alle fertig oder fehlgeschlagen sind. Ohne REDIS_URL laufen die "
            "Aufgaben ohnehin im Prozess.",
        )
        parser.add_argument(
            "--timeout",
            default="600",
            metavar="SEKUNDEN",
            help="Wirkt nur mit --workers: so viele Sekunden wird höchstens auf die Worker gewartet (positive "
            "ganze Zahl, Standard: 600). Was bis dahin nicht fertig ist, bleibt angefordert, und der Befehl "
            "endet mit einem Fehler.",
        )

    def handle(self, *args, kind, cycle, all, alliance, force, workers, timeout, **options):  # noqa: A002
        timeout = self._check_arguments(kind=kind, all_=all, alliance=alliance, timeout=timeout)
        cycle_obj = EvaluationCycle.objects.filter(slug=cycle).first() if cycle else current_cycle()
        if cycle_obj is None:
            raise CommandError(
                f"Keine Begutachtungsrunde „{cycle}“ gefunden." if cycle else "Keine Begutachtungsrunde gefunden."
            )
        subjects = self._subjects(kind=kind, cycle=cycle_obj, all_=all, alliance=alliance)
        started = time.monotonic()
        dossiers = []
        skipped = []  # (alliance name, reason) of strategies that cannot have this kind of dossier yet
        for subject in subjects:
            # Without --workers the command renders itself, so nothing is sent to the workers as well.
            about = {"jury_session": subject} if kind == DossierKind.SESSION_MINUTES else {"strategy": subject}
            try:
                dossier = services.request_dossier(kind=kind, cycle=cycle_obj, force=force, enqueue=workers, **about)
            except services.DossierUnavailable as unavailable:
                skipped.append((getattr(subject, "title", None) or subject.alliance.name, unavailable.message))
                continue
            if not workers and dossier.status != DossierStatus.READY:
                dossier = services.render_dossier(dossier_id=dossier.pk)
            dossiers.append(dossier)
            self._progress(len(dossiers) + len(skipped), len(subjects))
        if not dossiers:
            reasons = " ".join(f"{name} übersprungen: {reason}" for name, reason in skipped)
            raise CommandError(f"Nichts zu erstellen. {reasons}")
        if workers:
            dossiers = self._wait(dossiers, timeout, skipped=len(skipped))
        self.stdout.write("")
        self.stdout.write(f"{DossierKind(kind).label} – {cycle_obj.name}")
        total_pages = 0
        for dossier in dossiers:
            label = dossier.strategy.alliance.name if dossier.strategy_id else dossier.cycle.name
            if dossier.jury_session_id:
                label = dossier.jury_session.title
            pages = dossier.page_count or 0
            total_pages += pages
            self.stdout.write(
                f"{label:<40} {dossier.get_status_display():<14} {pages:>5} Seiten "
                f"{dossier.render_seconds or 0:>7.2f} s"
            )
        for name, reason in skipped:
            self.stdout.write(f"{name:<40} übersprungen: {reason}")
        elapsed = time.monotonic() - started
        failed = [d for d in dossiers if d.status != DossierStatus.READY]
        self.stdout.write(
            f"Gesamt: {len(dossiers)} Dossiers, {total_pages} Seiten in {elapsed:.2f} s "
            f"({total_pages / elapsed if elapsed else 0:.1f} Seiten/s)"
        )
        if failed:
            raise CommandError(f"{len(failed)} Dossiers sind nicht fertig geworden.")

    def _check_arguments(self, *, kind, all_, alliance, timeout):
        """Refuses contradictory or unknown arguments with a German message; returns the timeout in seconds."""
        if kind not in KINDS:
            raise CommandError(f"Unbekannte Art „{kind}“. Erlaubt sind: {', '.join(KINDS)}.")
        if kind not in STRATEGY_KINDS and (all_ or alliance):
            raise CommandError(
                f"{CYCLE_KIND_SUBJECTS[kind]} gilt für die ganze Runde: --all und --alliance passen nicht dazu."
            )
        if kind in STRATEGY_KINDS and not (all_ or alliance):
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

    def _subjects(self, *, kind, cycle, all_, alliance):
        """The strategies to render for, ordered by alliance name; the cycle's planned jury sessions for their
        minutes; [None] for a dossier about the whole cycle."""
        if kind == DossierKind.SESSION_MINUTES:
            sessions = list(JurySession.objects.planned().filter(cycle=cycle).order_by("starts_at", "pk"))
            if not sessions:
                raise CommandError(f"Nichts zu erstellen: In der Runde „{cycle.name}“ ist keine Jurysitzung geplant.")
            return sessions
        if kind not in STRATEGY_KINDS:
            return [None]
        strategies = (
            Strategy.objects.submitted().filter(cycle=cycle).select_related("alliance").order_by("alliance__name")
        )
        if not all_:
            strategies = strategies.filter(alliance__slug__in=alliance)
            missing = sorted(set(alliance) - {strategy.alliance.slug for strategy in strategies})
            if missing:
                raise CommandError(f"Keine eingereichte Strategie in dieser Runde für: {', '.join(missing)}.")
        subjects = list(strategies)
        if not subjects:
            raise CommandError(f"Nichts zu erstellen: In der Runde „{cycle.name}“ ist keine Strategie eingereicht.")
        return subjects

    def _wait(self, dossiers, timeout, *, skipped):
        deadline = time.monotonic() + timeout
        ids = [dossier.pk for dossier in dossiers]
        while time.monotonic() < deadline:
            current = list(
                Dossier.objects.filter(pk__in=ids).select_related("strategy__alliance", "cycle", "jury_session")
            )
            self._progress(sum(d.is_done for d in current) + skipped, len(ids) + skipped)
            if all(d.is_done for d in current):
                return sorted(current, key=lambda d: ids.index(d.pk))
            time.sleep(0.2)
        current = Dossier.objects.filter(pk__in=ids).select_related("strategy__alliance", "cycle")
        return sorted(current, key=lambda d: ids.index(d.pk))

    def _progress(self, done, total):
        if not sys.stdout.isatty():
            return
        width = 30
        filled = int(width * done / total) if total else width
        self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
        self.stdout.flush()
