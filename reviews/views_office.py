"""Review pages of the programme office (read-only for the ministry)."""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Max, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliances.models import AlliancePartner, EvaluationCycle, FederalState, Strategy
from alliances.shortcuts import redirect_to_current_cycle
from portal.models import Role, User
from portal.rules import require_permission
from reviews import services
from reviews.assignment_import import apply_assignment_import, parse_assignment_csv
from reviews.balancer import apply_proposal, propose_assignments
from reviews.forms_office import (
    AssignForm,
    AssignmentImportForm,
    CriterionFormSet,
    ExpertProfileForm,
    ReasonForm,
    ReviewPolicyForm,
    VotumForm,
)
from reviews.models import (
    ACTIVE_ASSIGNMENT_STATUSES,
    Assignment,
    ExpertProfile,
    PanelVotum,
    Review,
    ReviewPolicy,
)


def _cycle_for_office(request, cycle_slug):
    require_permission(request.user, "reviews.use_office_pages")
    return get_object_or_404(EvaluationCycle, slug=cycle_slug)


def _submitted_strategies(cycle):
    return (
        services.submitted_strategies(cycle)
        .prefetch_related(
            Prefetch("alliance__partners", queryset=AlliancePartner.objects.order_by("name")),
            Prefetch("alliance__states", queryset=FederalState.objects.order_by("name")),
        )
        .order_by("alliance__name")
    )


def _experts():
    return (
        User.objects.filter(role=Role.EXPERT, is_active=True)
        .select_related("expert_profile__federal_state")
        .order_by("full_name", "email")
    )


@login_required
@require_GET
def office_home(request):
    """The review pages of the current cycle."""
    require_permission(request.user, "reviews.use_office_pages")
    return redirect_to_current_cycle("reviews:office_progress")


