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
    SEVEN_DAYS = "7d", _("7 Tage vor der Frist")
    TWO_DAYS = "2d", _("2 Tage vor der Frist")
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

    class Meta:
        verbose_name = _("Erinnerung")
        verbose_name_plural = _("Erinnerungen")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "expert", "kind"], condition=~Q(kind="manual"), name="automatic_reminder_once"
            ),
        ]

    def __str__(self):
        return f"{self.expert} {self.kind}"
