"""Business writes of the review stage, one module per concept; each runs in one transaction and names its side
effects.

This package is the app's public surface: other apps and the tests import these names from `reviews.services`.
A few reads that live in `reviews.selectors` are re-exported here for callers that import them from here.
"""

from reviews.exceptions import AssignmentRefused, ReviewConflict, ReviewLocked
from reviews.selectors import (
    NEW_DRAFT_VERSION,
    ReviewReading,
    conflict_flags,
    current_rubric,
    experts_with_outstanding_reviews,
    policy_warnings,
    resubmission_changes,
    review_for_reading,
    reviews_complete,
    rubric_is_locked,
    submitted_reviews_by_criterion,
)
from reviews.services.assignments import assign_expert, assign_many, withdraw_assignment
from reviews.services.calendar_feeds import create_calendar_feed, revoke_calendar_feed
from reviews.services.conflicts import declare_conflict
from reviews.services.jury import (
    JuryRefused,
    assign_slot,
    cancel_slot,
    generate_slots,
    move_pitch,
    offered_slots,
    pick_slot,
    save_jury_session,
    set_blocked_dates,
)
from reviews.services.jury_plan import apply_jury_plan, propose_jury_plan
from reviews.services.policy import policy_for, update_review_policy
from reviews.services.profiles import save_expert_profile
from reviews.services.reminders import (
    notify_experts_of_moved_deadline,
    notify_experts_of_resubmission,
    send_due_reminders,
    send_manual_reminder,
)
from reviews.services.reviews import (
    open_review,
    reopen_review,
    save_and_submit_review,
    save_review_draft,
    start_and_submit_review,
    start_review_draft,
    submit_review,
)
from reviews.services.rubric import parse_criteria_csv, replace_rubric
from reviews.services.votum import save_votum
from reviews.validators import CRITERIA_CSV_COLUMNS, review_problems

__all__ = [
    "JuryRefused",
    "apply_jury_plan",
    "assign_slot",
    "cancel_slot",
    "create_calendar_feed",
    "generate_slots",
    "move_pitch",
    "offered_slots",
    "pick_slot",
    "propose_jury_plan",
    "revoke_calendar_feed",
    "save_jury_session",
    "set_blocked_dates",
    "CRITERIA_CSV_COLUMNS",
    "NEW_DRAFT_VERSION",
    "AssignmentRefused",
    "ReviewConflict",
    "ReviewLocked",
    "ReviewReading",
    "assign_expert",
    "assign_many",
    "conflict_flags",
    "current_rubric",
    "declare_conflict",
    "experts_with_outstanding_reviews",
    "notify_experts_of_resubmission",
    "open_review",
    "parse_criteria_csv",
    "policy_for",
    "policy_warnings",
    "reopen_review",
    "replace_rubric",
    "resubmission_changes",
    "review_for_reading",
    "review_problems",
    "reviews_complete",
    "rubric_is_locked",
    "save_and_submit_review",
    "save_expert_profile",
    "save_review_draft",
    "save_votum",
    "send_due_reminders",
    "notify_experts_of_moved_deadline",
    "send_manual_reminder",
    "start_and_submit_review",
    "start_review_draft",
    "submit_review",
    "submitted_reviews_by_criterion",
    "update_review_policy",
    "withdraw_assignment",
]
