"""The data of an alliance that its decision letter carries: postal address and file reference."""

import rules
from django.db import transaction
from django.utils.translation import gettext as _

from alliances.models import Alliance
from alliances.services.history import save_with_history
from portal.exceptions import Refusal

LETTER_DATA_FIELDS = ("postal_recipient", "postal_street", "postal_code", "postal_city", "file_reference")


@transaction.atomic
def update_letter_data(*, alliance, user, **fields):
    """Sets the alliance's postal address and file reference; returns the names of the changed fields.

    Side effects: saves the alliance with a history record naming `user`, only when something changed. A letter
    already released keeps the address it was sent with. Raises Refusal for anyone but the programme office.
    """
    if not rules.has_perm("alliances.edit_letter_data", user):
        raise Refusal(_("Nur der Projektträger kann Anschrift und Förderkennzeichen eines Bündnisses ändern."))
    alliance = Alliance.objects.select_for_update().get(pk=alliance.pk)
    changed = []
    for name in LETTER_DATA_FIELDS:
        value = (fields.get(name) or "").strip()
        if getattr(alliance, name) != value:
            setattr(alliance, name, value)
            changed.append(name)
    if changed:
        save_with_history(alliance, user, reason=_("Anschrift und Förderkennzeichen geändert"))
    return changed
