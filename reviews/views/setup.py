"""Programme office: the rubric and the review policy of a cycle (read-only for the ministry)."""

import rules
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from alliances.models import EvaluationCycle
from portal.models import Role, User
from portal.rules import require_permission
from reviews import selectors, services
from reviews.forms.office import CriterionFormSet, ReviewPolicyForm
from reviews.views.base import cycle_for_office, render_form_page

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


@require_http_methods(["GET", "POST"])
def rubric(request, cycle_slug):
    """The cycle's criteria; edits after the first submitted review make a new rubric version."""
    cycle = cycle_for_office(request, cycle_slug)
    current = selectors.current_rubric(cycle)
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
    return render_form_page(
        request,
        "reviews/office/rubric.html",
        formset,
        cycle=cycle,
        rubric=current,
        criteria=criteria,
        formset=formset if can_edit else None,
        locked=bool(current and selectors.rubric_is_locked(current)),
        versions=cycle.rubric_versions.annotate(review_count=Count("reviews")).order_by("-number"),
        weight_total=sum(criterion.weight for criterion in criteria),
    )


@require_http_methods(["GET", "POST"])
def policy(request, cycle_slug):
    """The cycle's review policy: reviews per strategy, load cap per expert, disagreement threshold."""
    require_permission(request.user, "reviews.use_office_pages")
    can_edit = rules.has_perm("reviews.manage_review", request.user)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    cycle = get_object_or_404(EvaluationCycle, slug=cycle_slug)
    # Read-only: an unsaved policy carries the defaults; the first save creates it.
    current = selectors.review_policy(cycle)
    form = None
    if can_edit:
        initial = {name: getattr(current, name) for name in selectors.POLICY_FIELDS}
        form = ReviewPolicyForm(request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                _policy, changed, warnings = services.update_review_policy(
                    cycle=cycle, user=request.user, **form.cleaned_data
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
    return render_form_page(
        request,
        "reviews/office/policy.html",
        form,
        cycle=cycle,
        policy=current,
        form=form,
        saved=current.pk is not None,
        history=selectors.policy_history(current),
        active_experts=User.objects.filter(role=Role.EXPERT, is_active=True).count(),
    )
