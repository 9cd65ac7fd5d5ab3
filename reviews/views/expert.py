"""The expert's pages: assignments, conflict-of-interest declaration, the strategy snapshot, the review.

Other roles get 403. An expert's scope comes from the querysets and `reviews.rules`: another expert's assignment,
a withdrawn one, or (for strategy content, documents and the review) one not yet cleared answers 404.
"""

import logging

import rules
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliances import services as alliance_services
from alliances.models import STRATEGY_SECTIONS, StrategyDocument, budget_table, current_cycle
from portal.form_feedback import autosave_refused, autosaved_response, changed_fields
from portal.forms import add_refusal
from portal.rules import require_permission
from portal.uploads import pdf_download
from reviews import selectors, services
from reviews.forms.expert import DeclarationForm, ReviewForm, review_initial
from reviews.models import (
    ACTIVE_ASSIGNMENT_STATUSES,
    Assignment,
    AssignmentStatus,
    Review,
    ReviewStatus,
)
from reviews.rules import AssignmentDocument

access_log = logging.getLogger("portal.access")


def _assignment_or_404(request, pk, *, cleared=False):
    """Role check first (403), then the expert's scope (404)."""
    require_permission(request.user, "reviews.use_expert_pages")
    queryset = Assignment.objects.readable_by(request.user) if cleared else Assignment.objects.visible_to(request.user)
    return get_object_or_404(queryset.select_related("strategy__alliance", "strategy__cycle"), pk=pk)


# --- My assignments -----------------------------------------------------------------------------------------

STATE_LABELS = {
    "awaiting": gettext_lazy("Erklärung zur Befangenheit fällig"),
    "cleared": gettext_lazy("freigegeben – Gutachten noch nicht begonnen"),
    "draft": gettext_lazy("Entwurf"),
    "submitted": gettext_lazy("abgegeben"),
    "resubmitted": gettext_lazy("geänderte Fassung – bitte erneut begutachten"),
    "conflicted": gettext_lazy("Befangenheit erklärt – beendet"),
    "withdrawn": gettext_lazy("zurückgezogen"),
}


def _state(assignment):
    if assignment.status != AssignmentStatus.CLEARED:
        return assignment.status
    if assignment.review_status is None:
        return "cleared"
    if assignment.is_done:
        return "submitted"
    return "resubmitted" if assignment.review_status == ReviewStatus.SUBMITTED else "draft"


@require_GET
def my_assignments(request):
    """Every assignment of the expert in the current cycle, with its state, progress and the deadline."""
    require_permission(request.user, "reviews.use_expert_pages")
    cycle = current_cycle()
    rows = []
    if cycle is not None:
        newest_review = Review.objects.filter(assignment=OuterRef("pk")).order_by("-submission__number", "-pk")
        assignments = (
            Assignment.objects.listed_for_expert(request.user)
            .filter(strategy__cycle=cycle)
            .select_related("strategy__alliance")
            .with_done()
            .annotate(review_status=Subquery(newest_review.values("status")[:1]))
            .order_by("strategy__alliance__name")
        )
        for assignment in assignments:
            state = _state(assignment)
            rows.append({"assignment": assignment, "state": state, "state_label": STATE_LABELS[state]})
    active = [row for row in rows if row["assignment"].status in ACTIVE_ASSIGNMENT_STATUSES]
    submitted = sum(1 for row in active if row["state"] == "submitted")
    now = timezone.now()
    return render(
        request,
        "reviews/expert/my_assignments.html",
        {
            "cycle": cycle,
            "rows": rows,
            "active_count": len(active),
            "submitted_count": submitted,
            "deadline_passed": cycle is not None and now > cycle.review_deadline,
        },
    )


# --- One assignment -----------------------------------------------------------------------------------------


@require_GET
def assignment_detail(request, pk):
    """Before the declaration: only the declaration form. After a conflict: that the assignment has ended.
    Once cleared: the submitted snapshot, its documents, what changed since a resubmission, the review and,
    after the expert's own submission, the other reviews side by side."""
    assignment = _assignment_or_404(request, pk)
    context = {"assignment": assignment, "strategy": assignment.strategy, "cycle": assignment.strategy.cycle}
    if assignment.status == AssignmentStatus.AWAITING_DECLARATION:
        context.update(_declaration_context(assignment), form=DeclarationForm())
        return render(request, "reviews/expert/declaration.html", context)
    if assignment.status != AssignmentStatus.CLEARED:
        return render(request, "reviews/expert/ended.html", context)
    require_permission(request.user, "reviews.read_strategy", assignment)
    reading = selectors.review_for_reading(assignment=assignment)
    review, submission = reading.review, reading.submission
    earlier, changes = selectors.resubmission_changes(assignment=assignment, current=submission)
    reviews, rows = None, None
    if rules.has_perm("reviews.see_other_reviews", request.user, assignment):
        reviews, rows = selectors.others_reviews(assignment=assignment, submission=submission)
    context.update(
        {
            "review": review,
            "submission": submission,
            "sections": [(name, label, submission.sections.get(name, "")) for name, label, _limit in STRATEGY_SECTIONS],
            "budget": budget_table(assignment.strategy.cycle.years, submission.budget),
            "earlier": earlier,
            "changes": changes,
            "others": reviews,
            "rows": rows,
            "deadline_passed": timezone.now() > assignment.strategy.cycle.review_deadline,
        }
    )
    return render(request, "reviews/expert/assignment.html", context)


