"""An alliance's pitch slides: a PDF uploaded for its pitch, checked like every upload (portal/uploads.py)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alliances.models import Strategy
from portal.uploads import CheckStatus, removed_content_notice, served_name


def pitch_slides_path(instance, filename):
    # Server-generated name; the uploaded name is kept only as metadata.
    return f"pitch-slides/{instance.strategy_id}/{instance.public_id}.pdf"


class PitchSlidesQuerySet(models.QuerySet):
    def current(self):
        """The slides that stand: checked and not replaced by a later upload."""
        return self.filter(check_status=CheckStatus.CHECKED, replaced_at__isnull=True)


class PitchSlides(models.Model):
    """One upload of an alliance's pitch slides. A new upload that passes the check replaces the earlier one,
    which keeps its file and history until the cleanup."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, related_name="pitch_slides")
    file = models.FileField(_("Datei"), upload_to=pitch_slides_path, max_length=300, blank=True)
    original_name = models.CharField(_("Dateiname"), max_length=255)
    # Of the copy the portal serves: the upload until it is checked, then the cleaned copy (as for documents).
    size = models.PositiveBigIntegerField(_("Größe (Bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    page_count = models.PositiveIntegerField(_("Seiten"), default=0)
    original_sha256 = models.CharField(_("SHA-256 der hochgeladenen Datei"), max_length=64, blank=True)
    check_status = models.CharField(
        _("Prüfung"), max_length=16, choices=CheckStatus.choices, default=CheckStatus.PENDING
    )
    check_message = models.TextField(_("Grund der Ablehnung"), blank=True)
    removed_content = models.JSONField(_("Entfernte Inhalte"), default=list, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("hochgeladen am"), default=timezone.now)
    replaced_at = models.DateTimeField(_("ersetzt am"), null=True, blank=True)
    history = HistoricalRecords()
    objects = PitchSlidesQuerySet.as_manager()

    class Meta:
        verbose_name = _("Pitch-Folien")
        verbose_name_plural = _("Pitch-Folien")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return self.original_name

    @property
    def served_name(self):
        return served_name(self.original_name)

    @property
    def is_checked(self):
        return self.check_status == CheckStatus.CHECKED

    @property
    def is_pending(self):
        return self.check_status == CheckStatus.PENDING

    @property
    def is_refused(self):
        return self.check_status == CheckStatus.REFUSED

    @property
    def removed_notice(self):
        return removed_content_notice(self.removed_content)
