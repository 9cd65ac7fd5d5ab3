"""Experts, their profiles, and their assignments to strategies with conflict-of-interest declarations."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alliances.models import FederalState, Strategy
from portal.models import Role


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
    max_jury_sessions = models.PositiveSmallIntegerField(_("Höchstzahl Jurysitzungen je Runde"), default=3)
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
    from reviews.models.review import Review  # a review points at its assignment, so this side imports late

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
        return self.reviews.done().exists()

    @property
    def pseudonym_label(self):
        return _("Gutachter/in %(letter)s") % {"letter": self.pseudonym}
