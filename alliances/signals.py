"""Facts this stage announces to later stages, which listen without being imported here."""

from django.dispatch import Signal

# Sent after commit with `submission`.
strategy_submitted = Signal()
