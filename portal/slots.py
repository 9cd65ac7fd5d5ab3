"""Slots: named places on an earlier stage's page that later stages fill.

An earlier page says `{% load portal_slots %}{% slot "strategy_detail.side" %}`; a later app registers a partial
for that slot in its `AppConfig.ready()` with `register_slot(...)`. The earlier app never imports or loads the
later one, so the stages stay one-way.
"""

from collections import defaultdict

_slots = defaultdict(list)


def register_slot(slot, *, template):
    """Adds `template` (rendered with the page's context) to `slot`; registering the same pair twice is harmless."""
    if template not in _slots[slot]:
        _slots[slot].append(template)


def slot_templates(slot):
    return list(_slots.get(slot, ()))
