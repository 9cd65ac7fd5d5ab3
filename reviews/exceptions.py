"""The review stage's refusals, in the one shape of `portal.exceptions` (German message, optional current state)."""

from portal.exceptions import Conflict, Refusal


class ReviewConflict(Conflict):
    """Someone saved the review or the Votum (another tab) since the form was loaded; `current` is the stored one."""

    def __init__(self, current, message=""):
        super().__init__(message or "stale version", current=current)


class ReviewLocked(Refusal):
    """The review can no longer be changed: submitted, before the declaration, or after the deadline."""


class AssignmentRefused(Refusal):
    """An assignment breaks a rule: not an expert, not submitted, load cap, already assigned, unjustified conflict."""
