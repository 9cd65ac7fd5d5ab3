"""The one shape of a refused action, shared by every stage.

A service raises a `Refusal` (or its `Conflict`) with the German message the user reads; a view shows it on
the form it came from (`portal.forms.add_refusal`) or answers 409 for a conflict.
"""


class Refusal(Exception):
    """A business rule refused the action. `reasons` lists every German reason, `message` joins them."""

    def __init__(self, message="", *, reasons=None, current=None):
        self.reasons = [str(reason) for reason in (reasons or [message])]
        self.message = str(message) if message else "; ".join(self.reasons)
        self.current = current
        super().__init__(self.message)


class Conflict(Refusal):
    """Someone else changed the object since the form was loaded; `current` is the object as it is now."""
