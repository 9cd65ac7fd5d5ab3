import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliances.models import AllianceMembership, EvaluationCycle, Strategy
from decisions.models import FundingDecision
from dossiers import liveness
from portal.models import Role
from reviews.models import Assignment, AssignmentStatus, JurySession


class DossierKind(models.TextChoices):
    STRATEGY = "strategy", _("Strategie-Dossier")
    EVALUATION = "evaluation", _("Bewertungs-Dossier")
    CYCLE_REPORT = "cycle_report", _("Bericht zur Begutachtungsrunde")
    CYCLE_ARCHIVE = "cycle_archive", _("ZIP-Archiv aller Bewertungs-Dossiers")
    DECISION_LETTER = "decision_letter", _("Entscheidungsschreiben")
    LETTER_DRAFT = "letter_draft", _("Entwurf des Entscheidungsschreibens")
    DASHBOARD_CSV = "dashboard_csv", _("Dashboard-Export (CSV)")
    DASHBOARD_XLSX = "dashboard_xlsx", _("Dashboard-Export (Excel)")
    PERSONAL_DATA = "personal_data", _("Auskunft über die gespeicherten Daten (Art. 15 DSGVO)")
    PRIVACY_RECORD = "privacy_record", _("Verzeichnis von Verarbeitungstätigkeiten (Art. 30 DSGVO)")
    SESSION_MINUTES = "session_minutes", _("Sitzungsprotokoll")


