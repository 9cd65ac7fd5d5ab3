"""Where a search hit of the alliances stage leads: the strategy section, the PDF page, the question, the FAQ entry.

A hit's link names its kind and object id only (the search builds links without reading the objects). This view
checks the permission again, exactly as the page it leads to, and redirects there; the fragment of the link
(`#abschnitt-measures`) stays with the browser. A PDF page is served inline, with the download's permission and
access log, so that `#page=N` opens the browser's viewer at that page.
"""

import logging

import rules
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect

from alliances import search, services
from alliances.models import FaqEntry, Strategy, StrategyDocument
from alliances.selectors import visible_questions
from portal.rules import require_permission
from portal.uploads import served_name
from portal.views.search import hit_places

access_log = logging.getLogger("portal.access")


def pdf_inline(field_file, name):
    """A checked PDF shown in the browser (not saved): application/pdf, inline, never sniffed."""
    response = FileResponse(
        field_file.open("rb"), as_attachment=False, filename=served_name(name), content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _visible_strategies(request):
    """Role check first (403), then the user's scope (404), as the strategy pages."""
    require_permission(request.user, "alliances.use_strategy_pages")
    return Strategy.objects.visible_to(request.user)


def _strategy_section(request, object_id):
    strategy = get_object_or_404(_visible_strategies(request).select_related("cycle", "alliance"), pk=object_id)
    require_permission(request.user, "alliances.view_strategy", strategy)
    return redirect("alliances:strategy", strategy.cycle.slug, strategy.alliance.slug)


def _document_page(request, object_id):
    document = get_object_or_404(
        StrategyDocument.objects.filter(strategy__in=_visible_strategies(request)).select_related("strategy__alliance"),
        pk=object_id,
    )
    require_permission(request.user, "alliances.view_strategy", document.strategy)
    # Only a checked copy leaves the portal.
    if not document.is_checked or not document.file:
        raise Http404
    services.record_document_download(document=document, user=request.user)
    access_log.info("document %s opened by user %s", document.public_id, request.user.pk)
    return pdf_inline(document.file, document.original_name)


def _question(request, object_id):
    require_permission(request.user, "alliances.reach_questions")
    question = get_object_or_404(visible_questions(request.user), pk=object_id)
    require_permission(request.user, "alliances.view_question", question)
    return redirect("alliances:question_detail", question.public_id)


def _faq_entry(request, object_id):
    require_permission(request.user, "alliances.view_faq")
    entry = get_object_or_404(FaqEntry.objects.select_related("cycle"), pk=object_id)
    if not rules.has_perm("alliances.read_cycle_faq", request.user, entry.cycle):
        raise Http404
    return redirect("alliances:faq", entry.cycle.slug)


PLACES = {
    search.STRATEGY_SECTION: _strategy_section,
    search.DOCUMENT_PAGE: _document_page,
    search.QUESTION: _question,
    search.FAQ: _faq_entry,
}


search_hit = hit_places(PLACES)
