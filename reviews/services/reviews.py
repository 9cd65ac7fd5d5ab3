"""The expert's review: opened as a draft, saved, submitted before the deadline, reopened by the office."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliances.services import bump_figures_version
from reviews import search, validators
from reviews.exceptions import ReviewConflict, ReviewLocked
from reviews.models import Assignment, AssignmentStatus, Review, ReviewStatus, Score
from reviews.scoring import refresh_score_summaries, store_weighted_scores
from reviews.selectors import NEW_DRAFT_VERSION, new_draft

STALE_REVIEW = gettext_lazy(
    "Das Gutachten wurde inzwischen an anderer Stelle (etwa in einem anderen "
    "Tab) gespeichert. Ihre Eingaben wurden nicht gespeichert, sind aber unten "
    "erhalten. Bitte laden Sie die Seite neu, prüfen Sie den gespeicherten Stand "
    "und übernehmen Sie Ihre Änderungen."
)


def _open_review(*, assignment, user):
    """open_review inside the caller's transaction; returns (review, whether it was created now)."""
    assignment = Assignment.objects.select_for_update().select_related("strategy__cycle").get(pk=assignment.pk)
    if assignment.status != AssignmentStatus.CLEARED:
        raise ReviewLocked(validators.DECLARATION_FIRST)
    submission = assignment.strategy.latest_submission
    review = assignment.reviews.filter(submission=submission).first()
    if review:
        return review, False
    draft = assignment.reviews.filter(status=ReviewStatus.DRAFT).first()
    if draft:
        draft.submission = submission
        draft._history_user = user
        draft.save()
        return draft, False
    review, scores = new_draft(assignment, submission)
    review.save()
    for score in scores:
        score.review = review
    Score.objects.bulk_create(scores)
    _store_score(review)
    search.index_review(review)
    return review, True


@transaction.atomic
def open_review(*, assignment, user):
    """Returns the expert's review of the latest snapshot, creating a draft if there is none.

    A draft written against an older snapshot moves to the latest one; submitted reviews stay pinned.
    Side effects: may create the draft (with the texts and scores of the expert's last submitted review, indexed
    for the search) or move it; holds the assignment row lock. Pages read with review_for_reading instead; the save
    services call this on the first POST.
    """
    review, _created = _open_review(assignment=assignment, user=user)
    return review


def _store_score(review):
    """Stores the review's weighted score from its saved scores and keeps the instance in step, so a later
    save() of it writes the stored value back unchanged."""
    store_weighted_scores(Review.objects.filter(pk=review.pk))
    stored = Review.objects.values("weighted_score", "weighted_score_rubric_id").get(pk=review.pk)
    review.weighted_score = stored["weighted_score"]
    review.weighted_score_rubric_id = stored["weighted_score_rubric_id"]


def _ensure_before_review_deadline(review, now):
    deadline = review.assignment.strategy.cycle.review_deadline
    if now > deadline:
        raise ReviewLocked(
            _("Die Frist für Gutachten ist am %(date)s abgelaufen.")
            % {"date": date_format(timezone.localtime(deadline), "DATETIME_FORMAT")}
        )


def _store_expert_change(review, *, user, now):
    """Saves the expert's change under a new version (kept in history) and notes it as the assignment's last
    activity, which the progress pages show."""
    review.version += 1
    review._history_user = user
    review.save()
    Assignment.objects.filter(pk=review.assignment_id).update(last_activity_at=now)
    return review


def _save_draft(review, created, *, user, scores, fields, expected_version, now=None):
    """Stores the input on a draft inside the caller's transaction (see save_review_draft); `created` says the
    draft was made by this save, so it expects NEW_DRAFT_VERSION."""
    now = now or timezone.now()
    review = Review.objects.select_for_update().select_related("assignment__strategy__cycle").get(pk=review.pk)
    if (NEW_DRAFT_VERSION if created else review.version) != expected_version:
        raise ReviewConflict(review, STALE_REVIEW)
    if review.status != ReviewStatus.DRAFT:
        raise ReviewLocked(_("Das Gutachten ist abgegeben und kann nicht mehr geändert werden."))
    _ensure_before_review_deadline(review, now)
    criteria = {criterion.pk: criterion for criterion in review.rubric.criteria.all()}
    existing = {score.criterion_id: score for score in review.scores.all()}
    for criterion_id, (value, not_applicable, justification) in scores.items():
        criterion = criteria.get(criterion_id)
        if criterion is None:
            continue
        validators.validate_score(criterion, value, not_applicable)
        score = existing.get(criterion_id) or Score(review=review, criterion=criterion)
        score.value = None if not_applicable else value
        score.not_applicable = bool(not_applicable)
        score.justification = (justification or "").strip()
        score._history_user = user
        score.save()
    for name in ("recommendation", "strengths", "weaknesses", "proposed_conditions", "confidential_note"):
        if name in fields:
            setattr(review, name, (fields[name] or "").strip())
    review.updated_at = now
    review = _store_expert_change(review, user=user, now=now)
    _store_score(review)
    search.index_review(review)
    return review


