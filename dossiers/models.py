import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliances.models import AllianceMembership, EvaluationCycle, Strategy
from decisions.models import FundingDecision
from portal.models import Role
from reviews.models import Assignment, AssignmentStatus


class DossierKind(models.TextChoices):
    STRATEGY = "strategy", _("Strategie-Dossier")
    EVALUATION = "evaluation", _("Bewertungs-Dossier")
    CYCLE_REPORT = "cycle_report", _("Bericht zur Begutachtungsrunde")
    CYCLE_ARCHIVE = "cycle_archive", _("ZIP-Archiv aller Bewertungs-Dossiers")
    DECISION_LETTER = "decision_letter", _("Entscheidungsschreiben")


# Kinds whose subject is one strategy; the others are about a whole cycle.
STRATEGY_KINDS = (DossierKind.STRATEGY, DossierKind.EVALUATION, DossierKind.DECISION_LETTER)
# Kinds for the ministry alone.
MINISTRY_KINDS = (DossierKind.EVALUATION, DossierKind.CYCLE_REPORT, DossierKind.CYCLE_ARCHIVE)


class DossierStatus(models.TextChoices):
    QUEUED = "queued", _("in der Warteschlange")
    RENDERING = "rendering", _("wird erstellt")
    READY = "ready", _("fertig")
    FAILED = "failed", _("fehlgeschlagen")


def dossier_path(instance, filename):
    extension = "zip" if instance.kind == DossierKind.CYCLE_ARCHIVE else "pdf"
    return f"dossiers/{instance.cycle_id}/{instance.public_id}.{extension}"


class DossierQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The dossiers `user` may read; mirrors the `dossiers.read_dossier` rule (see dossiers/rules.py)."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.MINISTRY:
            return self
        if user.role == Role.PROGRAMME_OFFICE:
            return self.filter(kind__in=[DossierKind.STRATEGY, DossierKind.DECISION_LETTER])
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
    """A rendered document about a strategy or a whole cycle; never rendered twice for the same inputs."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("Art"), max_length=16, choices=DossierKind.choices)
    cycle = models.ForeignKey(EvaluationCycle, on_delete=models.PROTECT, related_name="dossiers")
    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, null=True, blank=True, related_name="dossiers")
    status = models.CharField(_("Status"), max_length=16, choices=DossierStatus.choices, default=DossierStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("Fortschritt (%)"), default=0)
    error_message = models.TextField(_("Fehlermeldung"), blank=True)
    fingerprint = models.CharField(_("Fingerabdruck der Eingaben"), max_length=64, db_index=True)
    file = models.FileField(_("Datei"), upload_to=dossier_path, blank=True, max_length=300)
    page_count = models.PositiveIntegerField(_("Seiten"), null=True, blank=True)
    render_seconds = models.FloatField(_("Erstellungsdauer (s)"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("angefordert am"), default=timezone.now)
    started_at = models.DateTimeField(_("begonnen am"), null=True, blank=True)
    finished_at = models.DateTimeField(_("fertig am"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    objects = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = _("Dossier")
        verbose_name_plural = _("Dossiers")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="dossier_progress_percent"),
            models.CheckConstraint(
                condition=Q(kind__in=STRATEGY_KINDS, strategy__isnull=False)
                | Q(kind__in=[DossierKind.CYCLE_REPORT, DossierKind.CYCLE_ARCHIVE], strategy__isnull=True),
                name="dossier_subject_matches_kind",
            ),
        ]

    def __str__(self):
        subject = self.strategy.alliance.name if self.strategy_id else self.cycle.name
        return f"{self.get_kind_display()}: {subject}"

    @property
    def is_done(self):
        return self.status in (DossierStatus.READY, DossierStatus.FAILED)

    @property
    def filename(self):
        subject = self.strategy.alliance.slug if self.strategy_id else self.cycle.slug
        extension = "zip" if self.kind == DossierKind.CYCLE_ARCHIVE else "pdf"
        return f"{self.kind}_{subject}_{timezone.localtime(self.created_at):%Y-%m-%d}.{extension}"


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
