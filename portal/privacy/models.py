"""The retention schedule in data, legal holds and the audit log of the daily retention run.

Imported by `portal.models`, so that these are models of the `portal` app.
"""

import calendar
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def add_years(moment, years):
    """`moment` (a date or datetime) shifted by whole calendar years; 29 February becomes 28 February."""
    year = moment.year + years
    day = min(moment.day, calendar.monthrange(year, moment.month)[1])
    return moment.replace(year=year, day=day)


class PeriodUnit(models.TextChoices):
    DAYS = "days", _("Tage")
    YEARS = "years", _("Jahre")


class RetentionEvent(models.TextChoices):
    """The event a retention period counts from. Each category's handler implements exactly one."""

    CREATED = "created", _("Erfassung")
    EXPIRY = "expiry", _("Ablauf der Sitzung")
    LAST_ACTIVITY = "last_activity", _("letzte Anmeldung oder Aktivität")
    CYCLE_CLOSED = "cycle_closed", _("Abschluss der Begutachtungsrunde (Freigabe der Entscheidungen)")
    FUNDING_END = "funding_end", _("Ende der Förderung")


class RetentionAction(models.TextChoices):
    DELETE = "delete", _("löschen")
    ANONYMISE = "anonymise", _("anonymisieren")


class RetentionRule(models.Model):
    """One category of personal data: how long it is kept, from which event, on which legal basis, and what
    happens when the period is over. Shipped by a data migration; an admin edits the period and the texts, with
    history. The event and the action belong to the code that carries them out, so the admin shows them only."""

    code = models.SlugField(_("Kategorie"), max_length=40, unique=True)
    label = models.CharField(_("Bezeichnung"), max_length=200)
    description = models.TextField(_("Umfang"), blank=True)
    period = models.PositiveIntegerField(_("Aufbewahrungsfrist"))
    unit = models.CharField(_("Einheit"), max_length=8, choices=PeriodUnit.choices, default=PeriodUnit.DAYS)
    counts_from = models.CharField(_("Frist beginnt mit"), max_length=16, choices=RetentionEvent.choices)
    legal_basis = models.TextField(_("Rechtsgrundlage"))
    action = models.CharField(_("nach Fristablauf"), max_length=12, choices=RetentionAction.choices)
    # The English interface shows these where they are filled in (the shipped rules have them).
    label_en = models.CharField(_("Bezeichnung (englisch)"), max_length=200, blank=True)
    description_en = models.TextField(_("Umfang (englisch)"), blank=True)
    legal_basis_en = models.TextField(_("Rechtsgrundlage (englisch)"), blank=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Aufbewahrungsregel")
        verbose_name_plural = _("Aufbewahrungsregeln")
        ordering = ["code"]

    def __str__(self):
        return self.label

    def _in_language(self, name):
        english = getattr(self, f"{name}_en")
        return english if english and (get_language() or "de").startswith("en") else getattr(self, name)

    @property
    def display_label(self):
        return self._in_language("label")

    @property
    def display_description(self):
        return self._in_language("description")

    @property
    def display_legal_basis(self):
        return self._in_language("legal_basis")

    @property
    def period_display(self):
        return f"{self.period} {self.get_unit_display()}"

    def due_at(self, event):
        """When data whose event happened at `event` (date or datetime) is due."""
        if self.unit == PeriodUnit.YEARS:
            return add_years(event, self.period)
        return event + timedelta(days=self.period)

    def cutoff(self, now):
        """Data whose event happened at or before this moment is due at `now`."""
        if self.unit == PeriodUnit.YEARS:
            return add_years(now, -self.period)
        return now - timedelta(days=self.period)

    def date_cutoff(self, now):
        """`cutoff` for events that are dates (the end of funding): due on the due date, in Berlin's calendar."""
        today = timezone.localdate(now) if isinstance(now, datetime) else now
        if self.unit == PeriodUnit.YEARS:
            return add_years(today, -self.period)
        return today - timedelta(days=self.period)


class LegalHoldQuerySet(models.QuerySet):
    def active(self):
        return self.filter(lifted_at__isnull=True)


class LegalHold(models.Model):
    """A legal hold on one evaluation cycle or one alliance: while it is active, the retention run neither deletes
    nor anonymises any data under it. The stages sit above the portal, so the cycle or alliance is referred to by
    id; the stages decide what lies under it (`portal.privacy.retention.register_held_users`, their handlers)."""

    cycle_id = models.PositiveBigIntegerField(_("Begutachtungsrunde"), null=True, blank=True)
    alliance_id = models.PositiveBigIntegerField(_("Bündnis"), null=True, blank=True)
    reason = models.TextField(_("Grund"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("gesetzt von")
    )
    set_at = models.DateTimeField(_("gesetzt am"), default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("aufgehoben von"),
    )
    lifted_at = models.DateTimeField(_("aufgehoben am"), null=True, blank=True)

    history = HistoricalRecords()
    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("Aufbewahrungssperre")
        verbose_name_plural = _("Aufbewahrungssperren")
        ordering = ["-set_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(cycle_id__isnull=False, alliance_id__isnull=True)
                    | models.Q(cycle_id__isnull=True, alliance_id__isnull=False)
                ),
                name="legal_hold_on_one_cycle_or_alliance",
            ),
            models.CheckConstraint(
                condition=models.Q(lifted_at__isnull=True, lifted_by__isnull=True)
                | models.Q(lifted_at__isnull=False, lifted_by__isnull=False),
                name="legal_hold_lifted_by_and_at",
            ),
        ]

    def __str__(self):
        target = f"Begutachtungsrunde {self.cycle_id}" if self.cycle_id else f"Bündnis {self.alliance_id}"
        return f"{target}: {self.reason[:60]}"

    @property
    def is_active(self):
        return self.lifted_at is None


