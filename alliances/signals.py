"""Facts this stage announces to later stages, which listen without being imported here."""

from django.dispatch import Signal

# Sent after commit with `submission`.
strategy_submitted = Signal()

# Sent inside the submitting transaction with `submission`, right after the snapshot is stored, so that stored
# figures depending on which snapshot is the latest change in the same transaction.
snapshot_frozen = Signal()

# Sent inside the transaction that moves a cycle's review deadline, with `cycle` (already saved), `old_deadline` and
# `user`, so that the review stage can tell its experts.
review_deadline_moved = Signal()
