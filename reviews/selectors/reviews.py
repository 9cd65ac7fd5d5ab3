"""Reads of the rubric and of the expert's review: what the pages show, computed without writing."""

import difflib

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from alliances.models import STRATEGY_SECTIONS, Submission
from portal.formatting import euro
from reviews import validators
from reviews.exceptions import ReviewLocked
from reviews.models import (
    AssignmentStatus,
    Review,
    ReviewStatus,
    Score,
)

# --- Rubric -------------------------------------------------------------------------------------------------


def current_rubric(cycle):
    return cycle.rubric_versions.order_by("-number").first()


def rubric_is_locked(rubric):
    """A rubric is locked once any review written against it has been submitted."""
    return rubric.reviews.filter(status=ReviewStatus.SUBMITTED).exists()


# --- The expert's review -------------------------------------------------------------------------------------

NEW_DRAFT_VERSION = 0
"""The version the form carries for a draft that is not stored yet; the save services accept it for creating it."""


def new_draft(assignment, submission):
    """An unsaved draft of `submission` and its unsaved scores, with the values a new draft starts from: the texts
    of the expert's last submitted review and, when that used the current rubric, its scores. Reads only."""
    previous = assignment.reviews.filter(status=ReviewStatus.SUBMITTED).order_by("-submitted_at").first()
    rubric = current_rubric(assignment.strategy.cycle)
    review = Review(
        assignment=assignment,
        submission=submission,
        rubric=rubric,
        strengths=previous.strengths if previous else "",
        weaknesses=previous.weaknesses if previous else "",
        proposed_conditions=previous.proposed_conditions if previous else "",
        confidential_note=previous.confidential_note if previous else "",
    )
    scores = []
    if previous and rubric is not None and previous.rubric_id == rubric.pk:
        scores = [
            Score(
                criterion_id=s.criterion_id,
                value=s.value,
                not_applicable=s.not_applicable,
                justification=s.justification,
            )
            for s in previous.scores.all()
        ]
    return review, scores


class ReviewReading:
    """What the expert's pages show of their review, read without writing anything.

    `review` is the review of the latest snapshot; or the draft written against an older snapshot (`older_draft`
    is True; it moves to `submission` on its first save); or an unsaved draft (`is_new`, version
    NEW_DRAFT_VERSION) with the values open_review would give it. `submission` is the latest snapshot.
    """

    def __init__(self, *, review, submission, older_draft=False, new_scores=None):
        self.review = review
        self.submission = submission
        self.older_draft = older_draft
        self._new_scores = new_scores

    @property
    def is_new(self):
        return self.review.pk is None

    @property
    def scores(self):
        """The review's scores; for an unsaved draft the carried-over (unsaved) ones."""
        if self.is_new:
            return list(self._new_scores or [])
        return list(self.review.scores.all())


def review_for_reading(*, assignment):
    """The expert's review as the assignment page and the review form show it, for GET: a pure query.

    No side effects: nothing is created and no draft is moved; the save services do that on the first POST
    (see open_review). Raises ReviewLocked before the conflict-of-interest declaration.
    """
    if assignment.status != AssignmentStatus.CLEARED:
        raise ReviewLocked(validators.DECLARATION_FIRST)
    submission = assignment.strategy.latest_submission
    review = assignment.reviews.filter(submission=submission).first()
    if review:
        return ReviewReading(review=review, submission=submission)
    draft = assignment.reviews.filter(status=ReviewStatus.DRAFT).first()
    if draft:
        return ReviewReading(review=draft, submission=submission, older_draft=True)
    review, scores = new_draft(assignment, submission)
    review.version = NEW_DRAFT_VERSION
    return ReviewReading(review=review, submission=submission, new_scores=scores)


def submitted_reviews_by_criterion(*, strategy, submission):
    """The submitted reviews of a snapshot and criterion rows with one score per review, for side-by-side reading."""
    if submission is None:
        return [], []
    reviews = list(
        Review.objects.filter(assignment__strategy=strategy, submission=submission, status=ReviewStatus.SUBMITTED)
        .select_related("assignment__expert", "rubric")
        .prefetch_related(Prefetch("scores", queryset=Score.objects.select_related("criterion")))
        .order_by("assignment__pseudonym")
    )
    criteria = list(reviews[0].rubric.criteria.all()) if reviews else []
    by_review = [{score.criterion_id: score for score in review.scores.all()} for review in reviews]
    rows = [
        {"criterion": criterion, "scores": [scores.get(criterion.pk) for scores in by_review]} for criterion in criteria
    ]
    return reviews, rows


def resubmission_changes(*, assignment, current):
    """What changed in the strategy since the snapshot this assignment's review was first written against.

    Returns (earlier submission or None, [{"label", "diff": [(kind, line)], "added", "removed"}]) with kind
    one of "added", "removed", "context", "skip"; empty when the review started on `current`. Reads the
    review history, since a draft moves to the newest snapshot when it is first saved again. No side effects.
    """
    if current is None:
        return None, []
    pinned_ids = set(Review.history.filter(assignment_id=assignment.pk).values_list("submission_id", flat=True))
    earlier = (
        Submission.objects.filter(strategy_id=assignment.strategy_id, pk__in=pinned_ids, number__lt=current.number)
        .order_by("-number")
        .first()
    )
    if earlier is None:
        return None, []
    changes = []
    for name, label, _limit in STRATEGY_SECTIONS:
        before = (earlier.sections.get(name) or "").splitlines()
        after = (current.sections.get(name) or "").splitlines()
        if before == after:
            continue
        lines, added, removed = [], 0, 0
        for line in difflib.unified_diff(before, after, lineterm="", n=1):
            if line.startswith(("---", "+++")):
                continue
            if line.startswith("@@"):
                lines.append(("skip", "…"))
            elif line.startswith("+"):
                lines.append(("added", line[1:]))
                added += 1
            elif line.startswith("-"):
                lines.append(("removed", line[1:]))
                removed += 1
            else:
                lines.append(("context", line[1:]))
        changes.append({"name": name, "label": label, "diff": lines, "added": added, "removed": removed})
    if earlier.budget != current.budget:
        changes.append(
            {
                "name": "budget",
                "label": _("Finanzplan"),
                "diff": [],
                "added": 0,
                "removed": 0,
                "budget_before": euro(earlier.budget_total),
                "budget_after": euro(current.budget_total),
            }
        )
    return earlier, changes


def others_reviews(*, assignment, submission):
    """The snapshot's submitted reviews the expert may read (Review.visible_to), side by side; for an expert who
    holds `reviews.see_other_reviews`. Names and notes never leave the template's anonymous view."""
    reviews, rows = submitted_reviews_by_criterion(strategy=assignment.strategy, submission=submission)
    visible = set(
        Review.objects.visible_to(assignment.expert).filter(pk__in=[r.pk for r in reviews]).values_list("pk", flat=True)
    )
    keep = [index for index, review in enumerate(reviews) if review.pk in visible]
    reviews = [reviews[index] for index in keep]
    rows = [{"criterion": row["criterion"], "scores": [row["scores"][index] for index in keep]} for row in rows]
    return reviews, rows
