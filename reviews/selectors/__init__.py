"""Reads of the review stage that several views or services share; nothing here writes.

This package is part of the app's public surface: import these names from `reviews.selectors`.
"""

from reviews.selectors.matrix import (
    EXPERTS_PER_PAGE,
    STRATEGIES_PER_PAGE,
    assignment_matrix,
    matrix_experts,
    matrix_strategies,
)
from reviews.selectors.policy import (
    POLICY_FIELDS,
    POLICY_HISTORY_LIMIT,
    policy_field_label,
    policy_history,
    policy_warnings,
    review_policy,
)
from reviews.selectors.progress import (
    PROGRESS_PER_PAGE,
    active_experts,
    conflict_flags,
    expert_progress,
    experts_with_outstanding_reviews,
    reviews_complete,
    strategy_progress,
    submitted_strategies_for_office,
)
from reviews.selectors.reviews import (
    NEW_DRAFT_VERSION,
    ReviewReading,
    current_rubric,
    new_draft,
    others_reviews,
    resubmission_changes,
    review_for_reading,
    rubric_is_locked,
    submitted_reviews_by_criterion,
)

__all__ = [
    "EXPERTS_PER_PAGE",
    "NEW_DRAFT_VERSION",
    "POLICY_FIELDS",
    "POLICY_HISTORY_LIMIT",
    "PROGRESS_PER_PAGE",
    "STRATEGIES_PER_PAGE",
    "ReviewReading",
    "active_experts",
    "assignment_matrix",
    "conflict_flags",
    "current_rubric",
    "expert_progress",
    "experts_with_outstanding_reviews",
    "matrix_experts",
    "matrix_strategies",
    "new_draft",
    "others_reviews",
    "policy_field_label",
    "policy_history",
    "policy_warnings",
    "resubmission_changes",
    "review_for_reading",
    "review_policy",
    "reviews_complete",
    "rubric_is_locked",
    "strategy_progress",
    "submitted_reviews_by_criterion",
    "submitted_strategies_for_office",
]
