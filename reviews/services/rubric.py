"""The rubric of a cycle: criteria read from CSV, and edits that make a new version once reviews are submitted."""

import csv
import io

from django.core.exceptions import ValidationError
from django.db import transaction

from alliances.services import bump_figures_version
from reviews import validators
from reviews.models import DEFAULT_SCALE_LABELS, Criterion, Review, RubricVersion, Score
from reviews.scoring import store_weighted_scores
from reviews.selectors import current_rubric, rubric_is_locked


def parse_criteria_csv(csv_text):
    """Returns criterion dicts, or raises ValidationError naming each bad line."""
    reader = csv.DictReader(io.StringIO(csv_text))
    validators.validate_criteria_columns(reader.fieldnames)
    errors, rows, seen = [], [], set()
    for position, row in enumerate(reader):
        code = (row.get("code") or "").strip().lower()
        title = (row.get("title_de") or "").strip()
        weight = validators.criterion_weight(row.get("weight"))
        errors += validators.criterion_row_problems(
            line=reader.line_num, code=code, title=title, weight=weight, seen_codes=seen
        )
        seen.add(code)
        rows.append(
            {
                "position": position,
                "code": code,
                "title": title,
                "title_en": (row.get("title_en") or "").strip(),
                "guiding_questions": (row.get("guiding_questions_de") or "").strip(),
                "weight": weight or 0,
            }
        )
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError(validators.NO_CRITERIA)
    return rows


@transaction.atomic
def replace_rubric(*, cycle, criteria, user=None):
    """Sets the cycle's criteria.

    While no review against the current rubric is submitted, the rubric is edited in place;
    afterwards the change makes a new rubric version, and existing reviews keep theirs.
    Side effects: creates or replaces Criterion rows (kept in history), may create a RubricVersion, recomputes
    the stored weighted scores of the rubric's reviews.
    """
    rubric = current_rubric(cycle)
    if rubric is None or rubric_is_locked(rubric):
        number = rubric.number + 1 if rubric else 1
        rubric = RubricVersion.objects.create(cycle=cycle, number=number, created_by=user)
    elif rubric.reviews.exists():
        # Drafts follow the edited rubric; their scores for removed criteria go.
        Score.objects.filter(review__rubric=rubric).exclude(
            criterion__code__in=[item["code"] for item in criteria]
        ).delete()
    existing = {criterion.code: criterion for criterion in rubric.criteria.all()}
    for item in criteria:
        criterion = existing.pop(item["code"], None) or Criterion(rubric=rubric, code=item["code"])
        for name in ("position", "title", "title_en", "guiding_questions", "weight"):
            setattr(criterion, name, item[name])
        for name in ("scale_min", "scale_max", "justification_required", "allows_not_applicable"):
            if name in item:
                setattr(criterion, name, item[name])
        if not criterion.scale_labels:
            criterion.scale_labels = {key: str(label) for key, label in DEFAULT_SCALE_LABELS.items()}
        criterion._history_user = user
        criterion.save()
    for criterion in existing.values():
        criterion._history_user = user
        criterion.delete()
    # Drafts of an edited-in-place rubric are scored against the criteria as they are now.
    store_weighted_scores(Review.objects.filter(rubric=rubric))
    bump_figures_version(cycle_id=cycle.pk)
    return rubric
