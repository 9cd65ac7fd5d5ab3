"""Where a search hit of the review stage leads: the expert's snapshot and documents, a review, the Votum.

A hit's link names its kind and object id only. This view checks the permission again, as the page it leads to,
and redirects there (the link's fragment stays with the browser); an expert's PDF page is served inline, with the
download's permission and access log, so that `#page=N` opens the browser's viewer at that page.
"""

import logging

import rules
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect

from alliances import search as alliance_search
from alliances import services as alliance_services
from alliances.models import StrategyDocument, Submission
from alliances.views.search_hits import pdf_inline
from portal.rules import require_permission
from portal.views.search import hit_places
from reviews import search
from reviews.models import Assignment, PanelVotum
from reviews.rules import AssignmentDocument

access_log = logging.getLogger("portal.access")


def _cleared_assignment(request, strategy_id):
    """The expert's cleared assignment to the strategy: role check first (403), then the scope (404)."""
    require_permission(request.user, "reviews.use_expert_pages")
    assignment = get_object_or_404(Assignment.objects.readable_by(request.user), strategy_id=strategy_id)
    require_permission(request.user, "reviews.read_strategy", assignment)
    return assignment


def _submission_section(request, object_id):
    require_permission(request.user, "reviews.use_expert_pages")
    submission = get_object_or_404(Submission, pk=object_id)
    assignment = _cleared_assignment(request, submission.strategy_id)
    return redirect("reviews:assignment", assignment.pk)


def _document_page(request, object_id):
    require_permission(request.user, "reviews.use_expert_pages")
    document = get_object_or_404(StrategyDocument, pk=object_id)
    assignment = _cleared_assignment(request, document.strategy_id)
    if not rules.has_perm(
        "reviews.download_document", request.user, AssignmentDocument(assignment, str(document.public_id))
    ):
        raise Http404
    if not document.is_checked or not document.file:
        raise Http404
    alliance_services.record_document_download(document=document, user=request.user)
    access_log.info("document %s opened by user %s", document.public_id, request.user.pk)
    return pdf_inline(document.file, document.original_name)


def _review(request, object_id, *, confidential=False):
    user = request.user
    office = rules.has_perm("reviews.use_office_pages", user)
    if not (office or rules.has_perm("reviews.use_expert_pages", user)):
        raise PermissionDenied
    if confidential:
        require_permission(user, "reviews.see_expert_names")
    review = get_object_or_404(
        search.readable_reviews(user).select_related("assignment__strategy__cycle"), pk=object_id
    )
    strategy = review.assignment.strategy
    if office:
        return redirect("reviews:office_votum", strategy.cycle.slug, strategy.pk)
    if review.assignment.expert_id == user.pk:
        return redirect("reviews:review", review.assignment_id)
    return redirect("reviews:assignment", _cleared_assignment(request, strategy.pk).pk)


def _votum(request, object_id):
    require_permission(request.user, "reviews.use_office_pages")
    votum = get_object_or_404(PanelVotum.objects.select_related("strategy__cycle"), pk=object_id)
    return redirect("reviews:office_votum", votum.strategy.cycle.slug, votum.strategy_id)


PLACES = {
    alliance_search.SUBMISSION_SECTION: _submission_section,
    alliance_search.DOCUMENT_PAGE: _document_page,
    search.REVIEW: _review,
    search.REVIEW_CONFIDENTIAL: lambda request, object_id: _review(request, object_id, confidential=True),
    search.VOTUM: _votum,
}


search_hit = hit_places(PLACES)
