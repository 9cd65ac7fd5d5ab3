from decimal import Decimal

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from alliances.models import EvaluationCycle, FederalState, Strategy, StrategyStatus, budget_table, current_cycle
from alliances.shortcuts import redirect_to_current_cycle
from decisions import charts, exports, services
from decisions import dashboard as dashboard_module
from decisions.forms import ConfirmForm, CorrectionForm, DecisionForm
from decisions.models import DecisionEvent, DecisionStatus, FundingDecision
from portal.rules import require_permission
from reviews import services as review_services
from reviews.models import PanelVotum


def _cycle(request, cycle_slug, perm="decisions.view_dashboard"):
    require_permission(request.user, perm)
    return get_object_or_404(EvaluationCycle, slug=cycle_slug)


def _strategy(cycle, alliance_slug):
    return get_object_or_404(
        Strategy.objects.select_related("alliance", "cycle"), cycle=cycle, alliance__slug=alliance_slug
    )


def _decision(strategy, pk):
    return get_object_or_404(
        FundingDecision.objects.select_related("proposed_by", "confirmed_by", "supersedes"), strategy=strategy, pk=pk
    )


def _detail_context(request, strategy, decision_form=None, confirm_forms=None, correction_form=None):
    submission = strategy.latest_submission
    requested = submission.budget_total if submission else Decimal("0")  # as services.requested_amount
    reviews, rows = review_services.submitted_reviews_by_criterion(strategy=strategy, submission=submission)
    decisions = list(
        strategy.decisions.select_related("proposed_by", "confirmed_by", "released_by", "supersedes").order_by(
            "-proposed_at"
        )
    )
    pending = next((d for d in decisions if d.status == DecisionStatus.PROPOSED), None)
    in_force = next((d for d in decisions if d.is_current and d.is_final), None)
    can_decide = rules.has_perm("decisions.decide", request.user)
    initial = {}
    if pending:
        initial = {
            name: getattr(pending, name)
            for name in (
                "outcome",
                "granted_amount",
                "funding_start",
                "funding_end",
                "conditions",
                "rationale",
                "over_request_reason",
            )
        }
        initial["version"] = pending.version
    return {
        "cycle": strategy.cycle,
        "strategy": strategy,
        "submission": submission,
        "submissions": list(strategy.submissions.select_related("submitted_by", "reopening").order_by("number")),
        "budget_total": requested,
        "reviews": reviews,
        "rows": rows,
        "budget": budget_table(strategy.cycle.years, submission.budget) if submission else None,
        "extensions": list(strategy.deadline_extensions.select_related("granted_by")),
        "votum": PanelVotum.objects.filter(strategy=strategy).select_related("written_by").first(),
        "decisions": decisions,
        "pending": pending,
        "in_force": in_force,
        "can_decide": can_decide,
        "decision_form": decision_form or (DecisionForm(initial=initial) if can_decide and not in_force else None),
        "confirm_form": (confirm_forms or ConfirmForm()) if can_decide and pending else None,
        "correction_form": correction_form or (CorrectionForm() if can_decide and in_force and not pending else None),
        "events": DecisionEvent.objects.filter(decision__strategy=strategy).select_related("actor", "decision")
        if rules.has_perm("decisions.view_audit", request.user)
        else [],
        "requested": requested,
    }


@login_required
@require_GET
def alliance_detail(request, cycle_slug, alliance_slug):
    """Everything the ministry needs on one alliance: strategy, reviews side by side, Votum, decision."""
    cycle = _cycle(request, cycle_slug)
    strategy = _strategy(cycle, alliance_slug)
    return render(request, "decisions/alliance_detail.html", _detail_context(request, strategy))


def _back(strategy):
    return redirect("decisions:alliance", strategy.cycle.slug, strategy.alliance.slug)


def _refused(request, strategy, status=422, **forms):
    return render(request, "decisions/alliance_detail.html", _detail_context(request, strategy, **forms), status=status)


def _save_proposal(request, strategy, form, form_name, save, success_message):
    """Runs `save` for a valid proposal form, then back to the alliance; a refusal shows the form again (422)."""
    if form.is_valid():
        try:
            save()
        except services.DecisionRefused as refused:
            form.add_error(None, refused.message)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, success_message)
            return _back(strategy)
    return _refused(request, strategy, **{form_name: form})


