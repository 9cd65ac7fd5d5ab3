"""Questions of alliances to the programme office, internal comments, and the published FAQ."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alliances.models.alliance import Alliance, AllianceScopedQuerySet
from alliances.models.cycle import EvaluationCycle
from portal.uploads import CheckStatus, removed_content_notice, served_name


class QuestionTopic(models.TextChoices):
    STRATEGY_CONTENT = "content", _("Inhalt der Strategie")
    BUDGET = "budget", _("Finanzplan und Budget")
    CRITERIA = "criteria", _("Bewertungskriterien")
    PROCESS = "process", _("Verfahren")
    DEADLINES = "deadlines", _("Fristen und Termine")
    OTHER = "other", _("Sonstiges")
    # A barrier in the portal (BITV 2.0 feedback): any signed-in user may report one, with or without an alliance.
    ACCESSIBILITY = "accessibility", _("Barrierefreiheit")


class QuestionStatus(models.TextChoices):
    OPEN = "open", _("offen")
    ANSWERED = "answered", _("beantwortet")


class QuestionQuerySet(AllianceScopedQuerySet):
    """Questions, seen by the same people as their alliance's strategy."""


def question_attachment_path(instance, filename):
    return f"questions/{instance.cycle_id}/{instance.public_id}.pdf"


class Question(models.Model):
    """A question an alliance puts to the programme office about the evaluation, or a barrier in the portal that
    any signed-in user reports (then without an alliance, topic "Barrierefreiheit")."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cycle = models.ForeignKey(EvaluationCycle, on_delete=models.PROTECT, related_name="questions")
    alliance = models.ForeignKey(Alliance, on_delete=models.PROTECT, related_name="questions", null=True, blank=True)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    topic = models.CharField(_("Thema"), max_length=16, choices=QuestionTopic.choices)
    text = models.TextField(_("Frage"))
    attachment = models.FileField(_("Anhang (PDF)"), upload_to=question_attachment_path, blank=True, max_length=300)
    attachment_name = models.CharField(_("Dateiname des Anhangs"), max_length=255, blank=True)
    # The stored (cleaned) copy's hash; the uploader's own in attachment_original_sha256.
    attachment_sha256 = models.CharField(max_length=64, blank=True)
    attachment_original_sha256 = models.CharField(max_length=64, blank=True)
    # Empty without an attachment.
    attachment_status = models.CharField(
        _("Prüfung des Anhangs"), max_length=16, choices=CheckStatus.choices, blank=True, default=""
    )
    attachment_message = models.TextField(_("Grund der Ablehnung des Anhangs"), blank=True)
    attachment_removed = models.JSONField(_("Aus dem Anhang entfernte Inhalte"), default=list, blank=True)
    asked_at = models.DateTimeField(_("gestellt am"), default=timezone.now)
    status = models.CharField(_("Status"), max_length=16, choices=QuestionStatus.choices, default=QuestionStatus.OPEN)
    answer = models.TextField(_("Antwort"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("beantwortet am"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()
    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("Frage")
        verbose_name_plural = _("Fragen")
        ordering = ["-asked_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=QuestionStatus.OPEN) | ~Q(answer=""), name="answered_question_has_answer"
            ),
            models.CheckConstraint(
                condition=Q(alliance__isnull=False) | Q(topic="accessibility"),
                name="only_barrier_reports_lack_alliance",
            ),
        ]

    def __str__(self):
        return f"{self.alliance or self.get_topic_display()}: {self.text[:60]}"

    @property
    def is_barrier_report(self):
        return self.alliance_id is None

    @property
    def attachment_served_name(self):
        return served_name(self.attachment_name)

    @property
    def has_checked_attachment(self):
        return bool(self.attachment) and self.attachment_status == CheckStatus.CHECKED

    @property
    def attachment_pending(self):
        return self.attachment_status == CheckStatus.PENDING

    @property
    def attachment_refused(self):
        return self.attachment_status == CheckStatus.REFUSED

    @property
    def attachment_removed_notice(self):
        return removed_content_notice(self.attachment_removed)


class QuestionComment(models.Model):
    """An internal note between programme office and ministry; alliances never see it."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("Kommentar"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("interner Kommentar")
        verbose_name_plural = _("interne Kommentare")
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.author}: {self.text[:40]}"


class FaqEntry(models.Model):
    """A published, anonymised question and answer that every alliance of the cycle can read."""

    cycle = models.ForeignKey(EvaluationCycle, on_delete=models.PROTECT, related_name="faq_entries")
    topic = models.CharField(_("Thema"), max_length=16, choices=QuestionTopic.choices)
    question = models.TextField(_("Frage (ohne Bezug auf ein Bündnis)"))
    answer = models.TextField(_("Antwort"))
    # The private original; never shown to other alliances.
    source_question = models.ForeignKey(
        Question, on_delete=models.SET_NULL, null=True, blank=True, related_name="faq_entries"
    )
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("veröffentlicht am"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("FAQ-Eintrag")
        verbose_name_plural = _("FAQ-Einträge")
        ordering = ["topic", "-published_at"]

    def __str__(self):
        return self.question[:80]


class FaqDigest(models.Model):
    """The one digest e-mail of a day about new FAQ entries of a cycle."""

    cycle = models.ForeignKey(EvaluationCycle, on_delete=models.CASCADE, related_name="faq_digests")
    day = models.DateField()
    entry_count = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "day"], name="faq_digest_once_a_day")]

    def __str__(self):
        return f"{self.cycle} {self.day}"
