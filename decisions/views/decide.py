"""The ministry's work on one alliance: read everything, propose, confirm (four eyes), correct, release."""

import rules
from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliances.models import AllianceMembership, Strategy, StrategyStatus, budget_table
from decisions import selectors, services
from decisions.forms import ConfirmForm, CorrectionForm, DecisionForm
from decisions.models import PROPOSAL_FIELDS, DecisionEvent, DecisionStatus, FundingDecision
from decisions.views.dashboard import cycle_for
from portal.exceptions import Conflict
from portal.forms import add_refusal
from portal.rules import require_permission
from reviews import aggregates
from reviews import services as review_services
from reviews.models import PanelVotum


def _strategy(request, cycle_slug, alliance_slug, perm="decisions.view_dashboard"):
    """The alliance's strategy in the URL's cycle, once the user holds `perm` (see cycle_for)."""
    cycle = cycle_for(request, cycle_slug, perm)
    return get_object_or_404(
        Strategy.objects.select_related("alliance", "cycle"), cycle=cycle, alliance__slug=alliance_slug
    )


def _may_decide(request):
    return rules.has_perm("decisions.decide", request.user)


# Confirming and releasing are final: whoever does it proves again that it is them (a second factor, the password
# for a user without one) unless they did within REAUTHENTICATION_TIMEOUT. allauth keeps the POST meanwhile and
# resumes it afterwards. Users who may not decide at all get their 403 from the view instead.
reauthenticated_to_decide = reauthentication_required(enabled=_may_decide)


def _decision(strategy, pk):
    return get_object_or_404(
        FundingDecision.objects.select_related("proposed_by", "confirmed_by", "supersedes"), strategy=strategy, pk=pk
    )


def _detail_context(request, strategy, decision_form=None, confirm_forms=None, correction_form=None):
    submission = strategy.latest_submission
    requested = selectors.requested_in(submission)
    reviews, rows = review_services.submitted_reviews_by_criterion(strategy=strategy, submission=submission)
    decisions = list(
        strategy.decisions.select_related("proposed_by", "confirmed_by", "released_by", "supersedes").order_by(
            "-proposed_at"
        )
    )
    pending = next((d for d in decisions if d.status == DecisionStatus.PROPOSED), None)
    in_force = next((d for d in decisions if d.is_current and d.is_final), None)
    can_decide = rules.has_perm("decisions.decide", request.user)
    # Decisions answer a submitted strategy; for a draft or a reopened one no decision form is offered.
    can_propose = can_decide and strategy.status == StrategyStatus.SUBMITTED
    votum = PanelVotum.objects.filter(strategy=strategy).select_related("written_by").first()
    # A new proposal starts from the jury's proposed amount, or else from what the alliance requested.
    initial = {"granted_amount": votum.proposed_amount if votum and votum.proposed_amount is not None else requested}
    if pending:
        # A "change proposal" form starts from the pending proposal.
        initial = {name: getattr(pending, name) for name in PROPOSAL_FIELDS}
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
        "votum": votum,
        "overview": aggregates.score_overview(strategy),
        "decisions": decisions,
        "has_released": any(decision.is_released for decision in decisions),
        "pending": pending,
        "in_force": in_force,
        "can_decide": can_decide,
        "can_withdraw": pending is not None and rules.has_perm("decisions.withdraw_proposal", request.user, pending),
        "decision_form": decision_form or (DecisionForm(initial=initial) if can_propose and not in_force else None),
        "confirm_form": (confirm_forms or ConfirmForm()) if can_propose and pending else None,
        "correction_form": correction_form or (CorrectionForm() if can_propose and in_force and not pending else None),
        "events": DecisionEvent.objects.filter(decision__strategy=strategy).select_related("actor", "decision")
        if rules.has_perm("decisions.view_audit", request.user)
        else [],
        "requested": requested,
    }


@require_GET
def alliance_detail(request, cycle_slug, alliance_slug):
    """Everything the ministry needs on one alliance: strategy, reviews side by side, Votum, decision."""
    strategy = _strategy(request, cycle_slug, alliance_slug)
    return render(request, "decisions/alliance_detail.html", _detail_context(request, strategy))


def _back(strategy):
    return redirect("decisions:alliance", strategy.cycle.slug, strategy.alliance.slug)


def _status_of(refused):
    """409 when someone else acted first, 422 for a rule that refuses the request itself."""
    return 409 if isinstance(refused, Conflict) else 422