@transaction.atomic
def save_review_draft(*, review, user, scores, fields, expected_version, now=None):
    """Saves scores and texts of a stored draft review.

    `scores` maps criterion id to (value or None, not_applicable, justification).
    Side effects: updates the review and its scores (kept in history), its stored weighted score and its texts in
    the search index.
    Raises ReviewConflict on a stale version,
    ReviewLocked when the review is submitted or the deadline has passed, ValidationError for a score off the
    scale; nothing is stored then.
    """
    return _save_draft(
        review, False, user=user, scores=scores, fields=fields, expected_version=expected_version, now=now
    )


@transaction.atomic
def start_review_draft(*, assignment, user, scores, fields, expected_version, now=None):
    """Saves the expert's input on their review of the latest snapshot, as the form's first save does.

    The draft is first created or moved to that snapshot as open_review does, under the assignment row lock and
    in this transaction; a draft created now expects NEW_DRAFT_VERSION, so of two tabs that both started from
    the unsaved draft only the first save passes.
    Side effects: may create or move the draft, then as save_review_draft. Raises as save_review_draft, and
    ReviewLocked before the declaration; nothing is stored then.
    """
    review, created = _open_review(assignment=assignment, user=user)
    return _save_draft(
        review, created, user=user, scores=scores, fields=fields, expected_version=expected_version, now=now
    )


@transaction.atomic
def submit_review(*, review, user, now=None):
    """Submits a complete review before the review deadline, which locks it.

    Side effects: sets the review submitted (kept in history) and refreshes its strategy's score summary.
    Raises ValidationError listing what is
    missing, or ReviewLocked after the deadline.
    """
    now = now or timezone.now()
    review = (
        Review.objects.select_for_update().select_related("assignment__strategy__cycle", "rubric").get(pk=review.pk)
    )
    if review.status != ReviewStatus.DRAFT:
        raise ReviewLocked(_("Das Gutachten ist bereits abgegeben."))
    _ensure_before_review_deadline(review, now)
    problems = validators.review_problems(review)
    if problems:
        raise ValidationError(problems)
    review.status = ReviewStatus.SUBMITTED
    review.submitted_at = now
    bump_figures_version(cycle_id=review.assignment.strategy.cycle_id)
    review = _store_expert_change(review, user=user, now=now)
    refresh_score_summaries(strategy_ids=[review.assignment.strategy_id])
    return review


@transaction.atomic
def save_and_submit_review(*, review, user, scores, fields, expected_version, now=None):
    """Saves the expert's last input on a stored draft and submits it, as one unit: both happen or neither.

    Side effects: as save_review_draft, then submit_review. Raises ReviewConflict, ReviewLocked or
    ValidationError (listing what is missing); nothing is stored then.
    """
    review = save_review_draft(
        review=review, user=user, scores=scores, fields=fields, expected_version=expected_version, now=now
    )
    return submit_review(review=review, user=user, now=now)


@transaction.atomic
def start_and_submit_review(*, assignment, user, scores, fields, expected_version, now=None):
    """As save_and_submit_review for the expert's review of the latest snapshot, created or moved first
    (see start_review_draft). Side effects and errors as start_review_draft, then submit_review."""
    review = start_review_draft(
        assignment=assignment, user=user, scores=scores, fields=fields, expected_version=expected_version, now=now
    )
    return submit_review(review=review, user=user, now=now)


@transaction.atomic
def reopen_review(*, review, user, reason):
    """Sets a submitted review back to draft, with the reason kept in history.

    Side effects: refreshes the strategy's score summary; bumps the cycle's figures version."""
    reason = validators.required_reason(reason, validators.REOPEN_REASON_MISSING)
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.status != ReviewStatus.SUBMITTED:
        raise ValidationError(_("Nur ein abgegebenes Gutachten kann wieder geöffnet werden."))
    review.status = ReviewStatus.DRAFT
    review.submitted_at = None
    review.version += 1
    review._history_user = user
    review._change_reason = _("Wieder geöffnet: %(reason)s") % {"reason": reason}
    review.save()
    bump_figures_version(cycle_id=review.submission.strategy.cycle_id)
    refresh_score_summaries(strategy_ids=[review.submission.strategy_id])
    return review