@login_required
@require_POST
def propose(request, cycle_slug, alliance_slug):
    cycle = _cycle(request, cycle_slug, "decisions.decide")
    strategy = _strategy(cycle, alliance_slug)
    form = DecisionForm(request.POST)

    def save():
        pending = strategy.decisions.filter(status=DecisionStatus.PROPOSED).first()
        if pending:
            services.change_proposal(
                decision=pending, user=request.user, expected_version=form.cleaned_data["version"], **form.content()
            )
        else:
            services.propose_decision(strategy=strategy, user=request.user, **form.content())

    return _save_proposal(
        request,
        strategy,
        form,
        "decision_form",
        save,
        _("Der Vorschlag wurde gespeichert. Eine zweite Person im BMBF muss ihn bestätigen."),
    )


@login_required
@require_POST
def withdraw(request, cycle_slug, alliance_slug, pk):
    cycle = _cycle(request, cycle_slug, "decisions.decide")
    strategy = _strategy(cycle, alliance_slug)
    try:
        services.withdraw_proposal(decision=_decision(strategy, pk), user=request.user)
    except services.DecisionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Der Vorschlag wurde zurückgezogen."))
    return _back(strategy)


@login_required
@require_POST
def confirm(request, cycle_slug, alliance_slug, pk):
    cycle = _cycle(request, cycle_slug, "decisions.decide")
    strategy = _strategy(cycle, alliance_slug)
    decision = _decision(strategy, pk)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.confirm_decision(
                decision=decision,
                user=request.user,
                password=form.cleaned_data["password"],
                budget_override_reason=form.cleaned_data["budget_override_reason"],
            )
        except services.DecisionRefused as refused:
            form.add_error("budget_override_reason" if refused.needs_override else None, refused.message)
        else:
            messages.success(request, _("Die Entscheidung ist bestätigt und damit endgültig."))
            return _back(strategy)
    return _refused(request, strategy, confirm_forms=form)


@login_required
@require_POST
def correct(request, cycle_slug, alliance_slug, pk):
    cycle = _cycle(request, cycle_slug, "decisions.decide")
    strategy = _strategy(cycle, alliance_slug)
    previous = _decision(strategy, pk)
    form = CorrectionForm(request.POST)

    def save():
        services.propose_decision(
            strategy=strategy,
            user=request.user,
            supersedes=previous,
            supersession_reason=form.cleaned_data["supersession_reason"],
            **form.content(),
        )

    return _save_proposal(
        request,
        strategy,
        form,
        "correction_form",
        save,
        _("Die Korrektur ist vorgeschlagen. Sie gilt, sobald eine zweite Person sie bestätigt."),
    )


@login_required
@require_POST
def release(request, cycle_slug, alliance_slug, pk):
    cycle = _cycle(request, cycle_slug, "decisions.decide")
    strategy = _strategy(cycle, alliance_slug)
    try:
        services.release_decision(decision=_decision(strategy, pk), user=request.user)
    except services.DecisionRefused as refused:
        messages.error(request, refused.message)
        return _refused(request, strategy)
    messages.success(request, _("Die Entscheidung ist freigegeben. Das Bündnis wird per E-Mail benachrichtigt."))
    return _back(strategy)


@login_required
@require_POST
def release_all(request, cycle_slug):
    cycle = _cycle(request, cycle_slug, "decisions.decide")
    count = services.release_all_confirmed(cycle=cycle, user=request.user)
    messages.success(
        request,
        ngettext(
            "%(count)s bestätigte Entscheidung wurde freigegeben.",
            "%(count)s bestätigte Entscheidungen wurden freigegeben.",
            count,
        )
        % {"count": count},
    )
    return redirect("decisions:dashboard", cycle.slug)


@login_required
@require_GET
def timeline(request, cycle_slug):
    """Every proposal, confirmation, correction, override and release of the cycle."""
    cycle = _cycle(request, cycle_slug, "decisions.view_audit")
    events = DecisionEvent.objects.filter(decision__strategy__cycle=cycle).select_related(
        "actor", "decision__strategy__alliance"
    )[:500]
    return render(request, "decisions/timeline.html", {"cycle": cycle, "events": events})


