"""What the portal stores about one person ("Meine Daten", Art. 15 DSGVO), read from the personal-data registry.

Every declaration contributes a category: the rows about the person (the registry's `subjects`) with their
personal fields and the declaration's `export_fields`, and the rows that only name the person (who answered a
question, confirmed a decision, changed a record) with just those references. A reference to anyone else is left
out (`None`), and so is everything else those rows say, so an export holds nothing about other people.
Credentials (second factors, session keys, tokens) are named as stored, never copied into the file.

Read by the JSON download (portal/views/my_data.py) and by the PDF the dossier workers render from it.
"""

from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import RetentionRule
from portal.privacy import registry
from portal.privacy.registry import DataKind, PersonalData

FORMAT = "wir-portal/personal-data"
FORMAT_VERSION = 1
HIDDEN = _("gespeichert (aus Sicherheitsgründen nicht ausgegeben)")


@dataclass
class Category:
    """One declaration's share of a person's data."""

    declaration: PersonalData
    rule: RetentionRule | None
    columns: list[tuple[str, str]]  # (key, label) of the rows about the person
    reference_columns: list[tuple[str, str]]  # (key, label) of the rows that name the person
    about: list[dict] = field(default_factory=list)
    naming: list[dict] = field(default_factory=list)
    about_count: int = 0
    naming_count: int = 0

    @property
    def label(self):
        """The table's name; a history table is named after the table whose changes it records."""
        model = self.declaration.model_class
        if self.declaration.derived_from:
            model = registry.declaration_for(self.declaration.derived_from).model_class
        return str(model._meta.verbose_name_plural)

    @property
    def is_history(self):
        return bool(self.declaration.derived_from)

    def as_json(self):
        return {
            "model": self.declaration.model,
            "title": self.label,
            "purpose": str(self.declaration.purpose),
            "retention": _rule_json(self.rule),
            "fields": dict(self.columns + self.reference_columns),
            "about_you": self.about,
            "naming_you": self.naming,
        }


def _rule_json(rule):
    if rule is None:
        return None
    return {
        "category": rule.code,
        "label": rule.display_label,
        "period": rule.period_display,
        "counts_from": rule.get_counts_from_display(),
        "legal_basis": rule.display_legal_basis,
    }


def _label(model, lookup):
    """The German (or active language's) label of a lookup, prefixed with the related model where it leaves
    the row's own model: "Bündnis: Name"."""
    *path, last = lookup.split("__")
    prefix = []
    for name in path:
        model_field = model._meta.get_field(name)
        model = model_field.related_model
        prefix = [str(model._meta.verbose_name)]
    final = model._meta.get_field(last)
    return ": ".join([*prefix, str(getattr(final, "verbose_name", last))])


def _value(item, value, user):
    if value in (None, "", [], {}):
        return value
    if item.kind == DataKind.USER_REFERENCE:
        return value if value == user.pk else None
    if item.kind == DataKind.IDENTIFIER:
        return str(HIDDEN)
    return value


def _rows(queryset, keys, personal, user):
    rows = []
    for values in queryset.order_by("pk").values("pk", *keys):
        row = {"id": values.pop("pk")}
        for key, value in values.items():
            item = personal.get(key)
            row[key] = _value(item, value, user) if item else value
        rows.append(row)
    return rows


def categories_of(*, user, exclude=(), counts_only=False) -> list[Category]:
    """The person's data, one category per declaration that holds any (historical tables included), in the
    registry's order. `exclude` leaves out declarations by model label; `counts_only` counts the rows instead of
    reading them (for the overview page). Two queries per declaration at most."""
    rules = {rule.code: rule for rule in RetentionRule.objects.all()}
    found = []
    for label, declaration in registry.declarations().items():
        if label in exclude:
            continue
        model = declaration.model_class
        personal = {item.name: item for item in declaration.fields}
        references = [item.name for item in declaration.fields if item.kind == DataKind.USER_REFERENCE]
        context = list(declaration.export_fields)
        own = context + [name for name in personal if name not in context]
        category = Category(
            declaration=declaration,
            rule=rules.get(declaration.retention),
            columns=[(key, _label(model, key)) for key in own],
            reference_columns=[(key, _label(model, key)) for key in references if key not in own],
        )
        about_q = declaration.subject_q(user)
        about = model._default_manager.filter(about_q) if declaration.subjects else model._default_manager.none()
        naming = model._default_manager.none()
        if references:
            naming = model._default_manager.filter(declaration.references_q(user)).exclude(about_q)
        if counts_only:
            category.about_count, category.naming_count = about.count(), naming.count()
        else:
            category.about = _rows(about, own, personal, user)
            category.naming = _rows(naming, context + references, personal, user)
            category.about_count, category.naming_count = len(category.about), len(category.naming)
        if category.about_count or category.naming_count:
            found.append(category)
    return found


def personal_data_of(*, user, exclude=()) -> dict:
    """The person's data as JSON-able data (dates and amounts as `DjangoJSONEncoder` writes them)."""
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "created_at": timezone.now(),
        "person": {"id": user.pk, "full_name": user.full_name, "email": user.email, "role": user.role},
        "categories": [category.as_json() for category in categories_of(user=user, exclude=exclude)],
    }


class ExportEncoder(DjangoJSONEncoder):
    """Writes lazy translations as text, besides what Django's encoder writes (dates, decimals, UUIDs)."""

    def default(self, o):
        if isinstance(o, memoryview | bytes):
            return str(HIDDEN)
        try:
            return super().default(o)
        except TypeError:
            return str(o)