def _declaration_context(assignment):
    """What the expert needs to judge a conflict before seeing the strategy: the alliance's partner organisations,
    its region and federal states, and the organisation that leads it (where its management sits)."""
    alliance = assignment.strategy.alliance
    return {
        "partners": list(alliance.partners.order_by("name").values_list("name", flat=True)),
        "states": list(alliance.states.order_by("name").values_list("name", flat=True)),
        "region": alliance.region,
        "lead_institution": alliance.postal_recipient,
    }


@require_POST
def declare(request, pk):
    """Records the declaration; a conflict ends the assignment and tells the programme office."""
    assignment = _assignment_or_404(request, pk)
    if not rules.has_perm("reviews.declare_conflict", request.user, assignment):
        messages.info(request, _("Die Erklärung wurde bereits abgegeben."))
        return redirect("reviews:assignment", assignment.pk)
    form = DeclarationForm(request.POST)
    if form.is_valid():
        try:
            services.declare_conflict(assignment=assignment, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if form.cleaned_data["has_conflict"]:
                messages.success(
                    request,
                    _("Ihre Erklärung ist gespeichert. Die Zuweisung ist beendet; der Projektträger wurde informiert."),
                )
                return redirect("reviews:my_assignments")
            messages.success(request, _("Vielen Dank. Die Unterlagen der Strategie sind jetzt für Sie freigegeben."))
            return redirect("reviews:assignment", assignment.pk)
    return render(
        request,
        "reviews/expert/declaration.html",
        {
            "assignment": assignment,
            "strategy": assignment.strategy,
            "cycle": assignment.strategy.cycle,
            "form": form,
            **_declaration_context(assignment),
        },
        status=422,
    )


@require_GET
def document_download(request, pk, public_id):
    """A document of the snapshot under review, for the cleared expert only; every download is logged."""
    assignment = _assignment_or_404(request, pk, cleared=True)
    require_permission(request.user, "reviews.read_strategy", assignment)
    if not rules.has_perm("reviews.download_document", request.user, AssignmentDocument(assignment, str(public_id))):
        raise Http404
    document = get_object_or_404(StrategyDocument, strategy=assignment.strategy, public_id=public_id)
    if not document.is_checked or not document.file:
        raise Http404
    alliance_services.record_document_download(document=document, user=request.user)
    access_log.info("document %s downloaded by user %s", document.public_id, request.user.pk)
    return pdf_download(document.file, document.original_name)


# --- The review ---------------------------------------------------------------------------------------------


REVIEW_CHANGED_MEANWHILE = gettext_lazy(
    "Das Gutachten wurde inzwischen an anderer Stelle (etwa in einem anderen Tab) gespeichert. Ihre Eingaben "
    "wurden nicht gespeichert, sind aber im Formular erhalten."
)


def _review_conflict(assignment, form, conflict):
    """Both versions of each field the other save changed (see the strategy workspace's conflict)."""
    return {
        "message": REVIEW_CHANGED_MEANWHILE,
        "rows": changed_fields(form, review_initial(conflict.current)),
        "version": conflict.current.version,
        "discard_url": reverse("reviews:review", args=[assignment.pk]),
    }


@require_http_methods(["GET", "POST"])
def review_form(request, pk):
    """The review: a score and justification per criterion, the overall assessment; saved as a draft or
    submitted (which locks it). A stale version (another tab saved meanwhile) is refused, the input kept and both
    versions shown. The workspace script's autosave (header X-Autosave) only saves the draft and gets JSON back.
    GET only reads: the draft is created (or moved to the latest snapshot) by the first save."""
    assignment = _assignment_or_404(request, pk, cleared=True)
    require_permission(request.user, "reviews.read_strategy", assignment)
    reading = selectors.review_for_reading(assignment=assignment)
    review = reading.review
    criteria = list(review.rubric.criteria.all())
    autosaving = request.method == "POST" and request.headers.get("X-Autosave") == "1"
    context = {
        "assignment": assignment,
        "strategy": assignment.strategy,
        "cycle": assignment.strategy.cycle,
        "review": review,
        "deadline_passed": timezone.now() > assignment.strategy.cycle.review_deadline,
        "autosave_seconds": settings.AUTOSAVE_SECONDS,
    }
    if review.status == ReviewStatus.SUBMITTED:
        if autosaving:
            return autosave_refused(_("Das Gutachten ist abgegeben und kann nicht mehr geändert werden."))
        if request.method == "POST":
            messages.error(request, _("Das Gutachten ist abgegeben und kann nicht mehr geändert werden."))
            return redirect("reviews:review", assignment.pk)
        scores = {score.criterion_id: score for score in reading.scores}
        context["rows"] = [{"criterion": criterion, "score": scores.get(criterion.pk)} for criterion in criteria]
        return render(request, "reviews/expert/review_submitted.html", context)
    submitting = request.method == "POST" and "submit" in request.POST and not autosaving
    if request.method == "POST":
        form = ReviewForm(request.POST, criteria=criteria, submitting=submitting)
    else:
        form = ReviewForm(initial=review_initial(review, reading.scores), criteria=criteria)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            # "Abgeben" saves the input as a draft first; the binding submission follows on the confirmation page.
            try:
                saved = services.start_review_draft(
                    assignment=assignment,
                    user=request.user,
                    scores=form.service_scores(),
                    fields=form.service_fields(),
                    expected_version=form.cleaned_data["version"],
                )
            except services.ReviewConflict as conflict:
                # The typed input stays; the form now carries the stored version, so saving again is deliberate.
                status = 409
                data = request.POST.copy()
                data["version"] = conflict.current.version
                form = ReviewForm(data, criteria=criteria, submitting=submitting)
                form.is_valid()
                context["conflict"] = _review_conflict(assignment, form, conflict)
                if autosaving:
                    return render(request, "partials/form_conflict.html", context, status=status)
            except services.ReviewLocked as locked:
                if autosaving:
                    return autosave_refused(locked.message)
                add_refusal(form, locked)
            except ValidationError as error:
                if autosaving:
                    return autosave_refused(" ".join(error.messages))
                form.add_error(None, error)
            else:
                if autosaving:
                    return autosaved_response(saved.version, saved.updated_at)
                if submitting:
                    return redirect("reviews:review_submit", assignment.pk)
                messages.success(request, _("Der Entwurf wurde gespeichert."))
                return redirect("reviews:review", assignment.pk)
        elif autosaving:
            return autosave_refused(_("Bitte korrigieren Sie die markierten Angaben."))
    context["form"] = form
    return render(request, "reviews/expert/review_form.html", context, status=status)


def _submit_page(request, assignment, review, criteria, scores, status=200, problems=()):
    by_criterion = {score.criterion_id: score for score in scores}
    return render(
        request,
        "reviews/expert/review_submit_confirm.html",
        {
            "assignment": assignment,
            "strategy": assignment.strategy,
            "cycle": assignment.strategy.cycle,
            "review": review,
            "rows": [{"criterion": criterion, "score": by_criterion.get(criterion.pk)} for criterion in criteria],
            "problems": problems,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def review_submit(request, pk):
    """The binding submission of the review: GET shows what is submitted and that it cannot be changed afterwards;
    POST submits the draft as the page showed it (its version is the page's one-time token)."""
    assignment = _assignment_or_404(request, pk, cleared=True)
    require_permission(request.user, "reviews.read_strategy", assignment)
    reading = selectors.review_for_reading(assignment=assignment)
    review = reading.review
    if review.status == ReviewStatus.SUBMITTED:
        # A second post of the same page (double click, reload) finds the review submitted: said, not refused.
        messages.info(request, _("Ihr Gutachten ist bereits abgegeben."))
        return redirect("reviews:assignment", assignment.pk)
    if review.pk is None or reading.older_draft:
        messages.error(
            request,
            _("Bitte füllen Sie das Gutachten aus und wählen Sie „Abgeben“; danach bestätigen Sie die Abgabe hier."),
        )
        return redirect("reviews:review", assignment.pk)
    criteria = list(review.rubric.criteria.all())
    if request.method == "GET":
        return _submit_page(request, assignment, review, criteria, reading.scores)
    if request.POST.get("version") != str(review.version):
        messages.error(
            request,
            _(
                "Das Gutachten wurde inzwischen geändert, etwa in einem anderen Tab. Bitte prüfen Sie es unten "
                "und bestätigen Sie die Abgabe erneut."
            ),
        )
        return _submit_page(request, assignment, review, criteria, reading.scores, status=409)
    try:
        services.submit_review(review=review, user=request.user)
    except services.ReviewLocked as locked:
        messages.error(request, locked.message)
        return _submit_page(request, assignment, review, criteria, reading.scores, status=422)
    except ValidationError as error:
        return _submit_page(request, assignment, review, criteria, reading.scores, status=422, problems=error.messages)
    messages.success(request, _("Ihr Gutachten ist abgegeben."))
    return redirect("reviews:assignment", assignment.pk)
