"""Programme office: all reviews of a strategy side by side, the panel's Votum, reopening a review."""

import rules
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from alliances.models import Strategy
from portal.forms import add_refusal
from portal.rules import require_permission
from reviews import aggregates, selectors, services
from reviews.forms.office import ReasonForm, VotumForm
from reviews.models import PanelVotum, Review
from reviews.views.base import cycle_for_office, render_form_page


@require_http_methods(["GET", "POST"])
def votum(request, cycle_slug, strategy_pk):
    """All reviews of a strategy side by side, criterion by criterion, and the panel's Votum."""
    cycle = cycle_for_office(request, cycle_slug)
    strategy = get_object_or_404(
        Strategy.objects.filter(cycle=cycle).select_related("alliance", "cycle"), pk=strategy_pk
    )
    submission = strategy.latest_submission
    reviews, rows = selectors.submitted_reviews_by_criterion(strategy=strategy, submission=submission)
    current = PanelVotum.objects.filter(strategy=strategy).select_related("pitch").first()
    form = None
    if rules.has_perm("reviews.write_votum", request.user):
        # A new Votum starts from the requested sum; the recommendation is chosen.
        initial = {
            "version": current.version if current else 0,
            "proposed_amount": submission and submission.budget_total,
        }
        if current:
            initial.update(
                recommendation=current.recommendation,
                proposed_amount=current.proposed_amount,
                conditions=current.conditions,
                summary=current.summary,
            )
        form = VotumForm(request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                services.save_votum(strategy=strategy, user=request.user, **form.service_values())
            except services.ReviewConflict as conflict:
                add_refusal(form, conflict)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Das Votum wurde gespeichert."))
                return redirect("reviews:office_votum", cycle.slug, strategy.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render_form_page(
        request,
        "reviews/office/votum.html",
        form,
        cycle=cycle,
        strategy=strategy,
        submission=submission,
        reviews=reviews,
        rows=rows,
        votum=current,
        form=form,
        complete=selectors.reviews_complete(strategy),
        overview=aggregates.score_overview(strategy),
        can_reopen=rules.has_perm("reviews.reopen_review", request.user),
    )


@require_http_methods(["GET", "POST"])
def reopen_review(request, cycle_slug, review_pk):
    cycle = cycle_for_office(request, cycle_slug)
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
    return render_form_page(request, "reviews/office/reopen_review.html", form, cycle=cycle, review=review, form=form)
