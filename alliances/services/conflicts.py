"""The conflict a strategy and a question share: someone else saved it since the form was loaded."""

from django.utils.translation import gettext as _

from portal.exceptions import Conflict


class ChangedMeanwhile(Conflict):
    """Someone else changed the object since the form was loaded; `current` is the object as it is now.

    A subclass names its German `message_template`, which says who with `%(who)s`, and `changed_by`, the field
    holding who saved last.
    """

    message_template = ""
    changed_by = ""

    def __init__(self, current):
        who = getattr(current, self.changed_by) or _("einer anderen Person")
        super().__init__(self.message_template % {"who": who}, current=current)