@login_required
@require_GET
def alliance_decision(request, cycle_slug, alliance_slug):
    """The released decision as the alliance sees it: outcome, conditions and letter, never the reviews."""
    require_permission(request.user, "decisions.read_own_decision")
    decision = (
        FundingDecision.objects.visible_to(request.user)
        .select_related("strategy__alliance", "strategy__cycle")
        .filter(strategy__cycle__slug=cycle_slug, strategy__alliance__slug=alliance_slug)
        .order_by("-released_at")
        .first()
    )
    if decision is None:
        raise Http404
    return render(request, "decisions/alliance_decision.html", {"decision": decision})


@login_required
@require_GET
def my_decisions(request):
    """The alliance manager's decisions page: for each of their alliances in the current cycle the released
    decision with its letter, or a note that none is released yet. Never reviews or experts."""
    require_permission(request.user, "decisions.read_own_decision")
    cycle = current_cycle()
    strategies = (
        list(
            Strategy.objects.visible_to(request.user)
            .filter(cycle=cycle)
            .select_related("alliance", "cycle")
            .order_by("alliance__name")
        )
        if cycle
        else []
    )
    released = {}
    for decision in (
        FundingDecision.objects.visible_to(request.user)
        .filter(strategy__in=[strategy.pk for strategy in strategies])
        .order_by("-released_at")
    ):
        released.setdefault(decision.strategy_id, decision)
    entries = [{"strategy": strategy, "decision": released.get(strategy.pk)} for strategy in strategies]
    return render(request, "decisions/my_decisions.html", {"cycle": cycle, "entries": entries})


@login_required
@require_GET
def current_dashboard(request):
    require_permission(request.user, "decisions.view_dashboard")
    return redirect_to_current_cycle("decisions:dashboard")


def _filters(request):
    return dashboard_module.DashboardFilters(
        state=request.GET.get("state", ""),
        status=request.GET.get("status", ""),
        recommendation=request.GET.get("recommendation", ""),
        sort=request.GET.get("sort", "alliance"),
    )


def _dashboard_rows(cycle, filters):
    return dashboard_module.rows_for(cycle=cycle, filters=filters)


@login_required
@require_GET
def dashboard(request, cycle_slug):
    """The whole cycle on one page: ranking, budget, charts and decisions."""
    cycle = _cycle(request, cycle_slug)
    filters = _filters(request)
    rows = _dashboard_rows(cycle, filters)
    points = dashboard_module.score_points(cycle=cycle)
    return render(
        request,
        "decisions/dashboard.html",
        {
            "cycle": cycle,
            "rows": rows,
            "filters": filters,
            "budget": dashboard_module.budget_panel(cycle=cycle, rows=rows),
            "distribution": charts.score_distribution(rows=rows, points=points),
            "heatmap": charts.criterion_heatmap(rows=rows, means=dashboard_module.criterion_means(cycle=cycle)),
            "states": FederalState.objects.order_by("name"),
            "statuses": StrategyStatus.choices,
            "recommendations": dashboard_module.recommendation_filter_choices(),
            "sorts": dashboard_module.SORTS,
            "can_decide": rules.has_perm("decisions.decide", request.user),
            "export_query": request.GET.urlencode(),
        },
    )


def _export_table(cycle, request):
    rows = _dashboard_rows(cycle, _filters(request))
    return exports.dashboard_table([dashboard_module.export_row(row) for row in rows], dashboard_module.COLUMNS)


def _export_name(cycle, extension):
    return f"dashboard_{cycle.slug}_{timezone.localdate():%Y-%m-%d}.{extension}"


@login_required
@require_GET
def export_csv(request, cycle_slug):
    cycle = _cycle(request, cycle_slug)
    header, body = _export_table(cycle, request)
    response = HttpResponse(exports.to_csv(header, body), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(cycle, "csv")}"'
    return response


@login_required
@require_GET
def export_xlsx(request, cycle_slug):
    cycle = _cycle(request, cycle_slug)
    header, body = _export_table(cycle, request)
    response = HttpResponse(
        exports.to_xlsx(header, body, title=cycle.name),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(cycle, "xlsx")}"'
    return response
