"""The programme office's panel recommendation (Votum) per strategy."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alliances.models import Strategy
from portal.formatting import euro
from reviews.models.review import Recommendation


class PanelVotum(models.Model):
    """The panel's consolidated recommendation on one strategy."""

    strategy = models.OneToOneField(Strategy, on_delete=models.PROTECT, related_name="votum")
    recommendation = models.CharField(
        _("Empfehlung"), max_length=16, choices=[c for c in Recommendation.choices if c[0] != Recommendation.ABSTAIN]
    )
    proposed_amount = models.DecimalField(_("Vorgeschlagener Betrag (EUR)"), max_digits=12, decimal_places=2)
    conditions = models.TextField(_("Auflagen"), blank=True)
    summary = models.TextField(_("Zusammenfassung des Votums"))
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    # Set when the jury's result in a pitch made or replaced this Votum; the reason says why it replaced one.
    pitch = models.ForeignKey(
        "reviews.PitchSlot", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("Pitch")
    )
    change_reason = models.TextField(_("Grund der Änderung"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Votum")
        verbose_name_plural = _("Voten")
        constraints = [models.CheckConstraint(condition=Q(proposed_amount__gte=0), name="votum_amount_not_negative")]

    def __str__(self):
        return f"{_('Votum')} {self.strategy.alliance}"

    @property
    def proposed_amount_display(self):
        """The proposed amount as every stage shows amounts (portal.formatting.euro)."""
        return euro(self.proposed_amount)
