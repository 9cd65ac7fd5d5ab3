"""The rubric of a cycle: its versions and criteria."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alliances.models import EvaluationCycle

DEFAULT_SCALE_LABELS = {
    "0": _("ungenügend"),
    "1": _("mangelhaft"),
    "2": _("ausreichend"),
    "3": _("befriedigend"),
    "4": _("gut"),
    "5": _("hervorragend"),
}


class RubricVersion(models.Model):
    """One version of a cycle's rubric; reviews keep the version they were written against."""

    cycle = models.ForeignKey(EvaluationCycle, on_delete=models.PROTECT, related_name="rubric_versions")
    number = models.PositiveSmallIntegerField(_("Version"))
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Bewertungsschema")
        verbose_name_plural = _("Bewertungsschemata")
        ordering = ["cycle", "-number"]
        constraints = [models.UniqueConstraint(fields=["cycle", "number"], name="rubric_version_unique")]

    def __str__(self):
        return f"{self.cycle} – {_('Version')} {self.number}"


class Criterion(models.Model):
    rubric = models.ForeignKey(RubricVersion, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)
    code = models.SlugField(_("Kürzel"), max_length=40)
    title = models.CharField(_("Titel"), max_length=200)
    title_en = models.CharField(_("Titel (englisch)"), max_length=200, blank=True)
    guiding_questions = models.TextField(_("Leitfragen"), blank=True)
    weight = models.PositiveSmallIntegerField(_("Gewicht"))
    scale_min = models.PositiveSmallIntegerField(_("Skala von"), default=0)
    scale_max = models.PositiveSmallIntegerField(_("Skala bis"), default=5)
    scale_labels = models.JSONField(_("Beschriftung der Skalenpunkte"), default=dict, blank=True)
    justification_required = models.BooleanField(_("Begründung erforderlich"), default=True)
    allows_not_applicable = models.BooleanField(_("„nicht anwendbar“ erlaubt"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Bewertungskriterium")
        verbose_name_plural = _("Bewertungskriterien")
        ordering = ["rubric", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "code"], name="criterion_code_unique_per_rubric"),
            models.CheckConstraint(condition=Q(scale_max__gt=models.F("scale_min")), name="criterion_scale_valid"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
        ]

    def __str__(self):
        return f"{self.code}: {self.display_title}"

    @property
    def display_title(self):
        if (get_language() or "de").startswith("en") and self.title_en:
            return self.title_en
        return self.title

    def scale_points(self):
        labels = self.scale_labels or {}
        return [(point, labels.get(str(point), "")) for point in range(self.scale_min, self.scale_max + 1)]
