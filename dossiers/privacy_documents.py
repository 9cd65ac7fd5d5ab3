"""The data protection dossiers: a person's own data as a readable PDF (Art. 15 DSGVO) and the record of
processing activities for the data protection officer (Art. 30 DSGVO). Both are read from the personal-data
registry and the retention schedule (portal.privacy), so that they say what the portal does."""

import json
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format

from dossiers.models import DossierKind
from portal.models import RetentionRule
from portal.privacy import export, registry
from portal.privacy.registry import DataKind, Erasure

# A person's copies of their own data and their downloads change with every request; they are no part of what
# the export is about, so a second request for unchanged data finds the first dossier.
NOT_FINGERPRINTED = (
    "dossiers.Dossier",
    "dossiers.DossierDownload",
)


def inputs(*, kind, person=None):
    """What a data protection dossier depends on: the person's data, or the registry, the schedule and the
    controller's settings."""
    if kind == DossierKind.PERSONAL_DATA:
        data = export.personal_data_of(user=person, exclude=NOT_FINGERPRINTED)
        data.pop("created_at")
        return data
    return {"record": _record_inputs()}


def _record_inputs():
    rules = RetentionRule.objects.order_by("code").values_list(
        "code", "label", "description", "period", "unit", "counts_from", "legal_basis", "action"
    )
    declared = [
        [
            label,
            str(item.purpose),
            item.retention,
            [[f.name, f.kind, f.erasure, str(f.legal_basis), f.retention] for f in item.fields],
        ]
        for label, item in sorted(registry.declarations().items())
    ]
    return {"rules": list(rules), "declarations": declared, "controller": _controller(), "dpo": _dpo()}


def _controller():
    return {
        "name": settings.PRIVACY_CONTROLLER_NAME,
        "address": settings.PRIVACY_CONTROLLER_ADDRESS,
        "email": settings.PRIVACY_CONTROLLER_EMAIL,
    }


def _dpo():
    return {"name": settings.PRIVACY_DPO_NAME, "email": settings.PRIVACY_DPO_EMAIL}


def _printed(value, key, category, person):
    """A value as the PDF prints it: German dates in Berlin time, "Sie" for a reference to the person."""
    item = category.declaration.field(key)
    if value is None or value == "":
        return "–"
    if item is not None and item.kind == DataKind.USER_REFERENCE:
        return "Sie" if value == person.pk else "–"
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "d.m.Y, H:i")
    if isinstance(value, date):
        return date_format(value, "d.m.Y")
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, cls=export.ExportEncoder)
    return str(value)


def _printed_rows(rows, columns, category, person):
    return [[(label, _printed(row.get(key), key, category, person)) for key, label in columns] for row in rows]


def personal_data_context(person):
    """The print context of a person's data: each category with its purpose, retention and rows (each row a list
    of label and printed value); history tables as counts."""
    categories = export.categories_of(user=person)
    for category in categories:
        category.printed_about = _printed_rows(category.about, category.columns, category, person)
        category.printed_naming = _printed_rows(
            category.naming,
            category.columns[: len(category.declaration.export_fields)] + category.reference_columns,
            category,
            person,
        )
    return {
        "person": person,
        "categories": [category for category in categories if not category.is_history],
        "history": [category for category in categories if category.is_history],
        "hidden": export.HIDDEN,
        "generated_at": timezone.now(),
        "subject": person.full_name,
        "submission": None,
        "uploads": [],
        "title": "Auskunft über die gespeicherten Daten (Art. 15 DSGVO)",
    }


class Activity:
    """One processing activity of the record: a purpose, the tables that serve it, the kinds of data, how long
    they are kept and what an erasure does to them."""

    def __init__(self, purpose):
        self.purpose = purpose
        self.tables = []
        self.kinds = set()
        self.rules = {}
        self.erasures = set()
        self.legal_bases = set()
        self.with_history = False

    @property
    def kind_labels(self):
        return sorted(str(DataKind(kind).label) for kind in self.kinds)

    @property
    def erasure_labels(self):
        return sorted(str(Erasure(erasure).label) for erasure in self.erasures)


def privacy_record_context():
    """The record of processing activities: one activity per declared purpose (history tables folded into the
    table they record), with the retention rules that limit it, and the controller's settings."""
    rules = {rule.code: rule for rule in RetentionRule.objects.order_by("code")}
    activities = {}
    declared = sorted(registry.declarations().items())
    for _label, declaration in declared:
        if declaration.derived_from:
            continue
        activity = activities.setdefault(str(declaration.purpose), Activity(str(declaration.purpose)))
        activity.tables.append(str(declaration.model_class._meta.verbose_name_plural))
        for item in declaration.fields:
            activity.kinds.add(item.kind)
            activity.erasures.add(item.erasure)
            if item.legal_basis:
                activity.legal_bases.add(str(item.legal_basis))
            code = item.retention or declaration.retention
            if code in rules:
                activity.rules[code] = rules[code]
        if declaration.retention in rules:
            activity.rules[declaration.retention] = rules[declaration.retention]
    for _label, declaration in declared:
        if declaration.derived_from:
            activities[str(declaration.purpose)].with_history = True
    return {
        "controller": _controller(),
        "dpo": _dpo(),
        "activities": sorted(activities.values(), key=lambda activity: activity.purpose),
        "rules": list(rules.values()),
        "generated_at": timezone.now(),
        "subject": "Verzeichnis von Verarbeitungstätigkeiten",
        "submission": None,
        "uploads": [],
        "title": "Verzeichnis von Verarbeitungstätigkeiten (Art. 30 Abs. 1 DSGVO)",
    }
