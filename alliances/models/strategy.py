"""A strategy with its sections, budget and documents; its submissions, reopenings, extensions and downloads."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alliances.models.alliance import Alliance, AllianceScopedQuerySet
from alliances.models.cycle import PHASE_ORDER, EvaluationCycle, Phase
from alliances.models.deadlines import countdown_at
from portal.formatting import euro
from portal.uploads import CheckStatus, page_warning, removed_content_notice, served_name


class StrategyStatus(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    SUBMITTED = "submitted", _("Eingereicht")
    REOPENED = "reopened", _("Wieder geöffnet")


# The sections the programme asks of an extended strategy, in reading order.
STRATEGY_SECTIONS = [
    ("summary", _("Zusammenfassung"), 5000),
    ("vision", _("Vision und Ziele für die kommenden Jahre"), 20000),
    ("innovation_field_development", _("Entwicklung des Innovationsfelds"), 20000),
    ("measures", _("Geplante Maßnahmen und Vorhaben"), 30000),
    ("alliance_management", _("Bündnismanagement"), 20000),
    ("skilled_workers", _("Fachkräftesicherung"), 20000),
    ("continuation", _("Verstetigung über die Förderung hinaus"), 20000),
]
SECTION_FIELDS = [name for name, _label, _limit in STRATEGY_SECTIONS]


class BudgetCategory(models.TextChoices):
    PERSONNEL = "personnel", _("Personalausgaben")
    MATERIAL = "material", _("Sachausgaben")
    INVESTMENT = "investment", _("Investitionen")
    SUBCONTRACTS = "subcontracts", _("Aufträge an Dritte")
    TRAVEL = "travel", _("Reisekosten")
    OTHER = "other", _("Sonstige Ausgaben")


def budget_table(years, lines):
    """Rows per category with one amount per year, plus totals, for display.

    `lines` are BudgetLine rows or the dicts a Submission keeps.
    """
    amounts = {}
    for line in lines:
        if isinstance(line, dict):
            amounts[(int(line["year"]), line["category"])] = Decimal(line["amount"])
        else:
            amounts[(line.year, line.category)] = line.amount
    rows = []
    for category, label in BudgetCategory.choices:
        values = [amounts.get((year, category), Decimal("0")) for year in years]
        rows.append({"label": label, "values": values, "total": sum(values, Decimal("0"))})
    year_totals = [sum((row["values"][i] for row in rows), Decimal("0")) for i in range(len(years))]
    return {"years": years, "rows": rows, "year_totals": year_totals, "total": sum(year_totals, Decimal("0"))}


class StrategyQuerySet(AllianceScopedQuerySet):
    def submitted(self):
        """Strategies whose latest submission stands: submitted and not reopened."""
        return self.filter(status=StrategyStatus.SUBMITTED)

    def with_checklist(self):
        """Annotates what is still missing, computed in SQL for list pages."""
        section_missing = [
            Case(When(**{name: ""}, then=Value(1)), default=Value(0), output_field=IntegerField())
            for name in SECTION_FIELDS
        ]
        has_budget = Exists(BudgetLine.objects.filter(strategy=OuterRef("pk"), amount__gt=0))
        has_main = Exists(
            StrategyDocument.objects.filter(
                strategy=OuterRef("pk"),
                kind=DocumentKind.MAIN,
                removed_at__isnull=True,
                check_status=CheckStatus.CHECKED,
            )
        )
        annotations = {f"missing_{name}": expr for name, expr in zip(SECTION_FIELDS, section_missing, strict=True)}
        annotations["has_budget"] = has_budget
        annotations["has_main_document"] = has_main
        qs = self.annotate(**annotations)
        total = sum(
            [models.F(f"missing_{name}") for name in SECTION_FIELDS],
            Case(When(has_budget=False, then=Value(1)), default=Value(0), output_field=IntegerField())
            + Case(When(has_main_document=False, then=Value(1)), default=Value(0), output_field=IntegerField()),
        )
        return qs.annotate(missing_count=total)

    def with_budget_total(self):
        return self.annotate(
            budget_total=Coalesce(
                models.Subquery(
                    BudgetLine.objects.filter(strategy=OuterRef("pk"))
                    .values("strategy")
                    .annotate(total=Sum("amount"))
                    .values("total")
                ),
                Value(Decimal("0")),
                output_field=models.DecimalField(max_digits=14, decimal_places=2),
            )
        )


class Strategy(models.Model):
    """The extended WIR! strategy of one alliance in one cycle."""

    cycle = models.ForeignKey(
        EvaluationCycle, on_delete=models.PROTECT, related_name="strategies", verbose_name=_("Begutachtungsrunde")
    )
    alliance = models.ForeignKey(
        Alliance, on_delete=models.PROTECT, related_name="strategies", verbose_name=_("Bündnis")
    )
    status = models.CharField(_("Status"), max_length=16, choices=StrategyStatus.choices, default=StrategyStatus.DRAFT)
    summary = models.TextField(_("Zusammenfassung"), blank=True)
    vision = models.TextField(_("Vision und Ziele für die kommenden Jahre"), blank=True)
    innovation_field_development = models.TextField(_("Entwicklung des Innovationsfelds"), blank=True)
    measures = models.TextField(_("Geplante Maßnahmen und Vorhaben"), blank=True)
    alliance_management = models.TextField(_("Bündnismanagement"), blank=True)
    skilled_workers = models.TextField(_("Fachkräftesicherung"), blank=True)
    continuation = models.TextField(_("Verstetigung über die Förderung hinaus"), blank=True)
    version = models.PositiveIntegerField(_("Version"), default=1)
    extended_deadline = models.DateTimeField(_("Verlängerte Frist"), null=True, blank=True)
    updated_at = models.DateTimeField(_("zuletzt geändert"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("zuletzt geändert von"),
    )
    history = HistoricalRecords()
    objects = StrategyQuerySet.as_manager()

    class Meta:
        verbose_name = _("Strategie")
        verbose_name_plural = _("Strategien")
        ordering = ["alliance__name"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "alliance"], name="strategy_one_per_alliance_and_cycle"),
            models.CheckConstraint(condition=Q(status__in=StrategyStatus.values), name="strategy_status_valid"),
        ]

    def __str__(self):
        return f"{self.alliance} – {self.cycle}"

    @property
    def deadline(self):
        return self.extended_deadline or self.cycle.submission_deadline

    @property
    def countdown(self):
        """How close the deadline is now (level and wording of the deadline box); extensions count."""
        return countdown_at(self.deadline, timezone.now())

    @property
    def open_reopening(self):
        """The Reopening the alliance still has to answer by submitting again, or None."""
        if self.status != StrategyStatus.REOPENED:
            return None
        latest = self.latest_submission
        return getattr(latest, "reopening", None) if latest else None

    @property
    def latest_submission(self):
        """The newest snapshot (None before the first submission); uses prefetched submissions when present."""
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("submissions")
        if prefetched is not None:
            return max(prefetched, key=lambda submission: submission.number, default=None)
        return self.submissions.order_by("-number").first()

    def accepts_work_at(self, moment):
        """Whether the alliance may edit and submit at this moment."""
        cycle = self.cycle
        if moment < cycle.submission_opens_at or moment > self.deadline:
            return False
        if cycle.phase_override and PHASE_ORDER.index(cycle.phase_override) > PHASE_ORDER.index(Phase.SUBMISSION):
            return self.extended_deadline is not None
        return True

    @property
    def is_editable_status(self):
        return self.status in (StrategyStatus.DRAFT, StrategyStatus.REOPENED)

    def sections(self):
        return [(name, label, getattr(self, name)) for name, label, _limit in STRATEGY_SECTIONS]

    def active_documents(self):
        """The draft's documents: checked ones and those still being checked; refused uploads do not count."""
        return (
            self.documents.filter(removed_at__isnull=True)
            .exclude(check_status=CheckStatus.REFUSED)
            .select_related("uploaded_by")
        )

    def refused_documents(self):
        """Refused uploads the alliance has not dismissed yet, shown with their reason."""
        return self.documents.filter(removed_at__isnull=True, check_status=CheckStatus.REFUSED)

    def checklist(self, documents=None):
        """What a complete strategy needs, each with whether it is there."""
        if documents is None:
            documents = list(self.active_documents())
        items = [(label, bool(value.strip())) for _name, label, value in self.sections()]
        has_budget = any(line.amount > 0 for line in self.budget_lines.all())
        items.append((_("Finanzplan mit mindestens einem Betrag"), has_budget))
        has_main = any(doc.kind == DocumentKind.MAIN and doc.check_status == CheckStatus.CHECKED for doc in documents)
        items.append((_("Strategiedokument (PDF)"), has_main))
        return items

    def missing_items(self, documents=None):
        return [label for label, done in self.checklist(documents) if not done]

    def missing_items_from_annotations(self):
        """The same list as missing_items(), read from the annotations of with_checklist()."""
        missing = [label for name, label, _limit in STRATEGY_SECTIONS if getattr(self, f"missing_{name}")]
        if not self.has_budget:
            missing.append(_("Finanzplan mit mindestens einem Betrag"))
        if not self.has_main_document:
            missing.append(_("Strategiedokument (PDF)"))
        return missing


