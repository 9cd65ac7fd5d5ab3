"""How close a deadline is (the countdown's level), and the reminders sent before a strategy's deadline."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

# The countdown changes its look and wording when this little time is left (inclusive).
WARNING_BEFORE = timedelta(days=7)
STRONG_BEFORE = timedelta(hours=48)
URGENT_BEFORE = timedelta(hours=6)

HOUR = timedelta(hours=1)


class CountdownLevel(models.TextChoices):
    CALM = "calm", _("Frist")
    WARNING = "warning", _("Frist naht")
    STRONG = "strong", _("Frist sehr nah")
    URGENT = "urgent", _("Letzte Stunden")
    PASSED = "passed", _("Frist abgelaufen")


# Bootstrap classes per level: (card, badge, sentence). Badge and sentence keep AA contrast; the border only adds.
LEVEL_CLASSES = {
    CountdownLevel.CALM: ("", "", ""),
    CountdownLevel.WARNING: ("border-warning border-2", "text-bg-warning", "fw-semibold"),
    CountdownLevel.STRONG: ("border-danger border-2", "text-bg-danger", "fw-semibold text-danger-emphasis"),
    CountdownLevel.URGENT: (
        "border-danger border-3 bg-danger-subtle",
        "text-bg-danger",
        "fw-bold text-danger-emphasis",
    ),
    CountdownLevel.PASSED: ("border-secondary", "text-bg-secondary", "fw-semibold text-danger-emphasis"),
}


@dataclass(frozen=True)
class Countdown:
    """What the deadline box shows: a level (look and label) and a sentence saying how much time is left."""

    level: str
    left: timedelta

    @property
    def label(self):
        return CountdownLevel(self.level).label

    @property
    def card_class(self):
        return LEVEL_CLASSES[self.level][0]

    @property
    def badge_class(self):
        return LEVEL_CLASSES[self.level][1]

    @property
    def text_class(self):
        return LEVEL_CLASSES[self.level][2]

    @property
    def text(self):
        if self.level == CountdownLevel.PASSED:
            return _("Die Frist ist abgelaufen.")
        if self.level == CountdownLevel.URGENT:
            hours = int(self.left // HOUR)
            if hours < 1:
                minutes = max(1, int(self.left.total_seconds() // 60))
                return ngettext(
                    "Nur noch %(count)d Minute – jetzt einreichen",
                    "Nur noch %(count)d Minuten – jetzt einreichen",
                    minutes,
                ) % {"count": minutes}
            return ngettext(
                "Nur noch %(count)d Stunde – jetzt einreichen", "Nur noch %(count)d Stunden – jetzt einreichen", hours
            ) % {"count": hours}
        if self.level == CountdownLevel.STRONG:
            hours = int(self.left // HOUR)
            return ngettext("Nur noch %(count)d Stunde", "Nur noch %(count)d Stunden", hours) % {"count": hours}
        days = self.left.days
        return ngettext("Noch %(count)d Tag", "Noch %(count)d Tage", days) % {"count": days}


def countdown_at(deadline, now):
    """The countdown for `deadline` seen at `now`: calm, then warning (7 days left), strong (48 h), urgent (6 h)."""
    left = deadline - now
    if left < timedelta(0):
        level = CountdownLevel.PASSED
    elif left <= URGENT_BEFORE:
        level = CountdownLevel.URGENT
    elif left <= STRONG_BEFORE:
        level = CountdownLevel.STRONG
    elif left <= WARNING_BEFORE:
        level = CountdownLevel.WARNING
    else:
        level = CountdownLevel.CALM
    return Countdown(level=level.value, left=left)


def due_reminder_hours(deadline, offsets, now):
    """The reminder due now for `deadline`: the closest of `offsets` (hours before it) whose time has come, or None
    once the deadline has passed or before the first one. Only the closest counts, so a deadline set close at short
    notice gets one reminder, not every earlier one at once."""
    left = deadline - now
    if left <= timedelta(0):
        return None
    due = [hours for hours in offsets if left <= timedelta(hours=hours)]
    return min(due) if due else None


class SubmissionReminder(models.Model):
    """One reminder e-mail to an alliance's managers before its strategy's deadline.

    Unique per strategy, offset and the deadline it reminded of: a deadline that moves (an extension, a changed
    cycle deadline) is a new deadline, so its reminders go out again, relative to it; an unchanged one never twice.
    """

    strategy = models.ForeignKey(
        "alliances.Strategy", on_delete=models.CASCADE, related_name="reminders", verbose_name=_("Strategie")
    )
    offset_hours = models.PositiveSmallIntegerField(_("Stunden vor der Frist"))
    deadline = models.DateTimeField(_("Frist, an die erinnert wurde"))
    sent_at = models.DateTimeField(_("versandt am"))

    class Meta:
        verbose_name = _("Erinnerung an die Einreichungsfrist")
        verbose_name_plural = _("Erinnerungen an die Einreichungsfrist")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "offset_hours", "deadline"], name="submission_reminder_once_per_deadline"
            ),
        ]

    def __str__(self):
        return f"{self.strategy}: {self.offset_hours} h"