@login_required
@require_GET
def assignments(request, cycle_slug):
    """The matrix of submitted strategies × experts, with counts and conflict hints."""
    cycle = _cycle_for_office(request, cycle_slug)
    policy = services.policy_for(cycle)
    strategies = list(_submitted_strategies(cycle))
    experts = list(_experts())
    existing = {
        (a.strategy_id, a.expert_id): a
        for a in Assignment.objects.filter(strategy__cycle=cycle).only(
            "id", "strategy_id", "expert_id", "status", "pseudonym", "conflict_flags"
        )
    }
    load = {expert.pk: 0 for expert in experts}
    per_strategy = {strategy.pk: 0 for strategy in strategies}
    for (strategy_id, expert_id), assignment in existing.items():
        if assignment.status in ACTIVE_ASSIGNMENT_STATUSES:
            load[expert_id] = load.get(expert_id, 0) + 1
            per_strategy[strategy_id] = per_strategy.get(strategy_id, 0) + 1
    rows = []
    for strategy in strategies:
        partners = list(strategy.alliance.partners.all())
        state_ids = {state.pk for state in strategy.alliance.states.all()}
        cells = []
        for expert in experts:
            assignment = existing.get((strategy.pk, expert.pk))
            flags = (
                []
                if assignment
                else services.conflict_flags(
                    expert=expert,
                    strategy=strategy,
                    profile=getattr(expert, "expert_profile", None),
                    partners=partners,
                    alliance_state_ids=state_ids,
                )
            )
            cells.append({"expert": expert, "assignment": assignment, "flags": flags})
        rows.append({"strategy": strategy, "cells": cells, "count": per_strategy[strategy.pk]})
    return render(
        request,
        "reviews/office/assignments.html",
        {
            "cycle": cycle,
            "policy": policy,
            "rows": rows,
            "experts": [{"expert": expert, "load": load[expert.pk]} for expert in experts],
            "can_manage": rules.has_perm("reviews.manage_review", request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assign(request, cycle_slug, strategy_pk, expert_pk):
    """Assigns one expert; a flagged pair needs a written justification."""
    cycle = _cycle_for_office(request, cycle_slug)
    require_permission(request.user, "reviews.manage_review")
    strategy = get_object_or_404(_submitted_strategies(cycle), pk=strategy_pk)
    expert = get_object_or_404(_experts(), pk=expert_pk)
    flags = services.conflict_flags(expert=expert, strategy=strategy)
    form = AssignForm(request.POST if request.method == "POST" else None, flagged=bool(flags))
    if request.method == "POST" and form.is_valid():
        try:
            services.assign_expert(
                strategy=strategy,
                expert=expert,
                user=request.user,
                override_reason=form.cleaned_data.get("override_reason", ""),
            )
        except services.AssignmentRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                _("%(expert)s wurde %(alliance)s zugewiesen.") % {"expert": expert, "alliance": strategy.alliance.name},
            )
            return redirect("reviews:office_assignments", cycle.slug)
    return render(
        request,
        "reviews/office/assign.html",
        {
            "cycle": cycle,
            "strategy": strategy,
            "expert": expert,
            "flags": flags,
            "form": form,
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_GET
def progress(request, cycle_slug):
    """Review progress per strategy: reviews in and outstanding."""
    cycle = _cycle_for_office(request, cycle_slug)
    active = Q(assignments__status__in=ACTIVE_ASSIGNMENT_STATUSES)
    strategies = (
        services.submitted_strategies(cycle)
        .annotate(
            assigned=Count("assignments", filter=active, distinct=True),
            awaiting=Count("assignments", filter=Q(assignments__status="awaiting"), distinct=True),
            submitted=Count("assignments", filter=active & Q(assignments__in=Assignment.objects.done()), distinct=True),
            conflicts=Count("assignments", filter=Q(assignments__status="conflicted"), distinct=True),
            last_activity=Max("assignments__last_activity_at"),
        )
        .annotate(outstanding=F("assigned") - F("submitted"))
        .select_related("votum")
        .order_by("alliance__name")
    )
    state = request.GET.get("state", "")
    if state == "outstanding":
        strategies = strategies.filter(Q(submitted__lt=F("assigned")) | Q(assigned=0))
    elif state == "complete":
        strategies = strategies.filter(assigned__gt=0, submitted__gte=F("assigned"))
    return render(
        request,
        "reviews/office/progress.html",
        {
            "cycle": cycle,
            "strategies": list(strategies),
            "state": state,
            "policy": services.policy_for(cycle),
            "can_manage": rules.has_perm("reviews.manage_review", request.user),
        },
    )


@login_required
@require_GET
def experts(request, cycle_slug):
    """Review progress per expert: completion and last activity."""
    cycle = _cycle_for_office(request, cycle_slug)
    in_cycle = Q(assignments__strategy__cycle=cycle)
    active = in_cycle & Q(assignments__status__in=ACTIVE_ASSIGNMENT_STATUSES)
    rows = _experts().annotate(
        assigned=Count("assignments", filter=active, distinct=True),
        submitted=Count("assignments", filter=active & Q(assignments__in=Assignment.objects.done()), distinct=True),
        conflicts=Count("assignments", filter=in_cycle & Q(assignments__status="conflicted"), distinct=True),
        last_activity=Max("assignments__last_activity_at", filter=in_cycle),
    )
    if request.GET.get("state") == "outstanding":
        rows = rows.filter(submitted__lt=F("assigned"))
    return render(
        request,
        "reviews/office/experts.html",
        {
            "cycle": cycle,
            "rows": list(rows),
            "state": request.GET.get("state", ""),
            "can_manage": rules.has_perm("reviews.manage_review", request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def expert_profile(request, cycle_slug, expert_pk):
    cycle = _cycle_for_office(request, cycle_slug)
    require_permission(request.user, "reviews.manage_review")
    expert = get_object_or_404(User, pk=expert_pk, role=Role.EXPERT)
    profile, _created = ExpertProfile.objects.get_or_create(user=expert)
    form = ExpertProfileForm(request.POST if request.method == "POST" else None, instance=profile)
    if request.method == "POST" and form.is_valid():
        profile = form.save(commit=False)
        profile._history_user = request.user
        profile.save()
        messages.success(request, _("Das Profil wurde gespeichert."))
        return redirect("reviews:office_experts", cycle.slug)
    return render(
        request,
        "reviews/office/expert_profile.html",
        {"cycle": cycle, "expert": expert, "form": form},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def send_reminder(request, cycle_slug):
    cycle = _cycle_for_office(request, cycle_slug)
    require_permission(request.user, "reviews.manage_review")
    sent = services.send_manual_reminder(cycle=cycle, user=request.user)
    messages.success(
        request,
        ngettext(
            "Erinnerung an %(count)s Gutachter/in mit offenen Gutachten versandt.",
            "Erinnerung an %(count)s Gutachter/innen mit offenen Gutachten versandt.",
            sent,
        )
        % {"count": sent},
    )
    return redirect("reviews:office_experts", cycle.slug)


@login_required
@require_http_methods(["GET", "POST"])
def votum(request, cycle_slug, strategy_pk):
    """All reviews of a strategy side by side, criterion by criterion, and the panel's Votum."""
    cycle = _cycle_for_office(request, cycle_slug)
    strategy = get_object_or_404(
        Strategy.objects.filter(cycle=cycle).select_related("alliance", "cycle"), pk=strategy_pk
    )
    submission = services.latest_submission(strategy)
    reviews, rows = services.submitted_reviews_by_criterion(strategy=strategy, submission=submission)
    current = PanelVotum.objects.filter(strategy=strategy).first()
    form = None
    if rules.has_perm("reviews.write_votum", request.user):
        initial = {"version": current.version if current else 0}
        if current:
            initial.update(
                recommendation=current.recommendation,
                proposed_amount=current.proposed_amount,
                conditions=current.conditions,
                summary=current.summary,
            )
        form = VotumForm(request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.save_votum(
                    strategy=strategy,
                    user=request.user,
                    recommendation=data["recommendation"],
                    proposed_amount=data["proposed_amount"],
                    conditions=data["conditions"],
                    summary=data["summary"],
                    expected_version=data["version"] or None,
                )
            except services.ReviewConflict:
                form.add_error(
                    None,
                    _(
                        "Das Votum wurde inzwischen von anderer Seite geändert. Ihre Eingaben sind "
                        "erhalten; bitte laden Sie die Seite neu und prüfen Sie die Fassung."
                    ),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Das Votum wurde gespeichert."))
                return redirect("reviews:office_votum", cycle.slug, strategy.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "reviews/office/votum.html",
        {
            "cycle": cycle,
            "strategy": strategy,
            "submission": submission,
            "reviews": reviews,
            "rows": rows,
            "votum": current,
            "form": form,
            "complete": services.reviews_complete(strategy),
            "can_reopen": rules.has_perm("reviews.reopen_review", request.user),
        },
        status=422 if form is not None and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def reopen_review(request, cycle_slug, review_pk):
    cycle = _cycle_for_office(request, cycle_slug)
    require_permission(request.user, "reviews.reopen_review")
    review = get_object_or_404(
        Review.objects.filter(assignment__strategy__cycle=cycle).select_related(
            "assignment__strategy__alliance", "assignment__expert"
        ),
        pk=review_pk,
    )
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reopen_review(review=review, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Das Gutachten wurde wieder geöffnet."))
            return redirect("reviews:office_votum", cycle.slug, review.assignment.strategy_id)
    return render(
        request,
        "reviews/office/reopen_review.html",
        {"cycle": cycle, "review": review, "form": form},
        status=422 if form.errors else 200,
    )


CRITERION_FIELDS = [
    "code",
    "title",
    "title_en",
    "guiding_questions",
    "weight",
    "scale_min",
    "scale_max",
    "justification_required",
    "allows_not_applicable",
]


@login_required
@require_http_methods(["GET", "POST"])
def rubric(request, cycle_slug):
    """The cycle's criteria; edits after the first submitted review make a new rubric version."""
    cycle = _cycle_for_office(request, cycle_slug)
    current = services.current_rubric(cycle)
    criteria = list(current.criteria.all()) if current else []
    can_edit = rules.has_perm("reviews.manage_review", request.user)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    initial = [{name: getattr(criterion, name) for name in CRITERION_FIELDS} for criterion in criteria]
    formset = CriterionFormSet(request.POST if request.method == "POST" else None, initial=initial, prefix="kriterien")
    if request.method == "POST" and formset.is_valid():
        rows = [
            {
                **{name: form.cleaned_data[name] for name in CRITERION_FIELDS},
                "position": position,
                "code": form.cleaned_data["code"].lower(),
            }
            for position, form in enumerate(formset.forms)
            if form.has_changed() or form.initial
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        saved = services.replace_rubric(cycle=cycle, criteria=rows, user=request.user)
        if current is not None and saved.pk != current.pk:
            messages.warning(
                request,
                _(
                    "Weil bereits Gutachten abgegeben wurden, gilt die Änderung als neue "
                    "Version %(number)s. Abgegebene Gutachten behalten ihre Version."
                )
                % {"number": saved.number},
            )
        else:
            messages.success(request, _("Das Bewertungsschema wurde gespeichert."))
        return redirect("reviews:office_rubric", cycle.slug)
    return render(
        request,
        "reviews/office/rubric.html",
        {
            "cycle": cycle,
            "rubric": current,
            "criteria": criteria,
            "formset": formset if can_edit else None,
            "locked": bool(current and services.rubric_is_locked(current)),
            "versions": cycle.rubric_versions.annotate(review_count=Count("reviews")).order_by("-number"),
            "weight_total": sum(criterion.weight for criterion in criteria),
        },
        status=422 if formset.errors or formset.non_form_errors() else 200,
    )


def _pair_keys(pairs):
    return sorted(f"{strategy.pk}:{expert.pk}" for strategy, expert, _reason in pairs)


@login_required
@require_http_methods(["GET", "POST"])
def balancer(request, cycle_slug):
    """The automatic balancer: a preview, then the same proposal applied as one unit."""
    cycle = _cycle_for_office(request, cycle_slug)
    require_permission(request.user, "reviews.manage_review")
    proposal = propose_assignments(cycle=cycle)
    if request.method == "POST":
        if request.POST.getlist("pair") != _pair_keys(proposal.pairs()):
            messages.error(
                request, _("Die Zuweisungen haben sich seit der Vorschau geändert. Bitte prüfen Sie die neue Vorschau.")
            )
            return redirect("reviews:office_balancer", cycle.slug)
        try:
            created = apply_proposal(proposal=proposal, user=request.user)
        except services.AssignmentRefused as refused:
            messages.error(request, refused.message + " " + _("Es wurde nichts zugewiesen."))
            return redirect("reviews:office_balancer", cycle.slug)
        messages.success(
            request,
            ngettext("%(count)s Zuweisung angelegt.", "%(count)s Zuweisungen angelegt.", len(created))
            % {"count": len(created)},
        )
        return redirect("reviews:office_assignments", cycle.slug)
    return render(
        request,
        "reviews/office/balancer.html",
        {
            "cycle": cycle,
            "proposal": proposal,
            "pair_keys": _pair_keys(proposal.pairs()),
            "loads": sorted(proposal.loads.items(), key=lambda item: (-item[1], item[0].email)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_import(request, cycle_slug):
    """CSV import of assignments: upload, preview, then apply as one unit."""
    cycle = _cycle_for_office(request, cycle_slug)
    require_permission(request.user, "reviews.manage_review")
    form = AssignmentImportForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    preview, carried = None, ""
    if request.method == "POST" and form.is_valid():
        raw = form.submitted_csv()
        try:
            preview = parse_assignment_csv(cycle=cycle, csv_text=raw)
            carried = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if form.cleaned_data["confirm"]:
                try:
                    created = apply_assignment_import(preview=preview, user=request.user)
                except services.AssignmentRefused as refused:
                    form.add_error(None, refused.message + " " + _("Es wurde nichts zugewiesen."))
                else:
                    messages.success(
                        request,
                        ngettext("%(count)s Zuweisung importiert.", "%(count)s Zuweisungen importiert.", len(created))
                        % {"count": len(created)},
                    )
                    return redirect("reviews:office_assignments", cycle.slug)
    return render(
        request,
        "reviews/office/assignment_import.html",
        {
            "cycle": cycle,
            "form": form,
            "preview": preview,
            "csv_text": carried,
        },
        status=422 if form.errors else 200,
    )


POLICY_HISTORY_LIMIT = 50


def _policy_history(policy):
    """The latest changes of the policy, newest first: who, when, why and each value from old to new."""
    if policy.pk is None:
        return []
    records = list(
        policy.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : POLICY_HISTORY_LIMIT + 1
        ]
    )
    entries = []
    for record, previous in zip(records[:POLICY_HISTORY_LIMIT], [*records[1:], None], strict=False):
        changes = []
        if previous is not None:
            for change in record.diff_against(previous, included_fields=services.POLICY_FIELDS).changes:
                changes.append(
                    {
                        "label": ReviewPolicy._meta.get_field(change.field).verbose_name,
                        "old": number_format(change.old),
                        "new": number_format(change.new),
                    }
                )
        created = record.history_type == "+"
        # A created policy lists the values it started with, as the page shows the policy in force.
        initial = (
            [
                {
                    "label": ReviewPolicy._meta.get_field(name).verbose_name,
                    "value": floatformat(getattr(record, name), "-2"),
                }
                for name in services.POLICY_FIELDS
            ]
            if created
            else []
        )
        entries.append({"record": record, "changes": changes, "created": created, "initial": initial})
    return entries


@login_required
@require_http_methods(["GET", "POST"])
def policy(request, cycle_slug):
    """The cycle's review policy: reviews per strategy, load cap per expert, disagreement threshold."""
    require_permission(request.user, "reviews.use_office_pages")
    can_edit = rules.has_perm("reviews.manage_review", request.user)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    cycle = get_object_or_404(EvaluationCycle, slug=cycle_slug)
    # Read-only: an unsaved policy carries the defaults; the first save creates it.
    current = ReviewPolicy.objects.filter(cycle=cycle).first() or ReviewPolicy(cycle=cycle)
    form = None
    if can_edit:
        initial = {name: getattr(current, name) for name in services.POLICY_FIELDS}
        form = ReviewPolicyForm(request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                _policy, changed, warnings = services.update_review_policy(
                    cycle=cycle,
                    user=request.user,
                    experts_per_strategy=data["experts_per_strategy"],
                    load_cap=data["load_cap"],
                    disagreement_threshold=data["disagreement_threshold"],
                    reason=data["reason"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if changed:
                    messages.success(request, _("Die Begutachtungsregeln wurden gespeichert."))
                else:
                    messages.info(request, _("Es gab keine Änderungen."))
                for warning in warnings:
                    messages.warning(request, warning)
                return redirect("reviews:office_policy", cycle.slug)
    return render(
        request,
        "reviews/office/policy.html",
        {
            "cycle": cycle,
            "policy": current,
            "form": form,
            "saved": current.pk is not None,
            "history": _policy_history(current),
            "active_experts": User.objects.filter(role=Role.EXPERT, is_active=True).count(),
        },
        status=422 if form is not None and form.errors else 200,
    )