class BudgetLine(models.Model):
    """The amount an alliance plans for one year and one category."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="budget_lines")
    year = models.PositiveSmallIntegerField(_("Jahr"))
    category = models.CharField(_("Kategorie"), max_length=16, choices=BudgetCategory.choices)
    amount = models.DecimalField(_("Betrag (EUR)"), max_digits=12, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Budgetposten")
        verbose_name_plural = _("Budgetposten")
        ordering = ["year", "category"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "year", "category"], name="budget_line_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.get_category_display()} {self.year}: {euro(self.amount)}"


class DocumentKind(models.TextChoices):
    MAIN = "main", _("Strategiedokument")
    LETTER_OF_SUPPORT = "support", _("Unterstützungsschreiben")
    ANNEX = "annex", _("Sonstige Anlage")


def strategy_document_path(instance, filename):
    # Server-generated name; the uploaded name is kept only as metadata.
    return f"strategies/{instance.strategy_id}/{instance.public_id}.pdf"


class StrategyDocument(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("Art"), max_length=16, choices=DocumentKind.choices)
    file = models.FileField(_("Datei"), upload_to=strategy_document_path, max_length=300)
    original_name = models.CharField(_("Dateiname"), max_length=255)
    # Size, hash and pages of the copy the portal stores and serves: the upload until it is checked, then the
    # cleaned copy. The uploader's own hash stays in original_sha256 (the receipt names it).
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
    # Removal hides a document from the draft; the file stays for earlier snapshots.
    removed_at = models.DateTimeField(_("entfernt am"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Dokument")
        verbose_name_plural = _("Dokumente")
        ordering = ["kind", "uploaded_at"]

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

    @property
    def page_warning(self):
        return page_warning(self.page_count) if self.kind == DocumentKind.MAIN and self.is_checked else ""


class Submission(models.Model):
    """An immutable snapshot of a strategy as it was submitted."""

    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, related_name="submissions")
    number = models.PositiveSmallIntegerField(_("Nummer"))
    submitted_at = models.DateTimeField(_("eingereicht am"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sections = models.JSONField(_("Abschnitte"))
    budget = models.JSONField(_("Finanzplan"))
    documents = models.JSONField(_("Dokumente"))
    fingerprint = models.CharField(_("Fingerabdruck"), max_length=64)

    class Meta:
        verbose_name = _("Einreichung")
        verbose_name_plural = _("Einreichungen")
        ordering = ["strategy", "-number"]
        constraints = [models.UniqueConstraint(fields=["strategy", "number"], name="submission_number_unique")]

    def __str__(self):
        return f"{self.strategy.alliance} #{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Submissions are immutable.")
        super().save(*args, **kwargs)

    @property
    def budget_total(self):
        return sum((Decimal(line["amount"]) for line in self.budget), Decimal("0"))


class Reopening(models.Model):
    """The programme office's decision to reopen one submission, with its reason."""

    submission = models.OneToOneField(Submission, on_delete=models.PROTECT, related_name="reopening")
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reopened_at = models.DateTimeField(_("wieder geöffnet am"), default=timezone.now)
    reason = models.TextField(_("Begründung"))

    class Meta:
        verbose_name = _("Wiederöffnung")
        verbose_name_plural = _("Wiederöffnungen")

    def __str__(self):
        return f"{self.submission} ({self.reopened_at:%Y-%m-%d})"


class DeadlineExtension(models.Model):
    """A later deadline granted to one alliance, kept as a log."""

    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, related_name="deadline_extensions")
    new_deadline = models.DateTimeField(_("neue Frist"))
    reason = models.TextField(_("Begründung"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(_("gewährt am"), default=timezone.now)

    class Meta:
        verbose_name = _("Fristverlängerung")
        verbose_name_plural = _("Fristverlängerungen")
        ordering = ["-granted_at"]

    def __str__(self):
        return f"{self.strategy}: {self.new_deadline:%Y-%m-%d %H:%M}"


class DocumentDownload(models.Model):
    """Who downloaded which strategy document, and when."""

    document = models.ForeignKey(StrategyDocument, on_delete=models.PROTECT, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    downloaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Dokumentabruf")
        verbose_name_plural = _("Dokumentabrufe")
        ordering = ["-downloaded_at"]

    def __str__(self):
        return f"{self.document} – {self.user}"
