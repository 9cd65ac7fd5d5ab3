"""A cycle's pages: the overview of all alliances, and the settings (the programme office edits, the ministry reads)."""

from datetime import datetime, timedelta
from decimal import Decimal

import rules
from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Prefetch, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import resolve
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from alliances import selectors, services, validators
from alliances.filters import OverviewFilter
from alliances.forms import CycleSettingsForm
from alliances.models import SECTION_FIELDS, EvaluationCycle, FederalState, Phase, Strategy, Submission
from alliances.shortcuts import redirect_to_current_cycle
from portal.formatting import euro
from portal.forms import add_refusal
from portal.history import change_history
from portal.rules import require_permission

HISTORY_LIMIT = 50
OVERVIEW_PER_PAGE = 50


def _display(name, value):
    if value is None or value == "":
        return _("keine") if name == "phase_override" else "—"
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "d.m.Y, H:i")
    if isinstance(value, Decimal):
        return euro(value)
    if name == "phase_override":
        return Phase(value).label
    return str(value)


def cycle_history(cycle, limit=HISTORY_LIMIT):
    """The latest changes of the cycle, newest first: who, when, why and each setting from old to new."""
    return change_history(cycle, limit=limit, display=_display)


# A new deadline this close needs a confirmation even when it moves later: the affected have little time to plan.
CONFIRM_WITHIN = timedelta(days=14)


def _deadline_moves(cycle, data, now):
    """Sentences naming each deadline in `data` that needs a confirmation (it moves earlier, or lands within
    CONFIRM_WITHIN from now), the strategies a changed submission deadline concerns (None when it stays), and whether
    the review deadline is among them."""
    moves, affected, review_moves = [], None, False
    for name in ("submission_deadline", "review_deadline"):
        old, new = getattr(cycle, name), data.get(name)
        if new is None or new == old:
            continue
        dates = {"field": validators.cycle_field_label(name), "old": _display(name, old), "new": _display(name, new)}
        if new < old:
            moves.append(_("„%(field)s“ rückt vor: von %(old)s auf %(new)s Uhr.") % dates)
        elif new - now <= CONFIRM_WITHIN:
            moves.append(
                _("„%(field)s“ liegt dann weniger als 14 Tage in der Zukunft: %(new)s Uhr (bisher %(old)s Uhr).")
                % dates
            )
        else:
            continue
        if name == "submission_deadline":
            affected = list(selectors.strategies_losing_time(cycle))
        else:
            review_moves = True
    return moves, affected, review_moves


def _context(request, cycle, form, warnings=(), earlier=None, ask_earlier=False, deadline_moves=(), review_moves=False):
    now = timezone.now()
    return {
        "cycle": cycle,
        "form": form,
        "warnings": warnings,
        "deadline_moves": deadline_moves,
        "review_moves": review_moves,
        "earlier": earlier,
        "ask_earlier": ask_earlier,
        "phase": cycle.phase_at(now),
        "derived_phase": services.derived_phase(cycle, now),
        "settings_rows": [
            (validators.cycle_field_label(name), _display(name, getattr(cycle, name)))
            for name in services.CYCLE_SETTING_FIELDS
        ],
        "history": cycle_history(cycle),
        "can_edit": rules.has_perm("alliances.edit_cycle_settings", request.user),
    }


@require_GET
def current_cycle_settings(request):
    """The settings of the cycle users work in."""
    require_permission(request.user, "alliances.view_cycle_settings")
    return redirect_to_current_cycle("alliances:cycle_settings")


def _moves_a_date(request):
    """Whether the request would save a new date of the cycle. Dates open and close phases for everybody, so whoever
    moves one proves again that it is them (see reauthentication_required); other settings save without it."""
    if request.method != "POST" or not rules.has_perm("alliances.edit_cycle_settings", request.user):
        return False
    # The path, not resolver_match: after re-authentication allauth resumes this POST on its own page's request.
    cycle = EvaluationCycle.objects.filter(slug=resolve(request.path_info).kwargs.get("cycle_slug")).first()
    if cycle is None:
        return False
    form = CycleSettingsForm(request.POST, initial=CycleSettingsForm.initial_for(cycle, None))
    return form.is_valid() and bool(form.changed_dates())


@require_http_methods(["GET", "POST"])
@reauthentication_required(enabled=_moves_a_date)
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
    warnings, status, affected, moves, review_moves = (), 200, None, (), False
    if request.method == "POST":
        if form.is_valid():
            # The form's fields are the service's arguments, but for the version.
            data = dict(form.cleaned_data)
            expected_version = data.pop("version") or None
            now = timezone.now()
            moves, earlier, review_moves = _deadline_moves(cycle, data, now)
            # A deadline moved into the past is confirmed with the service's warning, which names the affected too.
            into_past = any(
                data[name] < now
                for name in ("submission_deadline", "review_deadline")
                if data[name] != getattr(cycle, name)
            )
            if moves and not into_past and request.POST.get("confirm_earlier") != "1":
                # Nothing is saved yet: the page names who is affected, and asks to confirm.
                return render(
                    request,
                    "alliances/cycle_settings.html",
                    _context(
                        request,
                        cycle,
                        form,
                        earlier=earlier,
                        ask_earlier=True,
                        deadline_moves=moves,
                        review_moves=review_moves,
                    ),
                )
            try:
                changed = services.update_cycle_settings(
                    cycle=cycle, user=request.user, expected_version=expected_version, **data
                )
            except services.CycleConflict as conflict:
                # The typed values stay; the next save compares against the newer settings.
                post = request.POST.copy()
                post["version"] = services.cycle_settings_version(conflict.current)
                form = CycleSettingsForm(post, initial=initial)
                form.is_valid()
                add_refusal(form, conflict)
                cycle = conflict.current
                status = 409
            except services.CycleDeadlineWarning as warning:
                warnings = warning.reasons
                affected = earlier
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
    return render(
        request,
        "alliances/cycle_settings.html",
        _context(request, cycle, form, warnings, affected, deadline_moves=moves, review_moves=review_moves),
        status=status,
    )


@require_GET
def cycle_overview(request, cycle_slug):
    """All alliances of a cycle with their submission state, for the programme office and the ministry."""
    require_permission(request.user, "alliances.view_overview")
    cycle = get_object_or_404(EvaluationCycle, slug=cycle_slug)
    last_submission = Submission.objects.filter(strategy=OuterRef("pk")).order_by("-number")
    base = (
        Strategy.objects.filter(cycle=cycle)
        .select_related("alliance", "updated_by")
        .prefetch_related(Prefetch("alliance__states", queryset=FederalState.objects.order_by("name")))
        .with_checklist()
        # A subquery, not an aggregate: without GROUP BY the database sorts and cuts the page before it computes
        # the checklist of each row.
        .annotate(last_submitted_at=Subquery(last_submission.values("submitted_at")[:1]))
        .defer(*SECTION_FIELDS)
        .order_by("alliance__name", "pk")
    )
    overview = OverviewFilter(request.GET or None, queryset=base)
    page = Paginator(overview.qs, OVERVIEW_PER_PAGE).get_page(request.GET.get("seite"))
    # The labels come from the page's SQL annotations (with_checklist), not from each strategy's rows.
    rows = [{"strategy": strategy, "missing": strategy.missing_items_from_annotations()} for strategy in page]
    return render(
        request, "alliances/cycle_overview.html", {"cycle": cycle, "filter": overview, "page": page, "rows": rows}
    )