def _refused(request, strategy, status=422, **forms):
    return render(request, "decisions/alliance_detail.html", _detail_context(request, strategy, **forms), status=status)


def _save_proposal(request, strategy, form, form_name, save, success_message):
    """Runs `save` for a valid proposal form, then back to the alliance; a refusal shows the form again
    (422, or 409 when someone changed the proposal meanwhile)."""
    status = 422
    if form.is_valid():
        try:
            save()
        except services.DecisionRefused as refused:
            add_refusal(form, refused)
            if isinstance(refused, services.ProposalChanged):
                status = 409
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, success_message)
            return _back(strategy)
    return _refused(request, strategy, status=status, **{form_name: form})


@require_POST
def propose(request, cycle_slug, alliance_slug):
    strategy = _strategy(request, cycle_slug, alliance_slug, "decisions.decide")
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
        _("Der Vorschlag wurde gespeichert. Eine zweite Person im Ministerium muss ihn bestätigen."),
    )


@require_POST
def withdraw(request, cycle_slug, alliance_slug, pk):
    strategy = _strategy(request, cycle_slug, alliance_slug)
    decision = _decision(strategy, pk)
    require_permission(request.user, "decisions.withdraw_proposal", decision)
    try:
        services.withdraw_proposal(decision=decision, user=request.user)
    except services.DecisionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Der Vorschlag wurde zurückgezogen."))
    return _back(strategy)


def _memberships_by_name():
    return AllianceMembership.objects.select_related("user").order_by("user__full_name", "user__email")


def _managers(strategy):
    """Who the alliance's e-mail about a decision goes to (see services.confirm_decision): its managers. A list
    page prefetches them as `memberships_by_name`."""
    alliance = strategy.alliance
    memberships = getattr(alliance, "memberships_by_name", None)
    if memberships is None:
        memberships = _memberships_by_name().filter(alliance=alliance)
    return [membership.user for membership in memberships]


