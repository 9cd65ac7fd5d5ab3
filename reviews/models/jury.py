"""Jury sessions: online pitches of the alliances before the jury, their slots, and the private calendar feeds."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alliances.models import Alliance, EvaluationCycle, Strategy
from portal.models import Role

# A session runs within one day; the service says so in German, the database holds to it as well.
MAX_SESSION_LENGTH = timedelta(days=1)


class JurySessionStatus(models.TextChoices):
    PLANNED = "planned", _("geplant")
    CANCELLED = "cancelled", _("abgesagt")


class JurySessionQuerySet(models.QuerySet):
    def planned(self):
        return self.filter(status=JurySessionStatus.PLANNED)

    def visible_to(self, user):
        """The office and the ministry see every session; a juror or observer their own; a manager none here."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.role in (Role.PROGRAMME_OFFICE, Role.MINISTRY):
            return self
        if user.role == Role.EXPERT:
            return self.filter(members__user=user).distinct()
        return self.none()


class JurySession(models.Model):
    """One online sitting of the jury, in which alliances pitch one after another."""

    cycle = models.ForeignKey(EvaluationCycle, on_delete=models.PROTECT, related_name="jury_sessions")
    title = models.CharField(_("Titel"), max_length=200)
    starts_at = models.DateTimeField(_("Beginn"))
    ends_at = models.DateTimeField(_("Ende"))
    video_url = models.URLField(_("Link zur Videokonferenz"), max_length=500)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="chaired_jury_sessions",
        verbose_name=_("Vorsitz"),
    )
    pitch_minutes = models.PositiveSmallIntegerField(_("Pitch (Minuten)"), default=15)
    qa_minutes = models.PositiveSmallIntegerField(_("Fragen und Antworten (Minuten)"), default=15)
    buffer_minutes = models.PositiveSmallIntegerField(_("Puffer (Minuten)"), default=5)
    slides_deadline = models.DateTimeField(_("Frist für die Pitch-Folien"))
    change_deadline = models.DateTimeField(_("Frist für Terminwahl und -wechsel"))
    status = models.CharField(
        _("Status"), max_length=16, choices=JurySessionStatus.choices, default=JurySessionStatus.PLANNED
    )
    history = HistoricalRecords()
    objects = JurySessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("Jurysitzung")
        verbose_name_plural = _("Jurysitzungen")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="jury_session_ends_after_start"),
            models.CheckConstraint(
                condition=Q(ends_at__lte=F("starts_at") + MAX_SESSION_LENGTH), name="jury_session_within_a_day"
            ),
            models.CheckConstraint(condition=Q(video_url__startswith="https://"), name="jury_session_link_https"),
            models.CheckConstraint(condition=Q(pitch_minutes__gt=0), name="jury_session_pitch_has_length"),
            models.CheckConstraint(
                condition=Q(slides_deadline__lte=F("starts_at")) & Q(change_deadline__lte=F("starts_at")),
                name="jury_session_deadlines_before_start",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_cancelled(self):
        return self.status == JurySessionStatus.CANCELLED


class JuryBreak(models.Model):
    """A pause within a session; no pitch is scheduled across it."""

    session = models.ForeignKey(JurySession, on_delete=models.CASCADE, related_name="breaks")
    starts_at = models.DateTimeField(_("Beginn"))
    ends_at = models.DateTimeField(_("Ende"))

    class Meta:
        verbose_name = _("Pause")
        verbose_name_plural = _("Pausen")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="jury_break_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.session}: {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class JuryRole(models.TextChoices):
    JUROR = "juror", _("Jurymitglied")
    OBSERVER = "observer", _("Beobachtung (Ministerium)")


class JuryMember(models.Model):
    """A person in a session: experts sit as jurors, ministry staff observe."""

    session = models.ForeignKey(JurySession, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jury_memberships")
    role = models.CharField(_("Rolle"), max_length=16, choices=JuryRole.choices, default=JuryRole.JUROR)
    # Recorded by the chair during the session; None until then. Conflicted jurors count as absent per pitch.
    present = models.BooleanField(_("anwesend"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Mitglied einer Jurysitzung")
        verbose_name_plural = _("Mitglieder einer Jurysitzung")
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="jury_member_once_per_session")]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"


class PitchSlotStatus(models.TextChoices):
    OPEN = "open", _("frei")
    TAKEN = "taken", _("vergeben")
    CANCELLED = "cancelled", _("abgesagt")


class PitchSlot(models.Model):
    """A time in a session for one alliance's pitch. Its `uid` names it in every calendar, whatever moves."""

    session = models.ForeignKey(JurySession, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("Beginn"))
    ends_at = models.DateTimeField(_("Ende"))
    strategy = models.ForeignKey(
        Strategy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pitch_slots",
        verbose_name=_("Strategie"),
    )
    # Calendar clients match a changed or cancelled event by its UID and keep the highest SEQUENCE (RFC 5545).
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField(_("Status"), max_length=16, choices=PitchSlotStatus.choices, default=PitchSlotStatus.OPEN)
    offered_to_alliances = models.BooleanField(_("den Bündnissen zur Wahl angeboten"), default=False)
    # The chair runs the pitch in the session: started, then closed (which opens the jurors' notes to the jury).
    started_at = models.DateTimeField(_("begonnen um"), null=True, blank=True)
    closed_at = models.DateTimeField(_("abgeschlossen um"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Pitch-Termin")
        verbose_name_plural = _("Pitch-Termine")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="pitch_slot_ends_after_start"),
            # A taken slot names its strategy, an open one none; a cancelled one keeps whom it was for.
            models.CheckConstraint(
                condition=Q(status=PitchSlotStatus.TAKEN, strategy__isnull=False)
                | Q(status=PitchSlotStatus.OPEN, strategy__isnull=True)
                | Q(status=PitchSlotStatus.CANCELLED),
                name="pitch_slot_taken_names_strategy",
            ),
            # A strategy belongs to one alliance in one cycle: one taken slot each is one pitch per alliance.
            models.UniqueConstraint(
                fields=["strategy"], condition=Q(status=PitchSlotStatus.TAKEN), name="pitch_once_per_strategy"
            ),
            models.UniqueConstraint(
                fields=["session", "starts_at"],
                condition=~Q(status=PitchSlotStatus.CANCELLED),
                name="pitch_slot_start_once_per_session",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(started_at__isnull=False, closed_at__gte=F("started_at")),
                name="pitch_closed_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.session}: {timezone.localtime(self.starts_at):%d.%m.%Y %H:%M}"

    @property
    def is_taken(self):
        return self.status == PitchSlotStatus.TAKEN

    @property
    def is_running(self):
        return self.started_at is not None and self.closed_at is None

    @property
    def is_closed(self):
        return self.closed_at is not None


class JuryNote(models.Model):
    """A juror's private note on one pitch: only its author reads it until the chair closes the pitch, then the
    jury of the session. It never appears in the minutes or any dossier."""

    slot = models.ForeignKey(PitchSlot, on_delete=models.CASCADE, related_name="jury_notes")
    juror = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jury_notes")
    text = models.TextField(_("Notiz"), blank=True)
    updated_at = models.DateTimeField(_("geändert am"), default=timezone.now)

    class Meta:
        verbose_name = _("Notiz eines Jurymitglieds")
        verbose_name_plural = _("Notizen der Jurymitglieder")
        ordering = ["slot", "juror"]
        constraints = [models.UniqueConstraint(fields=["slot", "juror"], name="jury_note_once_per_juror_and_pitch")]

    def __str__(self):
        return f"{self.juror}: {self.slot}"


class AllianceBlockedDate(models.Model):
    """A day on which an alliance cannot pitch."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="blocked_dates")
    date = models.DateField(_("Datum"))
    reason = models.CharField(_("Grund"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("gesperrter Tag eines Bündnisses")
        verbose_name_plural = _("gesperrte Tage der Bündnisse")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["alliance", "date"], name="blocked_date_once_per_alliance")]

    def __str__(self):
        return f"{self.alliance}: {self.date:%d.%m.%Y}"


class CalendarFeed(models.Model):
    """A person's private calendar feed; only the token's SHA-256 is stored, so the URL cannot be read back."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    revoked_at = models.DateTimeField(_("widerrufen am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Kalender-Abonnement")
        verbose_name_plural = _("Kalender-Abonnements")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="calendar_feed_one_active_per_user"
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.created_at:%d.%m.%Y})"