# Kinds whose subject is one strategy; the others are about a whole cycle.
STRATEGY_KINDS = (
    DossierKind.STRATEGY,
    DossierKind.EVALUATION,
    DossierKind.DECISION_LETTER,
    DossierKind.LETTER_DRAFT,
)
# Kinds for the ministry alone; a letter's draft is the ministry's until it releases the decision.
MINISTRY_KINDS = (
    DossierKind.EVALUATION,
    DossierKind.CYCLE_REPORT,
    DossierKind.CYCLE_ARCHIVE,
    DossierKind.LETTER_DRAFT,
)
# The dashboard's exports, too large to stream: for the dashboard's readers (ministry and programme office).
EXPORT_KINDS = (DossierKind.DASHBOARD_CSV, DossierKind.DASHBOARD_XLSX)
CYCLE_KINDS = (DossierKind.CYCLE_REPORT, DossierKind.CYCLE_ARCHIVE, *EXPORT_KINDS)
# The minutes of a jury session: about one session, for the programme office and the ministry alone.
SESSION_KINDS = (DossierKind.SESSION_MINUTES,)
# Kinds of data protection, about no cycle: a person's own data (for that person alone) and the record of
# processing activities (for the admins, who hand it to the data protection officer).
PRIVACY_KINDS = (DossierKind.PERSONAL_DATA, DossierKind.PRIVACY_RECORD)
# Download names of the data protection kinds, in place of a cycle or alliance.
PRIVACY_SUBJECTS = {DossierKind.PERSONAL_DATA: "meine-daten", DossierKind.PRIVACY_RECORD: "verarbeitungsverzeichnis"}
# File extension and content type of each kind's file; PDF for the others.
FILE_TYPES = {
    DossierKind.CYCLE_ARCHIVE: ("zip", "application/zip"),
    DossierKind.DASHBOARD_CSV: ("csv", "text/csv; charset=utf-8"),
    DossierKind.DASHBOARD_XLSX: ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
PDF = ("pdf", "application/pdf")


def file_type(kind):
    """(extension, content type) of the file of a dossier of `kind`."""
    return FILE_TYPES.get(kind, PDF)


class DossierStatus(models.TextChoices):
    QUEUED = "queued", _("in der Warteschlange")
    RENDERING = "rendering", _("wird erstellt")
    READY = "ready", _("fertig")
    FAILED = "failed", _("fehlgeschlagen")


def dossier_path(instance, filename):
    extension, _content_type = file_type(instance.kind)
    folder = instance.cycle_id or "datenschutz"
    return f"dossiers/{folder}/{instance.public_id}.{extension}"


class DossierQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The dossiers `user` may read; mirrors the `dossiers.read_dossier` rule (see dossiers/rules.py)."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        own = Q(kind=DossierKind.PERSONAL_DATA, person=user)
        if user.role == Role.ADMIN:
            own |= Q(kind=DossierKind.PRIVACY_RECORD)
        return self.filter(own) | self.exclude(kind__in=PRIVACY_KINDS)._visible_in_cycles(user)

    def _visible_in_cycles(self, user):
        if user.role == Role.MINISTRY:
            return self
        if user.role == Role.PROGRAMME_OFFICE:
            return self.filter(
                kind__in=[DossierKind.STRATEGY, DossierKind.DECISION_LETTER, *EXPORT_KINDS, *SESSION_KINDS]
            )
        if user.role == Role.ALLIANCE_MANAGER:
            managed = AllianceMembership.objects.filter(alliance=OuterRef("strategy__alliance"), user=user)
            released = FundingDecision.objects.filter(strategy=OuterRef("strategy")).released()
            return self.filter(Exists(managed)).filter(
                Q(kind=DossierKind.STRATEGY) | Q(Exists(released), kind=DossierKind.DECISION_LETTER)
            )
        if user.role == Role.EXPERT:
            cleared = Assignment.objects.filter(
                strategy=OuterRef("strategy"), expert=user, status=AssignmentStatus.CLEARED
            )
            return self.filter(Exists(cleared), kind=DossierKind.STRATEGY)
        return self.none()


class Dossier(models.Model):
    """A rendered document about a strategy, a whole cycle, a jury session or a person; never rendered twice for
    the same inputs.

    One row per kind, subject, input fingerprint and generation. A failed or interrupted rendering is done again
    in the same row; only a deliberate re-rendering of a ready dossier (`force`, or an archive with missing
    parts) starts the next generation.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("Art"), max_length=16, choices=DossierKind.choices)
    cycle = models.ForeignKey(EvaluationCycle, on_delete=models.PROTECT, null=True, blank=True, related_name="dossiers")
    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, null=True, blank=True, related_name="dossiers")
    status = models.CharField(_("Status"), max_length=16, choices=DossierStatus.choices, default=DossierStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("Fortschritt (%)"), default=0)
    error_message = models.TextField(_("Fehlermeldung"), blank=True)
    fingerprint = models.CharField(_("Fingerabdruck der Eingaben"), max_length=64, db_index=True)
    generation = models.PositiveSmallIntegerField(_("Neuerstellung Nr."), default=0)
    file = models.FileField(_("Datei"), upload_to=dossier_path, blank=True, max_length=300)
    page_count = models.PositiveIntegerField(_("Seiten"), null=True, blank=True)
    render_seconds = models.FloatField(_("Erstellungsdauer (s)"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The jury session whose minutes this is.
    jury_session = models.ForeignKey(
        JurySession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers",
        verbose_name=_("Jurysitzung"),
    )
    # The person a personal data export is about (and the only one who reads it).
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="personal_data_dossiers",
        verbose_name=_("betroffene Person"),
    )
    created_at = models.DateTimeField(_("angefordert am"), default=timezone.now)
    # When its rendering task was last sent to the workers; the sweep sends it again after a while.
    enqueued_at = models.DateTimeField(_("zuletzt übergeben am"), null=True, blank=True)
    started_at = models.DateTimeField(_("begonnen am"), null=True, blank=True)
    # Written every few seconds while a worker renders; its silence shows that the worker is gone.
    heartbeat_at = models.DateTimeField(_("letztes Lebenszeichen"), null=True, blank=True)
    finished_at = models.DateTimeField(_("fertig am"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    warnings = models.JSONField(_("Hinweise"), default=list, blank=True)
    missing_parts = models.PositiveSmallIntegerField(_("fehlende Teile"), default=0)
    # A dashboard export: the page's filters it was made with, its language and how many rows it has.
    export_filters = models.JSONField(_("Filter des Exports"), default=dict, blank=True)
    language = models.CharField(_("Sprache"), max_length=8, blank=True)
    row_count = models.PositiveIntegerField(_("Zeilen"), null=True, blank=True)
    objects = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = _("Dossier")
        verbose_name_plural = _("Dossiers")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="dossier_progress_percent"),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=STRATEGY_KINDS, strategy__isnull=False, cycle__isnull=False, person__isnull=True)
                    | Q(kind__in=CYCLE_KINDS, strategy__isnull=True, cycle__isnull=False, person__isnull=True)
                    | Q(kind=DossierKind.PERSONAL_DATA, strategy__isnull=True, cycle__isnull=True, person__isnull=False)
                    | Q(kind=DossierKind.PRIVACY_RECORD, strategy__isnull=True, cycle__isnull=True, person__isnull=True)
                )
                & Q(jury_session__isnull=True)
                | Q(
                    kind__in=SESSION_KINDS,
                    jury_session__isnull=False,
                    strategy__isnull=True,
                    cycle__isnull=False,
                    person__isnull=True,
                ),
                name="dossier_subject_matches_kind",
            ),
            # Two partial constraints rather than one with NULLS NOT DISTINCT, so that SQLite (`make run`)
            # enforces them as well.
            models.UniqueConstraint(
                fields=["kind", "cycle", "strategy", "fingerprint", "generation"],
                condition=Q(strategy__isnull=False),
                name="dossier_one_per_strategy_inputs",
            ),
            models.UniqueConstraint(
                fields=["kind", "cycle", "fingerprint", "generation"],
                condition=Q(strategy__isnull=True, cycle__isnull=False),
                name="dossier_one_per_cycle_inputs",
            ),
            models.UniqueConstraint(
                fields=["kind", "jury_session", "fingerprint", "generation"],
                condition=Q(jury_session__isnull=False),
                name="dossier_one_per_session_inputs",
            ),
            models.UniqueConstraint(
                fields=["kind", "person", "fingerprint", "generation"],
                condition=Q(person__isnull=False),
                name="dossier_one_per_person_inputs",
            ),
            models.UniqueConstraint(
                fields=["kind", "fingerprint", "generation"],
                condition=Q(kind=DossierKind.PRIVACY_RECORD),
                name="dossier_one_record_per_inputs",
            ),
        ]

    def __str__(self):
        if self.kind in PRIVACY_KINDS:
            return str(self.get_kind_display())
        if self.jury_session_id:
            subject = self.jury_session.title
        else:
            subject = self.strategy.alliance.name if self.strategy_id else self.cycle.name
        return f"{self.get_kind_display()}: {subject}"

    @property
    def is_done(self):
        return self.status in (DossierStatus.READY, DossierStatus.FAILED)

    @property
    def is_interrupted(self):
        """Pending, but its task or its worker was lost (see dossiers/liveness.py); a request renders it afresh."""
        return not self.is_done and liveness.verdict_for(self, now=timezone.now()) != liveness.Verdict.KEEP

    @property
    def is_export(self):
        return self.kind in EXPORT_KINDS

    @property
    def content_type(self):
        return file_type(self.kind)[1]

    @property
    def filename(self):
        if self.kind in PRIVACY_KINDS:
            subject = PRIVACY_SUBJECTS[self.kind]
        elif self.jury_session_id:
            subject = session_subject(self.cycle.slug, self.jury_session)
        else:
            subject = self.strategy.alliance.slug if self.strategy_id else self.cycle.slug
        return dossier_filename(self.kind, subject, timezone.localtime(self.created_at).date())


def session_subject(cycle_slug, session):
    """A session's minutes are named by the cycle and the session's day, with its id for two sessions a day."""
    day = timezone.localtime(session.starts_at).date()
    return f"{cycle_slug}_jurysitzung-{day:%Y-%m-%d}-{session.pk}"


def dossier_filename(kind, subject_slug, day):
    """The download name of a dossier of `kind` about the alliance or cycle `subject_slug`, made on `day`; an
    export is named like the one the dashboard streams."""
    extension, _content_type = file_type(kind)
    if kind in PRIVACY_KINDS:
        return f"{subject_slug}_{day:%Y-%m-%d}.{extension}"
    prefix = "dashboard" if kind in EXPORT_KINDS else kind
    return f"{prefix}_{subject_slug}_{day:%Y-%m-%d}.{extension}"


class DossierDownload(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    downloaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Dossier-Abruf")
        verbose_name_plural = _("Dossier-Abrufe")
        ordering = ["-downloaded_at"]

    def __str__(self):
        return f"{self.dossier} – {self.user}"
