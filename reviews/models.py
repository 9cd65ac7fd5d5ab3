from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alliances.models import EvaluationCycle, FederalState, Strategy, Submission
from portal.models import Role

DEFAULT_SCALE_LABELS = {
    "0": _("ungenügend"),
    "1": _("mangelhaft"),
    "2": _("ausreichend"),
    "3": _("befriedigend"),
    "4": _("gut"),
    "5": _("hervorragend"),
}


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


class ExpertProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="expert_profile",
        limit_choices_to={"role": Role.EXPERT},
    )
    affiliation = models.CharField(_("Organisation"), max_length=200, blank=True)
    email_domain = models.CharField(_("E-Mail-Domain der Organisation"), max_length=100, blank=True)
    federal_state = models.ForeignKey(
        FederalState, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("Bundesland")
    )
    expertise_keywords = models.TextField(_("Fachgebiete (Stichworte, durch Komma getrennt)"), blank=True)
    declared_ties = models.TextField(_("Erklärte Verbindungen zu Organisationen (eine je Zeile)"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Profil Gutachter/in")
        verbose_name_plural = _("Profile Gutachter/innen")

    def __str__(self):
        return str(self.user)

    def keywords(self):
        return [word.strip().lower() for word in self.expertise_keywords.split(",") if word.strip()]

    def ties(self):
        return [line.strip() for line in self.declared_ties.splitlines() if line.strip()]


class AssignmentStatus(models.TextChoices):
    AWAITING_DECLARATION = "awaiting", _("Erklärung zur Befangenheit ausstehend")
    CLEARED = "cleared", _("freigegeben")
    CONFLICTED = "conflicted", _("befangen – beendet")
    WITHDRAWN = "withdrawn", _("zurückgezogen")


ACTIVE_ASSIGNMENT_STATUSES = [AssignmentStatus.AWAITING_DECLARATION, AssignmentStatus.CLEARED]


class ConflictType(models.TextChoices):
    PERSONAL = "personal", _("persönlich")
    INSTITUTIONAL = "institutional", _("institutionell")
    FINANCIAL = "financial", _("finanziell")
    OTHER = "other", _("sonstiger Grund")


def _done_reviews_of_outer_assignment():
    return Review.objects.done().filter(assignment=models.OuterRef("pk"))


class AssignmentQuerySet(models.QuerySet):
    def active(self):
        """Assignments that still expect a review: awaiting the declaration or cleared."""
        return self.filter(status__in=ACTIVE_ASSIGNMENT_STATUSES)

    def done(self):
        """Assignments whose review is done (see ReviewQuerySet.done)."""
        return self.filter(models.Exists(_done_reviews_of_outer_assignment()))

    def with_done(self):
        """Annotates `review_done` (the same fact as Assignment.is_done) for list pages."""
        return self.annotate(review_done=models.Exists(_done_reviews_of_outer_assignment()))

    def outstanding(self):
        """Active assignments whose review is not done, including those whose review judged an older snapshot."""
        return self.active().exclude(models.Exists(_done_reviews_of_outer_assignment()))

    def visible_to(self, user):
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.role in (Role.PROGRAMME_OFFICE, Role.MINISTRY):
            return self
        if user.role == Role.EXPERT:
            return self.filter(expert=user).exclude(status=AssignmentStatus.WITHDRAWN)
        return self.none()

    def listed_for_expert(self, user):
        """An expert's own assignments in every state, withdrawn ones included, for their list page."""
        if not (user and user.is_authenticated and user.is_active and user.role == Role.EXPERT):
            return self.none()
        return self.filter(expert=user)

    def readable_by(self, user):
        """Assignments whose strategy the user may read: staff all; an expert only their own, once cleared."""
        visible = self.visible_to(user)
        if user and user.is_authenticated and user.role == Role.EXPERT:
            return visible.filter(status=AssignmentStatus.CLEARED)
        return visible


class Assignment(models.Model):
    """An expert asked to review one strategy."""

    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, related_name="assignments")
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assignments",
        limit_choices_to={"role": Role.EXPERT},
    )
    status = models.CharField(
        _("Status"), max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.AWAITING_DECLARATION
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("zugewiesen am"), default=timezone.now)
    conflict_flags = models.JSONField(_("Hinweise auf Befangenheit"), default=list, blank=True)
    override_reason = models.TextField(_("Begründung trotz Hinweis"), blank=True)
    # Letter shown to other experts instead of the name ("Gutachter/in A").
    pseudonym = models.CharField(_("Kennung"), max_length=2)
    declared_at = models.DateTimeField(_("Erklärung am"), null=True, blank=True)
    conflict_type = models.CharField(_("Art des Konflikts"), max_length=16, choices=ConflictType.choices, blank=True)
    conflict_explanation = models.TextField(_("Erläuterung"), blank=True)
    last_activity_at = models.DateTimeField(_("letzte Aktivität"), null=True, blank=True)
    history = HistoricalRecords()
    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("Zuweisung")
        verbose_name_plural = _("Zuweisungen")
        ordering = ["strategy", "pseudonym"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "expert"], name="assignment_unique"),
            models.UniqueConstraint(fields=["strategy", "pseudonym"], name="assignment_pseudonym_unique"),
        ]

    def __str__(self):
        return f"{self.expert} → {self.strategy.alliance}"

    @property
    def is_cleared(self):
        return self.status == AssignmentStatus.CLEARED

    @property
    def is_done(self):
        """Whether the expert has submitted a review of the strategy's latest snapshot (ReviewQuerySet.done)."""
        annotated = getattr(self, "review_done", None)
        if annotated is not None:
            return annotated
        return Review.objects.done().filter(assignment=self).exists()

    @property
    def pseudonym_label(self):
        return _("Gutachter/in %(letter)s") % {"letter": self.pseudonym}


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
    confidential_note = models.TextField(_("Vertrauliche Notiz an das BMBF"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(_("abgegeben am"), null=True, blank=True)
    history = HistoricalRecords()
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
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Votum")
        verbose_name_plural = _("Voten")
        constraints = [models.CheckConstraint(condition=Q(proposed_amount__gte=0), name="votum_amount_not_negative")]

    def __str__(self):
        return f"{_('Votum')} {self.strategy.alliance}"


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
