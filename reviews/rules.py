"""Who may see and do what in the review stage: every object-scope decision is a predicate here.

Role checks answer 403; an expert's scope (assigned and cleared) is enforced by these predicates and, for lists,
by the `visible_to` querysets that mirror them, and answers 404.
"""

from typing import NamedTuple

import rules

from alliances.models import Submission
from alliances.rules import manages_strategy_alliance
from portal.rules import is_alliance_manager, is_expert, is_ministry, is_programme_office, is_staff_reader
from reviews.models import (
    AssignmentStatus,
    JuryMember,
    JuryRole,
    JurySessionStatus,
    PitchSlot,
    PitchSlotStatus,
    Review,
    ReviewStatus,
)
from reviews.selectors.jury import conflicted_jurors


class AssignmentDocument(NamedTuple):
    """A document (by public id) asked for through an assignment: the object of `reviews.download_document`."""

    assignment: object
    public_id: str


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


@rules.predicate
def has_counting_review_of_latest_snapshot(user, assignment):
    """The expert's own counting review of the latest snapshot is submitted (mirrored by Review.visible_to)."""
    if assignment is None:
        return False
    submission = assignment.strategy.latest_submission
    return Review.objects.counting().filter(assignment=assignment, submission=submission).exists()


def reviewed_document_ids(assignment):
    """Public ids of the documents of the snapshots the assignment's reviews were written on, and the latest."""
    submission_ids = set(assignment.reviews.values_list("submission_id", flat=True))
    latest = assignment.strategy.latest_submission
    if latest is not None:
        submission_ids.add(latest.pk)
    return {
        str(document["id"])
        for snapshot in Submission.objects.filter(pk__in=submission_ids)
        for document in snapshot.documents
    }


@rules.predicate
def document_of_reviewed_snapshot(user, item):
    return item is not None and str(item.public_id) in reviewed_document_ids(item.assignment)


@rules.predicate
def document_assignment_readable(user, item):
    return item is not None and rules.has_perm("reviews.read_strategy", user, item.assignment)


rules.add_perm("reviews.use_expert_pages", is_expert)
rules.add_perm("reviews.use_office_pages", is_staff_reader)
rules.add_perm("reviews.manage_review", is_programme_office)
rules.add_perm("reviews.declare_conflict", is_expert & is_assigned_expert & assignment_awaits_declaration)
rules.add_perm("reviews.read_strategy", is_staff_reader | (is_expert & is_assigned_expert & assignment_is_cleared))
rules.add_perm("reviews.edit_review", is_expert & owns_review & review_is_draft)
rules.add_perm("reviews.reopen_review", is_programme_office)
rules.add_perm("reviews.write_votum", is_programme_office)
rules.add_perm("reviews.see_expert_names", is_staff_reader)
rules.add_perm(
    "reviews.see_other_reviews",
    is_expert & is_assigned_expert & assignment_is_cleared & has_counting_review_of_latest_snapshot,
)
rules.add_perm("reviews.download_document", is_expert & document_assignment_readable & document_of_reviewed_snapshot)

# Jury sessions: everyone who may have a pitch in their calendar keeps a private feed of it.
keeps_calendar_feed = is_alliance_manager | is_expert | is_staff_reader
rules.add_perm("reviews.use_calendar_feed", keeps_calendar_feed)
# For templates: the rules tag `has_perm` asks user.has_perm, which grants a superuser everything.
rules.add_rule("reviews.keeps_calendar_feed", keeps_calendar_feed)
# An alliance's own pitch: its managers choose the slot; the programme office and the ministry read along.
rules.add_perm("reviews.see_alliance_pitch", is_alliance_manager | is_staff_reader)
rules.add_rule("reviews.sees_alliance_pitch", is_alliance_manager | is_staff_reader)
rules.add_perm("reviews.choose_pitch_slot", is_alliance_manager)
# Jury sessions of a cycle: the programme office plans them; the ministry reads the plan (its posts answer 403).
rules.add_perm("reviews.read_jury_plan", is_staff_reader)
rules.add_perm("reviews.plan_jury_sessions", is_programme_office)
rules.add_rule("reviews.plans_jury_sessions", is_programme_office)

# Jury mode: the session page is for its members, the programme office and the ministry (the scope of a session is
# JurySession.objects.visible_to: an expert who does not sit in it gets 404); the chair runs it; jurors keep notes.


@rules.predicate
def chairs_session(user, session):
    return session is not None and session.chair_id == user.pk


@rules.predicate
def sits_as_juror(user, session):
    return session is not None and JuryMember.objects.filter(session=session, user=user, role=JuryRole.JUROR).exists()


rules.add_perm("reviews.see_jury_session", is_expert | is_staff_reader)
rules.add_perm("reviews.see_own_jury_sessions", is_expert | is_ministry)
rules.add_perm("reviews.chair_jury_session", is_expert & chairs_session)
rules.add_perm("reviews.write_jury_note", is_expert & sits_as_juror)


# Pitch slides: the alliance's managers upload them and read them back; the programme office and the ministry
# read all; the chair and the jurors of the pitch's session read them unless conflicted with the alliance.
@rules.predicate
def manages_slides_alliance(user, slides):
    return slides is not None and manages_strategy_alliance(user, slides.strategy)


@rules.predicate
def sits_in_the_pitch_of_slides(user, slides):
    if slides is None:
        return False
    sessions = PitchSlot.objects.filter(
        strategy_id=slides.strategy_id, status=PitchSlotStatus.TAKEN, session__status=JurySessionStatus.PLANNED
    ).values("session_id")
    sits = JuryMember.objects.filter(session_id__in=sessions, user=user, role=JuryRole.JUROR).exists()
    return sits and user.pk not in conflicted_jurors([slides.strategy_id]).get(slides.strategy_id, set())


rules.add_perm("reviews.upload_pitch_slides", is_alliance_manager)
rules.add_perm("reviews.see_pitch_slides", is_alliance_manager | is_staff_reader | is_expert)
rules.add_perm(
    "reviews.read_pitch_slides",
    is_staff_reader | (is_alliance_manager & manages_slides_alliance) | (is_expert & sits_in_the_pitch_of_slides),
)
rules.add_perm("reviews.enter_blocked_dates", is_alliance_manager)
