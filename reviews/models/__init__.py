"""The review stage's models, one module per concept; this is the app's public surface (`reviews.models`)."""

from reviews.models.assignment import (
    ACTIVE_ASSIGNMENT_STATUSES,
    Assignment,
    AssignmentQuerySet,
    AssignmentStatus,
    ConflictType,
    ExpertProfile,
)
from reviews.models.jury import (
    AllianceBlockedDate,
    CalendarFeed,
    JuryBreak,
    JuryMember,
    JuryNote,
    JuryRole,
    JurySession,
    JurySessionStatus,
    PitchSlot,
    PitchSlotStatus,
)
from reviews.models.policy import ReminderKind, ReviewPolicy, ReviewReminder
from reviews.models.review import Recommendation, Review, ReviewQuerySet, ReviewStatus, Score
from reviews.models.rubric import DEFAULT_SCALE_LABELS, Criterion, RubricVersion
from reviews.models.slides import PitchSlides
from reviews.models.summary import StrategyScoreSummary
from reviews.models.votum import PanelVotum

__all__ = [
    "ACTIVE_ASSIGNMENT_STATUSES",
    "DEFAULT_SCALE_LABELS",
    "AllianceBlockedDate",
    "Assignment",
    "AssignmentQuerySet",
    "AssignmentStatus",
    "ConflictType",
    "CalendarFeed",
    "Criterion",
    "ExpertProfile",
    "JuryBreak",
    "JuryMember",
    "JuryNote",
    "JuryRole",
    "JurySession",
    "JurySessionStatus",
    "PanelVotum",
    "PitchSlides",
    "PitchSlot",
    "PitchSlotStatus",
    "Recommendation",
    "ReminderKind",
    "Review",
    "ReviewPolicy",
    "ReviewQuerySet",
    "ReviewReminder",
    "ReviewStatus",
    "RubricVersion",
    "Score",
    "StrategyScoreSummary",
]
