"""Reads of the review stage that several views or services share; nothing here writes.

This package is part of the app's public surface: import these names from `reviews.selectors`.
"""

from reviews.selectors.policy import (
    POLICY_FIELDS,
    POLICY_HISTORY_LIMIT,
    policy_field_label,
    policy_history,
    policy_warnings,
    review_policy,
)
from reviews.selectors.progress import (
    active_experts,
    assignment_matrix,
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
    "NEW_DRAFT_VERSION",
    "POLICY_FIELDS",
    "POLICY_HISTORY_LIMIT",
    "ReviewReading",
    "active_experts",
    "assignment_matrix",
    "conflict_flags",
    "current_rubric",
    "expert_progress",
    "experts_with_outstanding_reviews",
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
