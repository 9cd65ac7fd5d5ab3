"""The cycle settings page: the programme office edits dates, budget and phase override; the ministry reads."""

from datetime import datetime
from decimal import Decimal

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from alliances import services
from alliances.forms_cycle import CycleSettingsForm
from alliances.models import EvaluationCycle, Phase
from alliances.shortcuts import redirect_to_current_cycle
from portal.rules import require_permission

HISTORY_LIMIT = 50


def _display(name, value):
    if value is None or value == "":
        return _("keine") if name == "phase_override" else "—"
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "d.m.Y, H:i")
    if isinstance(value, Decimal):
        return _("%(amount)s EUR") % {"amount": number_format(value, 2, force_grouping=True)}
    if name == "phase_override":
        return Phase(value).label
    return str(value)


def cycle_history(cycle, limit=HISTORY_LIMIT):
    """The latest changes of the cycle, newest first: who, when, why and each setting from old to new."""
    records = list(cycle.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    entries = []
    for record, previous in zip(records, [*records[1:], None], strict=False):
        if len(entries) == limit:
            break
        changes = []
        if previous is not None:
            for change in record.diff_against(previous).changes:
                field = EvaluationCycle._meta.get_field(change.field)
                changes.append(
                    {
                        "label": field.verbose_name,
                        "old": _display(change.field, change.old),
                        "new": _display(change.field, change.new),
                    }
                )
        entries.append({"record": record, "changes": changes, "created": record.history_type == "+"})
    return entries


def _context(request, cycle, form, warnings=()):
    now = timezone.now()
    return {
        "cycle": cycle,
        "form": form,
        "warnings": warnings,
        "phase": cycle.phase_at(now),
        "derived_phase": services.derived_phase(cycle, now),
        "settings_rows": [
            (EvaluationCycle._meta.get_field(name).verbose_name, _display(name, getattr(cycle, name)))
            for name in services.CYCLE_SETTING_FIELDS
        ],
        "history": cycle_history(cycle),
        "can_edit": rules.has_perm("alliances.edit_cycle_settings", request.user),
    }


@login_required
@require_GET
def current_cycle_settings(request):
    """The settings of the cycle users work in."""
    require_permission(request.user, "alliances.view_cycle_settings")
    return redirect_to_current_cycle("alliances:cycle_settings")


@login_required
@require_http_methods(["GET", "POST"])
def cycle_settings(request, cycle_slug):
    """Dates, budget and manual phase of a cycle, with its change history; read-only for the ministry."""
    require_permission(request.user, "alliances.view_cycle_settings")
    can_edit = rules.has_perm("alliances.edit_cycle_settings", request.user)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    cycle = get_object_or_404(EvaluationCycle.objects.select_related("funding_round"), slug=cycle_slug)
    if not can_edit:
        return render(request, "alliances/cycle_settings.html", _context(request, cycle, None))
    version = services.cycle_settings_version(cycle)
    initial = CycleSettingsForm.initial_for(cycle, version)
    form = CycleSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    warnings, status = (), 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                changed = services.update_cycle_settings(
                    cycle=cycle,
                    user=request.user,
                    name=data["name"],
                    submission_opens_at=data["submission_opens_at"],
                    submission_deadline=data["submission_deadline"],
                    review_deadline=data["review_deadline"],
                    panel_deadline=data["panel_deadline"],
                    decision_deadline=data["decision_deadline"],
                    released_at=data["released_at"],
                    budget=data["budget"],
                    phase_override=data["phase_override"],
                    reason=data["reason"],
                    expected_version=data["version"] or None,
                    confirm_past=data["confirm_past"],
                )
            except services.CycleConflict as conflict:
                # The typed values stay; the next save compares against the newer settings.
                post = request.POST.copy()
                post["version"] = services.cycle_settings_version(conflict.current)
                form = CycleSettingsForm(post, initial=initial)
                form.is_valid()
                form.add_error(
                    None,
                    _(
                        "Die Einstellungen wurden inzwischen von anderer Seite geändert. Ihre "
                        "Eingaben wurden nicht gespeichert, sind aber unten erhalten. Bitte prüfen "
                        "Sie die Historie und speichern Sie dann erneut."
                    ),
                )
                cycle = conflict.current
                status = 409
            except services.CycleDeadlineWarning as warning:
                warnings = warning.messages
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if changed:
                    messages.success(request, _("Die Einstellungen der Begutachtungsrunde wurden gespeichert."))
                else:
                    messages.info(request, _("Es gab keine Änderungen."))
                return redirect("alliances:cycle_settings", cycle.slug)
        if form.errors and status == 200:
            status = 422
    return render(request, "alliances/cycle_settings.html", _context(request, cycle, form, warnings), status=status)
