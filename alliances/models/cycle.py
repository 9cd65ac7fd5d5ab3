"""Funding rounds, evaluation cycles and their phases; federal states as reference data."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class FederalState(models.Model):
    """One of the sixteen German federal states (Länder)."""

    code = models.CharField(_("Kürzel"), max_length=2, unique=True)
    name = models.CharField(_("Name"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("Bundesland")
        verbose_name_plural = _("Bundesländer")
        ordering = ["name"]

    def __str__(self):
        return self.name


class FundingRound(models.Model):
    name = models.CharField(_("Name"), max_length=120, unique=True)
    number = models.PositiveSmallIntegerField(_("Nummer"), unique=True)
    implementation_start = models.DateField(_("Beginn der Umsetzungsphase"))

    class Meta:
        verbose_name = _("Förderrunde")
        verbose_name_plural = _("Förderrunden")
        ordering = ["number"]

    def __str__(self):
        return self.name


class Phase(models.TextChoices):
    PREPARATION = "preparation", _("Vorbereitung")
    SUBMISSION = "submission", _("Einreichung")
    REVIEW = "review", _("Begutachtung")
    PANEL = "panel", _("Jury")
    DECISION = "decision", _("Entscheidung")
    RELEASED = "released", _("Freigegeben")


PHASE_ORDER = list(Phase.values)


class EvaluationCycle(models.Model):
    """An interim evaluation; its phase follows from its dates at read time."""

    funding_round = models.ForeignKey(
        FundingRound, on_delete=models.PROTECT, related_name="cycles", verbose_name=_("Förderrunde")
    )
    name = models.CharField(_("Name"), max_length=120)
    slug = models.SlugField(_("Kurzname"), unique=True)
    submission_opens_at = models.DateTimeField(_("Einreichung ab"))
    submission_deadline = models.DateTimeField(_("Einreichungsfrist"))
    review_deadline = models.DateTimeField(_("Frist für Gutachten"))
    panel_deadline = models.DateTimeField(_("Ende der Jurysitzungen"))
    decision_deadline = models.DateTimeField(_("Entscheidung bis"))
    released_at = models.DateTimeField(_("Entscheidungen freigegeben am"), null=True, blank=True)
    budget = models.DecimalField(_("Budget (EUR)"), max_digits=14, decimal_places=2)
    max_grant_per_alliance = models.DecimalField(
        _("Höchstbetrag je Bündnis (EUR)"), max_digits=14, decimal_places=2, default=Decimal("7000000")
    )
    first_funding_year = models.PositiveSmallIntegerField(_("Erstes Förderjahr der Phase II"))
    funding_years = models.PositiveSmallIntegerField(_("Anzahl Förderjahre"), default=3)
    phase_override = models.CharField(
        _("Phase (manuell)"),
        max_length=16,
        choices=Phase.choices,
        blank=True,
        help_text=_("Leer lassen, damit sich die Phase aus den Terminen ergibt."),
    )
    # Reminders go out this many hours before a deadline (submission and review), each once.
    first_reminder_hours = models.PositiveSmallIntegerField(_("Erste Erinnerung (Stunden vor der Frist)"), default=336)
    second_reminder_hours = models.PositiveSmallIntegerField(_("Zweite Erinnerung (Stunden vor der Frist)"), default=72)
    last_reminder_hours = models.PositiveSmallIntegerField(_("Letzte Erinnerung (Stunden vor der Frist)"), default=24)
    # Grows with every change to what the cycle's figures show (reviews, Votum, decisions, budgets, submissions),
    # in the transaction of that change; cached figures are keyed by it, so none outlives a change.
    figures_version = models.PositiveBigIntegerField(default=0, editable=False)
    history = HistoricalRecords(excluded_fields=["figures_version"])

    class Meta:
        verbose_name = _("Begutachtungsrunde")
        verbose_name_plural = _("Begutachtungsrunden")
        ordering = ["-submission_deadline"]
        constraints = [
            models.CheckConstraint(
                condition=Q(submission_opens_at__lt=models.F("submission_deadline"))
                & Q(submission_deadline__lte=models.F("review_deadline"))
                & Q(review_deadline__lte=models.F("panel_deadline"))
                & Q(panel_deadline__lte=models.F("decision_deadline")),
                name="cycle_dates_in_order",
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="cycle_budget_not_negative"),
            # Each reminder comes closer to the deadline than the one before, so none coincides with another.
            models.CheckConstraint(
                condition=Q(first_reminder_hours__gt=models.F("second_reminder_hours"))
                & Q(second_reminder_hours__gt=models.F("last_reminder_hours"))
                & Q(last_reminder_hours__gt=0),
                name="cycle_reminders_come_closer",
            ),
        ]

    def __str__(self):
        return self.name

    def phase_at(self, moment):
        if self.phase_override:
            return Phase(self.phase_override)
        if moment < self.submission_opens_at:
            return Phase.PREPARATION
        if moment <= self.submission_deadline:
            return Phase.SUBMISSION
        if moment <= self.review_deadline:
            return Phase.REVIEW
        if moment <= self.panel_deadline:
            return Phase.PANEL
        if self.released_at and moment >= self.released_at:
            return Phase.RELEASED
        return Phase.DECISION

    @property
    def phase(self):
        return self.phase_at(timezone.now())

    @property
    def reminder_offsets(self):
        """The hours before a deadline at which reminders go out, earliest reminder first."""
        return sorted({self.first_reminder_hours, self.second_reminder_hours, self.last_reminder_hours}, reverse=True)

    @property
    def years(self):
        return list(range(self.first_funding_year, self.first_funding_year + self.funding_years))


def current_cycle():
    """The cycle users work in: the one with the latest submission deadline."""
    return EvaluationCycle.objects.select_related("funding_round").first()
