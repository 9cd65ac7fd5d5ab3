"""Facts the decision stage announces; later stages (dossiers) listen."""

from django.dispatch import Signal

# Sent after commit with `decision`.
decision_confirmed = Signal()
decision_released = Signal()
