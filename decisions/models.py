import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from alliances.models import Strategy
from portal.formatting import euro
from portal.models import Role


class Outcome(models.TextChoices):
    APPROVED = "approved", _("bewilligt")
    APPROVED_WITH_CONDITIONS = "conditions", _("bewilligt mit Auflagen")
    REJECTED = "rejected", _("abgelehnt")


class DecisionStatus(models.TextChoices):
    PROPOSED = "proposed", _("vorgeschlagen")
    CONFIRMED = "confirmed", _("bestätigt")
    RELEASED = "released", _("freigegeben")
    WITHDRAWN = "withdrawn", _("zurückgezogen")


FINAL_STATUSES = [DecisionStatus.CONFIRMED, DecisionStatus.RELEASED]

# What a person proposes: the fields of the proposal form and of the propose/change services.
PROPOSAL_FIELDS = (
    "outcome",
    "granted_amount",
    "funding_start",
    "funding_end",
    "conditions",
    "rationale",
    "letter_rationale",
    "over_request_reason",
)

# Fields that never change once a decision is confirmed.
DECISION_CONTENT_FIELDS = [
    "strategy_id",
    *PROPOSAL_FIELDS,
    "supersedes_id",
    "supersession_reason",
    "proposed_by_id",
    "proposed_at",
]


class FundingDecisionQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.role in (Role.MINISTRY, Role.PROGRAMME_OFFICE):
            return self
        if user.role == Role.ALLIANCE_MANAGER:
            # Mirrors the `decisions.read_decision` rule.
            return self.filter(status=DecisionStatus.RELEASED, strategy__alliance__memberships__user=user)
        return self.none()

    def released(self):
        return self.filter(status=DecisionStatus.RELEASED)

    def in_effect(self):
        """Decisions not withdrawn and not replaced by a confirmed correction: proposed, confirmed or released."""
        return self.filter(is_current=True).exclude(status=DecisionStatus.WITHDRAWN)

    def counting_against_budget(self):
        """Confirmed or released decisions that are still in force."""
        return self.filter(is_current=True, status__in=FINAL_STATUSES)


