"""Who may see and do what in the review stage.

Role checks answer 403; an expert's scope (assigned and cleared) is enforced by the querysets and answers 404.
"""

import rules

from portal.rules import is_expert, is_programme_office, is_staff_reader
from reviews.models import AssignmentStatus, ReviewStatus


@rules.predicate
def is_assigned_expert(user, assignment):
    return assignment is not None and assignment.expert_id == user.pk


@rules.predicate
def assignment_is_cleared(user, assignment):
    return assignment is not None and assignment.status == AssignmentStatus.CLEARED


@rules.predicate
def assignment_awaits_declaration(user, assignment):
    return assignment is not None and assignment.status == AssignmentStatus.AWAITING_DECLARATION


@rules.predicate
def owns_review(user, review):
    return review is not None and review.assignment.expert_id == user.pk


@rules.predicate
def review_is_draft(user, review):
    return review is not None and review.status == ReviewStatus.DRAFT


rules.add_perm("reviews.use_expert_pages", is_expert)
rules.add_perm("reviews.use_office_pages", is_staff_reader)
rules.add_perm("reviews.manage_review", is_programme_office)
rules.add_perm("reviews.declare_conflict", is_expert & is_assigned_expert & assignment_awaits_declaration)
rules.add_perm("reviews.read_strategy", is_staff_reader | (is_expert & is_assigned_expert & assignment_is_cleared))
rules.add_perm("reviews.edit_review", is_expert & owns_review & review_is_draft)
rules.add_perm("reviews.reopen_review", is_programme_office)
rules.add_perm("reviews.write_votum", is_programme_office)
rules.add_perm("reviews.see_expert_names", is_staff_reader)
