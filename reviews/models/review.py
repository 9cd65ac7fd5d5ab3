"""Reviews pinned to one snapshot and one rubric version, and their scores."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alliances.models import Submission
from portal.models import Role
from reviews.models.assignment import Assignment, AssignmentStatus
from reviews.models.rubric import Criterion, RubricVersion


class Recommendation(models.TextChoices):
    FUND = "fund", _("fördern")
    FUND_WITH_CONDITIONS = "conditions", _("mit Auflagen fördern")
    DO_NOT_FUND = "reject", _("nicht fördern")
    ABSTAIN = "abstain", _("Enthaltung")


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    SUBMITTED = "submitted", _("abgegeben")


class ReviewQuerySet(models.QuerySet):
    def of_latest_snapshot(self):
        """Reviews of their strategy's latest submission (none later exists)."""
        later = Submission.objects.filter(
            strategy=models.OuterRef("submission__strategy"), number__gt=models.OuterRef("submission__number")
        )
        return self.filter(~models.Exists(later))

    def done(self):
        """The one definition of a done review: submitted, of the strategy's latest snapshot (any recommendation).

        A resubmission makes the reviews of the older snapshot outstanding again.
        """
        return self.filter(status=ReviewStatus.SUBMITTED).of_latest_snapshot()

    def counting(self):
        """Reviews that count: submitted, with a recommendation other than abstention."""
        return self.filter(status=ReviewStatus.SUBMITTED).exclude(recommendation=Recommendation.ABSTAIN)

    def visible_to(self, user):
        """Staff read every review. An expert reads their own (assignment cleared) and, once their own counting
        review of a snapshot is submitted, the other submitted reviews of that same snapshot."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.role in (Role.PROGRAMME_OFFICE, Role.MINISTRY):
            return self
        if user.role != Role.EXPERT:
            return self.none()
        own_counting = Review.objects.counting().filter(
            assignment__expert=user,
            assignment__status=AssignmentStatus.CLEARED,
            submission=models.OuterRef("submission"),
        )
        return self.filter(
            Q(assignment__expert=user, assignment__status=AssignmentStatus.CLEARED)
            | (Q(status=ReviewStatus.SUBMITTED) & models.Exists(own_counting))
        )


class Review(models.Model):
    """An expert's assessment of one submitted snapshot against one rubric version."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="reviews")
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="reviews")
    rubric = models.ForeignKey(RubricVersion, on_delete=models.PROTECT, related_name="reviews")
    status = models.CharField(_("Status"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    recommendation = models.CharField(_("Empfehlung"), max_length=16, choices=Recommendation.choices, blank=True)
    strengths = models.TextField(_("Stärken"), blank=True)
    weaknesses = models.TextField(_("Schwächen"), blank=True)
    proposed_conditions = models.TextField(_("Vorgeschlagene Auflagen"), blank=True)
    confidential_note = models.TextField(_("Vertrauliche Notiz an das Ministerium"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(_("abgegeben am"), null=True, blank=True)
    # Derived from the scores by reviews.scoring.store_weighted_scores, never set by hand: 0–100, NULL when no
    # criterion is scored (all "not applicable" or unscored); with the rubric version it was computed against.
    weighted_score = models.FloatField(_("gewichtete Punktzahl"), null=True, blank=True, editable=False)
    weighted_score_rubric = models.ForeignKey(
        RubricVersion, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )
    # The stored score is recomputed from the scores (which keep their own history) by a bulk UPDATE that
    # writes no history row; a copy in the review's history would be stale and say nothing new.
    history = HistoricalRecords(excluded_fields=["weighted_score", "weighted_score_rubric"])
    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("Gutachten")
        verbose_name_plural = _("Gutachten")
        ordering = ["assignment__pseudonym"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "submission"], name="review_one_per_snapshot"),
            models.CheckConstraint(
                condition=Q(status=ReviewStatus.DRAFT) | (Q(submitted_at__isnull=False) & ~Q(recommendation="")),
                name="review_submitted_is_complete",
            ),
            models.CheckConstraint(
                condition=Q(weighted_score__isnull=True) | Q(weighted_score__gte=0, weighted_score__lte=100),
                name="review_weighted_score_range",
            ),
            models.CheckConstraint(
                condition=Q(weighted_score__isnull=True) | Q(weighted_score_rubric=models.F("rubric")),
                name="review_weighted_score_of_its_rubric",
            ),
        ]

    def __str__(self):
        return f"{self.assignment} ({self.get_status_display()})"

    @property
    def is_submitted(self):
        return self.status == ReviewStatus.SUBMITTED


class Score(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    value = models.PositiveSmallIntegerField(_("Punkte"), null=True, blank=True)
    not_applicable = models.BooleanField(_("nicht anwendbar"), default=False)
    justification = models.TextField(_("Begründung"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Bewertung")
        verbose_name_plural = _("Bewertungen")
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="score_one_per_criterion"),
            models.CheckConstraint(
                condition=~(Q(value__isnull=False) & Q(not_applicable=True)), name="score_value_or_not_applicable"
            ),
        ]

    def __str__(self):
        return f"{self.criterion.code}: {'n/a' if self.not_applicable else self.value}"