class FundingDecision(models.Model):
    """The ministry's decision on one strategy: proposed by one person, confirmed by another, then final."""

    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(_("Entscheidung"), max_length=16, choices=Outcome.choices)
    granted_amount = models.DecimalField(_("Bewilligter Betrag (EUR)"), max_digits=12, decimal_places=2)
    funding_start = models.DateField(_("Förderbeginn"))
    funding_end = models.DateField(_("Förderende"))
    conditions = models.TextField(_("Auflagen"), blank=True)
    # The column keeps its name; it is the ministry's internal record and never leaves the ministry and the
    # programme office. What the alliance reads is `letter_rationale`.
    rationale = models.TextField(
        _("Interne Begründung"),
        help_text=_("Für das Ministerium und den Projektträger; wird nicht an das Bündnis übermittelt."),
    )
    letter_rationale = models.TextField(
        _("Begründung für den Bescheid"),
        blank=True,
        default="",
        help_text=_("Erscheint im Bescheid an das Bündnis."),
    )
    over_request_reason = models.TextField(_("Begründung für einen Betrag über der Beantragung"), blank=True)
    budget_override_reason = models.TextField(_("Begründung für die Überschreitung des Budgets"), blank=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by", verbose_name=_("ersetzt")
    )
    supersession_reason = models.TextField(_("Grund der Korrektur"), blank=True)
    status = models.CharField(
        _("Status"), max_length=16, choices=DecisionStatus.choices, default=DecisionStatus.PROPOSED
    )
    # False once a confirmed correction supersedes this decision.
    is_current = models.BooleanField(default=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("vorgeschlagen am"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("bestätigt am"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(_("freigegeben am"), null=True, blank=True)
    letter_html = models.TextField(_("Entscheidungsschreiben"), blank=True)
    version = models.PositiveIntegerField(default=1)
    objects = FundingDecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("Förderentscheidung")
        verbose_name_plural = _("Förderentscheidungen")
        ordering = ["strategy", "-proposed_at"]
        constraints = [
            models.CheckConstraint(condition=Q(granted_amount__gte=0), name="decision_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(funding_end__gte=models.F("funding_start")), name="decision_period_in_order"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=FINAL_STATUSES)
                | (Q(confirmed_by__isnull=False) & ~Q(confirmed_by=models.F("proposed_by"))),
                name="decision_four_eyes",
            ),
            models.UniqueConstraint(
                fields=["strategy"],
                condition=Q(is_current=True, status__in=FINAL_STATUSES),
                name="one_decision_in_force_per_strategy",
            ),
        ]

    def __str__(self):
        return f"{self.strategy.alliance}: {self.get_outcome_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values(*DECISION_CONTENT_FIELDS, "status").first()
            if stored and stored["status"] in FINAL_STATUSES:
                changed = [name for name in DECISION_CONTENT_FIELDS if stored[name] != getattr(self, name)]
                if changed:
                    raise ValueError(f"A confirmed decision is immutable; refused change of {changed}.")
        super().save(*args, **kwargs)

    @property
    def is_final(self):
        return self.status in FINAL_STATUSES

    @property
    def is_released(self):
        return self.status == DecisionStatus.RELEASED


class DecisionAction(models.TextChoices):
    PROPOSED = "proposed", _("vorgeschlagen")
    CHANGED = "changed", _("Vorschlag geändert")
    CONFIRMED = "confirmed", _("bestätigt")
    BUDGET_OVERRIDE = "override", _("Budget überschritten mit Begründung")
    SUPERSEDED = "superseded", _("durch Korrektur ersetzt")
    RELEASED = "released", _("freigegeben")
    WITHDRAWN = "withdrawn", _("Vorschlag zurückgezogen")


EVENT_DETAIL_LABELS = {
    "outcome": _("Entscheidung"),
    "status": _("Status"),
    "granted_amount": _("Bewilligter Betrag"),
    "funding_start": _("Förderbeginn"),
    "funding_end": _("Förderende"),
    "conditions": _("Auflagen"),
    "rationale": _("Interne Begründung"),
    "letter_rationale": _("Begründung für den Bescheid"),
    "over_request_reason": _("Begründung für einen Betrag über der Beantragung"),
    "confirmed_total": _("bestätigte Summe danach"),
    "budget": _("Budget der Runde"),
    "reason": _("Begründung"),
    "supersedes": _("ersetzt Entscheidung Nr."),
    "by": _("ersetzt durch Entscheidung Nr."),
}
AMOUNT_DETAILS = {"granted_amount", "confirmed_total", "budget"}
DATE_DETAILS = {"funding_start", "funding_end"}
# A change event keeps the earlier value of a field under this prefix, beside the new one.
BEFORE_PREFIX = "before_"


def format_detail(key, value):
    """One stored audit value as people read it, in the active language: choice labels, grouped amounts
    and dates. The stored text is never changed; a value that does not parse is shown as stored."""
    if value in (None, ""):
        return "—"
    try:
        if key == "outcome":
            return str(Outcome(value).label)
        if key == "status":
            return str(DecisionStatus(value).label)
        if key in AMOUNT_DETAILS:
            return euro(Decimal(value))
        if key in DATE_DETAILS:
            return formats.date_format(datetime.date.fromisoformat(value), "d.m.Y")
    except (ValueError, ArithmeticError):
        return str(value)
    return str(value)


class DecisionEvent(models.Model):
    """Append-only audit trail of everything that happened to funding decisions."""

    decision = models.ForeignKey(FundingDecision, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("Vorgang"), max_length=16, choices=DecisionAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now)
    details = models.JSONField(_("Einzelheiten"), default=dict, blank=True)

    class Meta:
        verbose_name = _("Vorgang zur Entscheidung")
        verbose_name_plural = _("Vorgänge zu Entscheidungen")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.decision_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Decision events are append-only.")
        super().save(*args, **kwargs)

    def detail_items(self):
        """(label, text) pairs of the details, formatted at display time; a changed field reads "old → new"."""
        items = []
        # PostgreSQL's jsonb keeps no key order; the labels' order is the reading order.
        keys = [key for key in EVENT_DETAIL_LABELS if key in self.details]
        keys += sorted(
            key for key in self.details if key not in EVENT_DETAIL_LABELS and not key.startswith(BEFORE_PREFIX)
        )
        for key in keys:
            value = self.details[key]
            text = format_detail(key, value)
            if BEFORE_PREFIX + key in self.details:
                text = f"{format_detail(key, self.details[BEFORE_PREFIX + key])} → {text}"
            elif not value:
                continue
            items.append((str(EVENT_DETAIL_LABELS.get(key, key)), text))
        return items
