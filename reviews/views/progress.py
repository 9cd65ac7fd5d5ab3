"""Programme office: review progress per strategy and per expert, expert profiles and reminders."""

import rules
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliances.shortcuts import redirect_to_current_cycle
from portal.models import Role, User
from portal.rules import require_permission
from reviews import selectors, services
from reviews.forms.office import ExpertProfileForm
from reviews.models import ExpertProfile
from reviews.views.base import cycle_for_office, render_form_page


@require_GET
def office_home(request):
    """The review pages of the current cycle."""
    require_permission(request.user, "reviews.use_office_pages")
    return redirect_to_current_cycle("reviews:office_progress")


def _filtered_by_state(request, cycle):
    """The `state` filter of a progress list, and what both lists show besides their rows."""
    state = request.GET.get("state", "")
    return state, {"cycle": cycle, "state": state, "can_manage": rules.has_perm("reviews.manage_review", request.user)}


def _page(request, queryset):
    """One page of a progress list; the `state` filter stays in the page links."""
    return Paginator(queryset, selectors.PROGRESS_PER_PAGE).get_page(request.GET.get("seite"))


@require_GET
def progress(request, cycle_slug):
    """Review progress per strategy: reviews done and outstanding. Reads only."""
    cycle = cycle_for_office(request, cycle_slug)
    state, context = _filtered_by_state(request, cycle)
    page = _page(request, selectors.strategy_progress(cycle, state=state))
    context.update(page=page, strategies=page.object_list, policy=selectors.review_policy(cycle))
    return render(request, "reviews/office/progress.html", context)


@require_GET
def experts(request, cycle_slug):
    """Review progress per expert: completion and last activity."""
    cycle = cycle_for_office(request, cycle_slug)
    state, context = _filtered_by_state(request, cycle)
    page = _page(request, selectors.expert_progress(cycle, state=state))
    context.update(page=page, rows=page.object_list)
    return render(request, "reviews/office/experts.html", context)


@require_http_methods(["GET", "POST"])
def expert_profile(request, cycle_slug, expert_pk):
    """The expert's profile; the first save creates it."""
    cycle = cycle_for_office(request, cycle_slug)
    require_permission(request.user, "reviews.manage_review")
    expert = get_object_or_404(User, pk=expert_pk, role=Role.EXPERT)
    profile = ExpertProfile.objects.filter(user=expert).first() or ExpertProfile(user=expert)
    form = ExpertProfileForm(request.POST if request.method == "POST" else None, instance=profile)
    if request.method == "POST" and form.is_valid():
        services.save_expert_profile(expert=expert, user=request.user, values=form.cleaned_data)
        messages.success(request, _("Das Profil wurde gespeichert."))
        return redirect("reviews:office_experts", cycle.slug)
    return render_form_page(request, "reviews/office/expert_profile.html", form, cycle=cycle, expert=expert, form=form)


@require_POST
def send_reminder(request, cycle_slug):
    cycle = cycle_for_office(request, cycle_slug)
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