class RetentionRun(models.Model):
    """One run of the retention schedule, as the audit log keeps it: when, as of which moment, and how many rows
    each category deleted or anonymised. Never the content."""

    started_at = models.DateTimeField(_("begonnen am"), default=timezone.now)
    finished_at = models.DateTimeField(_("beendet am"), null=True, blank=True)
    as_of = models.DateTimeField(_("Stichtag"))
    counts = models.JSONField(_("Anzahl je Kategorie"), default=dict)
    active_holds = models.PositiveIntegerField(_("aktive Aufbewahrungssperren"), default=0)

    class Meta:
        verbose_name = _("Löschlauf")
        verbose_name_plural = _("Löschläufe")
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"{self.as_of:%Y-%m-%d %H:%M}: {self.total}"

    @property
    def total(self):
        return sum(self.counts.values())


class ErasureStatus(models.TextChoices):
    OPEN = "open", _("offen")
    DONE = "done", _("vollzogen")
    REJECTED = "rejected", _("abgelehnt")
    WITHDRAWN = "withdrawn", _("zurückgezogen")


class ErasureRequestQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=ErasureStatus.OPEN)


class ErasureRequest(models.Model):
    """A person's request to erase their account (Art. 17 DSGVO), decided by an admin.

    Approval pseudonymises the account (`portal.privacy.erasure.approve_erasure`); the request stays as the proof
    of what was done, bound to the pseudonym. `result` holds counts and legal bases only, never content."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="erasure_requests",
        verbose_name=_("Konto"),
    )
    requested_at = models.DateTimeField(_("beantragt am"), default=timezone.now)
    reason = models.TextField(_("Anmerkung der Person"), blank=True)
    status = models.CharField(
        _("Status"), max_length=12, choices=ErasureStatus.choices, default=ErasureStatus.OPEN, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entschieden von"),
    )
    decided_at = models.DateTimeField(_("entschieden am"), null=True, blank=True)
    decision_note = models.TextField(_("Begründung der Ablehnung"), blank=True)
    result = models.JSONField(_("Ergebnis"), default=dict, blank=True)
    # When the person was told the outcome of an approval (the message itself is not stored: see erasure.py).
    notified_at = models.DateTimeField(_("benachrichtigt am"), null=True, blank=True)

    history = HistoricalRecords()
    objects = ErasureRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("Löschantrag")
        verbose_name_plural = _("Löschanträge")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status="open"), name="erasure_request_one_open_per_user"
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", decided_at__isnull=True)
                | models.Q(status="withdrawn", decided_at__isnull=False)
                | models.Q(status__in=["done", "rejected"], decided_at__isnull=False, decided_by__isnull=False),
                name="erasure_request_decided_when_closed",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="rejected", decision_note=""),
                name="erasure_request_rejection_has_a_reason",
            ),
        ]

    def __str__(self):
        # Without the person's name or address: outbox rows name their cause by this text.
        return f"Löschantrag {self.pk}"

    @property
    def is_open(self):
        return self.status == ErasureStatus.OPEN
