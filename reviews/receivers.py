"""Review work set going by the submission stage's announcements.

Module-level functions, so the signals' weak references keep them alive for the life of the process.
"""

from reviews import scoring, services


def notify_experts_of_resubmission(sender, submission, **kwargs):
    """A resubmitted strategy tells its assigned experts that the snapshot they judge has changed."""
    services.notify_experts_of_resubmission(submission=submission)


def refresh_summary_of_new_snapshot(sender, submission, **kwargs):
    """A new snapshot leaves the reviews of the older one out of the statistics (inside the submitting
    transaction)."""
    scoring.refresh_score_summaries(strategy_ids=[submission.strategy_id])


def notify_experts_of_moved_deadline(sender, cycle, old_deadline, **kwargs):
    """A moved review deadline is told to the experts who still owe a review (inside the saving transaction)."""
    services.notify_experts_of_moved_deadline(cycle=cycle, old_deadline=old_deadline)
