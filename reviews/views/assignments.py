"""Programme office: the assignment matrix, one assignment, the balancer and the CSV import."""

from urllib.parse import urlencode, urlsplit

import rules
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from portal.forms import add_refusal
from portal.rules import require_permission
from reviews import selectors, services
from reviews.assignment_import import apply_assignment_import, parse_assignment_csv
from reviews.balancer import apply_previewed, pair_key, propose_assignments
from reviews.forms.office import AssignForm, AssignmentImportForm, MatrixFilterForm, ReasonForm
from reviews.models import ACTIVE_ASSIGNMENT_STATUSES, Assignment
from reviews.ordering import natural_key
from reviews.views.base import cycle_for_office, render_form_page


@require_GET
def assignments(request, cycle_slug):
    """One page of the matrix of submitted strategies × experts, with counts and conflict hints. Rows page with
    `seite`, expert columns with `experten`; searching for experts shows only their columns."""
    cycle = cycle_for_office(request, cycle_slug)
    policy = selectors.review_policy(cycle)
    form = MatrixFilterForm(request.GET)
    filters = form.filters()
    strategies = selectors.matrix_strategies(
        cycle,
        search=filters["search"],
        state=filters["state"],
        assigned_below=policy.experts_per_strategy if filters["understaffed"] else None,
    )
    page = Paginator(strategies, selectors.STRATEGIES_PER_PAGE).get_page(request.GET.get("seite"))
    experts = selectors.matrix_experts(cycle, search=filters["expert_search"])
    columns = Paginator(experts, selectors.EXPERTS_PER_PAGE).get_page(request.GET.get("experten"))
    # The assign URL of any pair is this prefix + "<strategy>/<expert>/": one reverse() per page, not per cell.
    assign_prefix = reverse("reviews:office_assign", args=[cycle.slug, 0, 0]).removesuffix("0/0/")
    withdraw_prefix = reverse("reviews:office_withdraw", args=[cycle.slug, 0]).removesuffix("0/withdraw/")
    return render(
        request,
        "reviews/office/assignments.html",
        {
            "cycle": cycle,
            "policy": policy,
            "form": form,
            "page": page,
            "columns": columns,
            "rows": selectors.assignment_matrix(cycle, strategies=page.object_list, experts=columns.object_list),
            "assign_prefix": assign_prefix,
            "withdraw_prefix": withdraw_prefix,
            "can_manage": rules.has_perm("reviews.manage_review", request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def assign(request, cycle_slug, strategy_pk, expert_pk):
    """Assigns one expert; a flagged pair needs a written justification."""
    cycle = cycle_for_office(request, cycle_slug)
    require_permission(request.user, "reviews.manage_review")
    strategy = get_object_or_404(selectors.submitted_strategies_for_office(cycle), pk=strategy_pk)
    expert = get_object_or_404(selectors.active_experts(), pk=expert_pk)
    flags = selectors.conflict_flags(expert=expert, strategy=strategy)
    back_url = _matrix_url(request, cycle)
    form = AssignForm(request.POST if request.method == "POST" else None, flagged=bool(flags))
    if request.method == "POST" and form.is_valid():
        try:
            # The form asks for override_reason only for a flagged pair.
            services.assign_expert(strategy=strategy, expert=expert, user=request.user, **form.cleaned_data)
        except services.AssignmentRefused as refused:
            add_refusal(form, refused)
        else:
            names = {"expert": expert, "alliance": strategy.alliance.name}
            messages.success(request, _("%(expert)s wurde %(alliance)s zugewiesen.") % names)
            return redirect(back_url)
    return render_form_page(
        request,
        "reviews/office/assign.html",
        form,
        cycle=cycle,
        strategy=strategy,
        expert=expert,
        flags=flags,
        form=form,
        back_url=back_url,
        back_query=back_url.partition("?")[2],
    )


@require_http_methods(["GET", "POST"])
def withdraw(request, cycle_slug, assignment_pk):
    """Confirms withdrawing an active assignment, with a required reason; the expert is told by e-mail."""
    cycle = cycle_for_office(request, cycle_slug)
    require_permission(request.user, "reviews.manage_review")
    assignment = get_object_or_404(
        Assignment.objects.filter(strategy__cycle=cycle, status__in=ACTIVE_ASSIGNMENT_STATUSES).select_related(
            "strategy__alliance", "expert"
        ),
        pk=assignment_pk,
    )
    back_url = _matrix_url(request, cycle)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_assignment(assignment=assignment, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            names = {"expert": assignment.expert, "alliance": assignment.strategy.alliance.name}
            messages.success(request, _("Die Zuweisung von %(expert)s zu %(alliance)s ist zurückgezogen.") % names)
            return redirect(back_url)
    return render_form_page(
        request,
        "reviews/office/withdraw.html",
        form,
        cycle=cycle,
        assignment=assignment,
        form=form,
        back_url=back_url,
        back_query=back_url.partition("?")[2],
    )


# The matrix's own GET parameters: the page and filters an assignment returns to.
MATRIX_PARAMETERS = ("suche", "land", "gutachter", "unterbesetzt", "seite", "experten")


def _matrix_url(request, cycle):
    """The matrix page the office came from (filters and page from the posted `zurueck`, or from the Referer when
    it is the matrix), so an assignment does not send them back to the first page."""
    matrix = reverse("reviews:office_assignments", args=[cycle.slug])
    if request.method == "POST":
        query = request.POST.get("zurueck", "")
    else:
        referer = urlsplit(request.headers.get("Referer", ""))
        query = referer.query if referer.path == matrix else ""
    given = QueryDict(query)
    kept = [(name, value) for name in MATRIX_PARAMETERS for value in given.getlist(name)[:1] if len(value) <= 100]
    return f"{matrix}?{urlencode(kept)}" if kept else matrix


def _back_to_matrix(request, cycle, message):
    messages.success(request, message)
    return redirect("reviews:office_assignments", cycle.slug)


def _nothing_assigned(refused):
    return refused.message + " " + _("Es wurde nichts zugewiesen.")


def _by_load_then_name(item):
    expert, load = item
    return -load, natural_key(expert.get_full_name()), expert.email


@require_http_methods(["GET", "POST"])
def balancer(request, cycle_slug):
    """The automatic balancer: a preview, applied per strategy or all at once. Each apply re-checks the posted
    pairs against the proposal as it is now and says what it created and what it left alone."""
    cycle = cycle_for_office(request, cycle_slug)
    require_permission(request.user, "reviews.manage_review")
    if request.method == "POST":
        try:
            applied = apply_previewed(cycle=cycle, keys=request.POST.getlist("pair"), user=request.user)
        except services.AssignmentRefused as refused:
            messages.error(request, _nothing_assigned(refused))
            return redirect("reviews:office_balancer", cycle.slug)
        count = len(applied.created)
        if count:
            message = ngettext("%(count)s Zuweisung angelegt.", "%(count)s Zuweisungen angelegt.", count)
            messages.success(request, message % {"count": count})
        if applied.stale:
            messages.warning(
                request,
                _(
                    "Nicht übernommen, weil sich der Vorschlag seit der Vorschau geändert hat: %(names)s. "
                    "Bitte prüfen Sie die neue Vorschau."
                )
                % {"names": ", ".join(applied.stale)},
            )
        elif not count:
            messages.error(request, _("Es wurde keine Zuweisung ausgewählt."))
        if request.POST.get("umfang") == "alle" and count and not applied.stale:
            return redirect("reviews:office_assignments", cycle.slug)
        return redirect("reviews:office_balancer", cycle.slug)
    proposal = propose_assignments(cycle=cycle)
    return render(
        request,
        "reviews/office/balancer.html",
        {
            "cycle": cycle,
            "proposal": proposal,
            "groups": proposal.by_strategy(),
            "pair_keys": sorted(pair_key(strategy, expert) for strategy, expert, _reason in proposal.pairs()),
            "loads": sorted(proposal.loads.items(), key=_by_load_then_name),
        },
    )


@require_http_methods(["GET", "POST"])
def assignment_import(request, cycle_slug):
    """CSV import of assignments: upload, preview, then apply as one unit."""
    cycle = cycle_for_office(request, cycle_slug)
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
                    form.add_error(None, _nothing_assigned(refused))
                else:
                    message = ngettext(
                        "%(count)s Zuweisung importiert.", "%(count)s Zuweisungen importiert.", len(created)
                    )
                    return _back_to_matrix(request, cycle, message % {"count": len(created)})
    return render_form_page(
        request,
        "reviews/office/assignment_import.html",
        form,
        cycle=cycle,
        form=form,
        preview=preview,
        csv_text=carried,
    )
