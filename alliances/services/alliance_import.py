"""Importing the alliances from a CSV file, all or nothing."""

import csv
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from alliances.models import Alliance, EvaluationCycle, FederalState
from alliances.services.figures import bump_figures_version

ALLIANCE_CSV_COLUMNS = ["slug", "name", "acronym", "region", "states", "innovation_field", "source"]


@dataclass
class AllianceImportReport:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)


def _parse_alliance_rows(csv_text):
    """Validates every row first; returns clean rows or raises ValidationError naming each bad line."""
    states_by_name = {state.name.lower(): state for state in FederalState.objects.all()}
    reader = csv.DictReader(io.StringIO(csv_text))
    missing_columns = [column for column in ALLIANCE_CSV_COLUMNS if column not in (reader.fieldnames or [])]
    if missing_columns:
        raise ValidationError(
            _("Zeile 1: Es fehlen die Spalten %(columns)s.") % {"columns": ", ".join(missing_columns)}
        )
    errors, rows, seen = [], [], {}
    url_validator = URLValidator(schemes=["http", "https"])
    for row in reader:
        line = reader.line_num
        if None in row or any(value is None for value in row.values()):
            errors.append(_("Zeile %(line)s: falsche Anzahl von Feldern.") % {"line": line})
            continue
        values = {key: (row.get(key) or "").strip() for key in ALLIANCE_CSV_COLUMNS}
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", values["slug"]):
            errors.append(
                _("Zeile %(line)s: ungültiger Kurzname „%(slug)s“ (nur a–z, 0–9 und Bindestrich).")
                % {"line": line, "slug": values["slug"]}
            )
        elif values["slug"] in seen:
            errors.append(
                _("Zeile %(line)s: Kurzname „%(slug)s“ steht schon in Zeile %(first)s.")
                % {"line": line, "slug": values["slug"], "first": seen[values["slug"]]}
            )
        seen.setdefault(values["slug"], line)
        if not values["name"]:
            errors.append(_("Zeile %(line)s: Der Name fehlt.") % {"line": line})
        for column, limit in (("name", 200), ("acronym", 60), ("region", 300), ("source", 500)):
            if len(values[column]) > limit:
                errors.append(
                    _("Zeile %(line)s: %(column)s ist länger als %(limit)s Zeichen.")
                    % {"line": line, "column": column, "limit": limit}
                )
        try:
            url_validator(values["source"])
        except ValidationError:
            errors.append(_("Zeile %(line)s: Die Quelle muss eine gültige Web-Adresse sein.") % {"line": line})
        state_names = [name.strip() for name in values["states"].split(";") if name.strip()]
        unknown = [name for name in state_names if name.lower() not in states_by_name]
        if unknown:
            errors.append(
                _("Zeile %(line)s: unbekanntes Bundesland %(names)s.") % {"line": line, "names": ", ".join(unknown)}
            )
        values["states"] = [states_by_name[name.lower()] for name in state_names if name.lower() in states_by_name]
        rows.append(values)
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError(_("Die Datei enthält keine Bündnisse."))
    return rows


@transaction.atomic
def import_alliances(*, csv_text):
    """Creates or updates alliances from CSV text; all or nothing.

    Side effects: creates and updates Alliance rows (kept in history). Raises ValidationError,
    naming every bad line, before anything is written.
    """
    rows = _parse_alliance_rows(csv_text)
    report = AllianceImportReport()
    # Names and states show in every cycle's figures.
    for cycle_id in EvaluationCycle.objects.values_list("pk", flat=True):
        bump_figures_version(cycle_id=cycle_id)
    for values in rows:
        fields = {
            "name": values["name"],
            "acronym": values["acronym"],
            "region": values["region"],
            "innovation_field": values["innovation_field"],
            "source_url": values["source"],
        }
        alliance = Alliance.objects.filter(slug=values["slug"]).first()
        if alliance is None:
            alliance = Alliance.objects.create(slug=values["slug"], **fields)
            alliance.states.set(values["states"])
            report.created.append(alliance.slug)
            continue
        changed = [name for name, value in fields.items() if getattr(alliance, name) != value]
        if set(alliance.states.all()) != set(values["states"]):
            alliance.states.set(values["states"])
            changed.append("states")
        if changed:
            for name, value in fields.items():
                setattr(alliance, name, value)
            alliance.save()
            report.updated.append((alliance.slug, changed))
        else:
            report.unchanged.append(alliance.slug)
    return report