def _posted_version(request):
    """The decision's version the confirmation page showed (its one-time token), or None when none was posted."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _our_own_repeat(request, decision, refused, done_by):
    """True when `refused` only says that this very confirmation page was already posted: the user's own double
    click or reload, answered with the state reached instead of an error (someone else acting first stays a 409)."""
    if not isinstance(refused, services.AlreadyDecided):
        return False
    decision.refresh_from_db()
    return getattr(decision, done_by) == request.user and _posted_version(request) == decision.version - 1


def _confirm_page(request, strategy, decision, form, status=200):
    return render(
        request,
        "decisions/confirm/confirm.html",
        {
            "cycle": strategy.cycle,
            "strategy": strategy,
            "decision": decision,
            "form": form,
            "managers": _managers(strategy),
            "confirmed_total": selectors.confirmed_sum(strategy.cycle, exclude=decision.supersedes)
            + decision.granted_amount,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def confirm(request, cycle_slug, alliance_slug, pk):
    """GET: what confirming changes and who learns of it; POST (re-authenticated): confirms."""
    if request.method == "POST":
        return _do_confirm(request, cycle_slug, alliance_slug, pk)
    strategy = _strategy(request, cycle_slug, alliance_slug, "decisions.decide")
    decision = _decision(strategy, pk)
    if decision.status != DecisionStatus.PROPOSED:
        messages.info(request, _("Diese Entscheidung ist bereits bestätigt oder zurückgezogen."))
        return _back(strategy)
    return _confirm_page(request, strategy, decision, ConfirmForm())


@reauthenticated_to_decide
def _do_confirm(request, cycle_slug, alliance_slug, pk):
    strategy = _strategy(request, cycle_slug, alliance_slug, "decisions.decide")
    decision = _decision(strategy, pk)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.confirm_decision(
                decision=decision,
                user=request.user,
                budget_override_reason=form.cleaned_data["budget_override_reason"],
            )
        except services.DecisionRefused as refused:
            if _our_own_repeat(request, decision, refused, "confirmed_by"):
                messages.info(request, _("Sie haben diese Entscheidung bereits bestätigt; sie ist endgültig."))
                return _back(strategy)
            if refused.needs_override:
                add_refusal(form, refused, field="budget_override_reason")
                return _confirm_page(request, strategy, decision, form, status=422)
            # The panel no longer offers this form (confirmed meanwhile, or the proposer's own): said on top.
            messages.error(request, refused.message)
            return _refused(request, strategy, status=_status_of(refused), confirm_forms=form)
        messages.success(request, _("Die Entscheidung ist bestätigt und damit endgültig."))
        return _back(strategy)
    return _confirm_page(request, strategy, decision, form, status=422)


@require_POST
def correct(request, cycle_slug, alliance_slug, pk):
    strategy = _strategy(request, cycle_slug, alliance_slug, "decisions.decide")
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


@require_http_methods(["GET", "POST"])
def release(request, cycle_slug, alliance_slug, pk):
    """GET: which decision goes to whom, and that it cannot be undone; POST (re-authenticated): releases."""
    if request.method == "POST":
        return _do_release(request, cycle_slug, alliance_slug, pk)
    strategy = _strategy(request, cycle_slug, alliance_slug, "decisions.decide")
    decision = _decision(strategy, pk)
    if decision.status == DecisionStatus.RELEASED:
        messages.info(request, _("Diese Entscheidung ist bereits freigegeben; das Bündnis ist benachrichtigt."))
        return _back(strategy)
    if decision.status != DecisionStatus.CONFIRMED or not decision.is_current:
        messages.error(
            request,
            _(
                "Diese Entscheidung kann nicht freigegeben werden: freigegeben wird nur die bestätigte Entscheidung, "
                "die gilt. Die Seite zeigt ihren Stand."
            ),
        )
        return _back(strategy)
    return render(
        request,
        "decisions/confirm/release.html",
        {"cycle": strategy.cycle, "strategy": strategy, "decision": decision, "managers": _managers(strategy)},
    )


@reauthenticated_to_decide
def _do_release(request, cycle_slug, alliance_slug, pk):
    strategy = _strategy(request, cycle_slug, alliance_slug, "decisions.decide")
    decision = _decision(strategy, pk)
    try:
        services.release_decision(decision=decision, user=request.user)
    except services.DecisionRefused as refused:
        if _our_own_repeat(request, decision, refused, "released_by"):
            messages.info(
                request, _("Sie haben diese Entscheidung bereits freigegeben; das Bündnis ist benachrichtigt.")
            )
            return _back(strategy)
        messages.error(request, refused.message)
        return _refused(request, strategy, status=_status_of(refused))
    messages.success(request, _("Die Entscheidung ist freigegeben. Das Bündnis wird per E-Mail benachrichtigt."))
    return _back(strategy)


@require_http_methods(["GET", "POST"])
def release_all(request, cycle_slug):
    """GET: every confirmed decision that would be released and who is notified; POST (re-authenticated): releases
    exactly the decisions the page listed (one confirmed meanwhile waits for its own release)."""
    if request.method == "POST":
        return _do_release_all(request, cycle_slug)
    cycle = cycle_for(request, cycle_slug, "decisions.decide")
    decisions = list(
        selectors.releasable(cycle)
        .select_related("strategy__alliance")
        .prefetch_related(
            Prefetch("strategy__alliance__memberships", queryset=_memberships_by_name(), to_attr="memberships_by_name")
        )
        .order_by("strategy__alliance__name")
    )
    rows = [(decision, _managers(decision.strategy)) for decision in decisions]
    return render(
        request,
        "decisions/confirm/release_all.html",
        {"cycle": cycle, "rows": rows, "recipient_count": sum(len(managers) for _decision, managers in rows)},
    )


@reauthenticated_to_decide
def _do_release_all(request, cycle_slug):
    cycle = cycle_for(request, cycle_slug, "decisions.decide")
    # The page's list of decisions is its one-time token: a second post finds them released and releases nothing.
    listed = [int(pk) for pk in request.POST.getlist("decision") if pk.isdigit()]
    only = listed if "decision" in request.POST else None
    count = services.release_all_confirmed(cycle=cycle, user=request.user, only=only)
    if count == 0 and listed:
        messages.info(request, _("Diese Entscheidungen sind bereits freigegeben; es wurde nichts erneut versandt."))
    elif count == 0:
        messages.info(request, _("Es gab keine bestätigte Entscheidung freizugeben."))
    else:
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


@require_GET
def timeline(request, cycle_slug):
    """Every proposal, confirmation, correction, override and release of the cycle."""
    cycle = cycle_for(request, cycle_slug, "decisions.view_audit")
    events = DecisionEvent.objects.filter(decision__strategy__cycle=cycle).select_related(
        "actor", "decision__strategy__alliance"
    )[:500]
    return render(request, "decisions/timeline.html", {"cycle": cycle, "events": events})
