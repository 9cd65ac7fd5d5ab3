"""The FAQ of a cycle: every alliance of the cycle reads it, searchable and grouped by topic."""

import rules
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from alliances.forms import FaqSearchForm
from alliances.models import EvaluationCycle, FaqEntry, QuestionTopic
from alliances.selectors import faq_search
from alliances.shortcuts import redirect_to_current_cycle
from portal.rules import require_permission


@require_GET
def faq_current(request):
    require_permission(request.user, "alliances.view_faq")
    return redirect_to_current_cycle("alliances:faq")


@require_GET
def faq(request, cycle_slug):
    """The cycle's FAQ, grouped by topic and searchable; every alliance of the cycle reads it."""
    require_permission(request.user, "alliances.view_faq")
    cycle = get_object_or_404(EvaluationCycle, slug=cycle_slug)
    if not rules.has_perm("alliances.read_cycle_faq", request.user, cycle):
        raise Http404
    form = FaqSearchForm(request.GET or None)
    entries = FaqEntry.objects.filter(cycle=cycle)
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        entries = faq_search(entries, query)
        if form.cleaned_data["topic"]:
            entries = entries.filter(topic=form.cleaned_data["topic"])
    by_topic = {}
    for entry in entries.order_by("-published_at"):
        by_topic.setdefault(entry.topic, []).append(entry)
    groups = [(value, label, by_topic[value]) for value, label in QuestionTopic.choices if value in by_topic]
    context = {
        "cycle": cycle,
        "form": form,
        "groups": groups,
        "query": query,
        "result_count": sum(len(items) for _value, _label, items in groups),
        "can_ask": rules.has_perm("alliances.ask_question", request.user),
    }
    if request.htmx and request.htmx.target == "faq-results":
        return render(request, "alliances/questions/partials/faq_results.html", context)
    return render(request, "alliances/questions/faq.html", context)
