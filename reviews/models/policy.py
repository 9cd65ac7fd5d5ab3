"""The cycle's review policy and the reminders sent under it."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alliances.models import EvaluationCycle


class ReviewPolicy(models.Model):
    """How the programme office runs the review of one cycle."""

    cycle = models.OneToOneField(EvaluationCycle, on_delete=models.CASCADE, related_name="review_policy")
    experts_per_strategy = models.PositiveSmallIntegerField(_("Gutachten je Strategie"), default=3)
    load_cap = models.PositiveSmallIntegerField(_("Höchstzahl Strategien je Gutachter/in"), default=6)
    disagreement_threshold = models.DecimalField(
        _("Schwelle für Uneinigkeit (Punkte auf 0–100)"), max_digits=5, decimal_places=2, default=Decimal("25")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Begutachtungsregeln")
        verbose_name_plural = _("Begutachtungsregeln")

    def __str__(self):
        return str(self.cycle)


class ReminderKind(models.TextChoices):
    # Before the cycle's reminder hours, the automatic reminders came at fixed times; their rows keep these kinds.
    SEVEN_DAYS = "7d", _("7 Tage vor der Frist")
    TWO_DAYS = "2d", _("2 Tage vor der Frist")
    BEFORE_DEADLINE = "before", _("vor der Frist")
    MANUAL = "manual", _("von Hand")


class ReviewReminder(models.Model):
    """A reminder sent to one expert; automatic kinds are sent at most once per cycle."""

    cycle = models.ForeignKey(EvaluationCycle, on_delete=models.CASCADE, related_name="review_reminders")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outstanding = models.PositiveSmallIntegerField(_("offene Gutachten"))
    offset_hours = models.PositiveSmallIntegerField(_("Stunden vor der Frist"), null=True, blank=True)
    deadline = models.DateTimeField(_("Frist, an die erinnert wurde"), null=True, blank=True)

    class Meta:
        verbose_name = _("Erinnerung")
        verbose_name_plural = _("Erinnerungen")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "expert", "kind"],
                condition=Q(kind__in=["7d", "2d"]),
                name="automatic_reminder_once",
            ),
            # The deadline belongs to the key: a moved review deadline reminds again, relative to the new one.
            models.UniqueConstraint(
                fields=["cycle", "expert", "offset_hours", "deadline"],
                condition=Q(kind="before"),
                name="reminder_once_per_offset_and_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(kind="before") | (Q(offset_hours__isnull=False) & Q(deadline__isnull=False)),
                name="reminder_before_deadline_names_it",
            ),
        ]

    def __str__(self):
        return f"{self.expert} {self.kind}"
