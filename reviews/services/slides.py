"""An alliance's side of its pitch: the slides it uploads for the jury, and the days on which it cannot pitch."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliances.models import AllianceMembership, Strategy
from portal import uploads
from portal.exceptions import Refusal
from portal.models import Role
from portal.uploads import CheckStatus
from reviews.models import JurySessionStatus, PitchSlides, PitchSlot, PitchSlotStatus
from reviews.services.jury import set_blocked_dates


class SlidesRefused(Refusal):
    """The slides cannot be taken; the German reason says why."""


def planned_pitch(strategy):
    """The strategy's taken slot in a planned session, or None."""
    return (
        PitchSlot.objects.filter(
            strategy=strategy, status=PitchSlotStatus.TAKEN, session__status=JurySessionStatus.PLANNED
        )
        .select_related("session")
        .first()
    )


def _manages(user, alliance_id):
    return (
        user is not None
        and user.is_active
        and user.role == Role.ALLIANCE_MANAGER
        and AllianceMembership.objects.filter(alliance_id=alliance_id, user=user).exists()
    )


def _refusals(*, strategy, user, pitch, now):
    if not _manages(user, strategy.alliance_id):
        return [_("Pitch-Folien lädt nur das Bündnis selbst hoch.")]
    if pitch is None:
        return [_("Ihr Bündnis hat noch keinen Pitch-Termin; Folien können Sie hochladen, sobald er feststeht.")]
    if pitch.session.slides_deadline <= now:
        return [
            _("Die Frist für die Pitch-Folien ist am %(when)s Uhr abgelaufen.")
            % {"when": timezone.localtime(pitch.session.slides_deadline).strftime("%d.%m.%Y %H:%M")}
        ]
    return []


def upload_pitch_slides(*, strategy, user, uploaded_file, now=None):
    """Receives an alliance's pitch slides (PDF) for its planned pitch; the worker checks and cleans them after
    commit, as every upload (portal/uploads.py).

    Side effects: writes the raw file to quarantine, then (one transaction, the strategy locked) creates
    PitchSlides "wird geprüft" with history and queues the check. The earlier slides stand until the new ones
    pass (see record_slides_check). Raises SlidesRefused (German) for someone not managing the alliance, without
    a planned pitch, after the slides deadline, or for an empty, too large or non-PDF file; UploadNotStored when
    the file cannot be written. Nothing is kept then.
    """
    now = now or timezone.now()
    refusals = _refusals(strategy=strategy, user=user, pitch=planned_pitch(strategy), now=now)
    if refusals:
        raise SlidesRefused(reasons=refusals)
    try:
        received = uploads.receive_pdf(uploaded_file)
    except ValidationError as error:
        raise SlidesRefused(reasons=error.messages) from None
    return uploads.store_then_create(
        uploaded_file,
        lambda stored: _create_pending(strategy=strategy, user=user, received=received, stored=stored, now=now),
    )


@transaction.atomic
def _create_pending(*, strategy, user, received, stored, now):
    current = Strategy.objects.select_for_update().get(pk=strategy.pk)
    # Checked again under the lock: the slot may have moved or been cancelled meanwhile.
    refusals = _refusals(strategy=current, user=user, pitch=planned_pitch(current), now=now)
    if refusals:
        raise SlidesRefused(reasons=refusals)
    slides = PitchSlides(
        strategy=current,
        original_name=received.original_name,
        size=received.size,
        sha256=received.sha256,
        original_sha256=received.sha256,
        check_status=CheckStatus.PENDING,
        uploaded_by=user,
        uploaded_at=now,
    )
    slides.file.name = stored
    slides._history_user = user
    slides._change_reason = _("Hochgeladen, wird geprüft")
    slides.save()
    uploads.queue_pdf_check(slides)
    return slides


def record_slides_check(*, pk, outcome, now=None):
    """Records the worker's verdict on slides that wait for it; runs in the check's transaction.

    Side effects: passed slides point to their cleaned copy with its hash, size and pages and what was removed,
    and replace the slides that stood before (marked replaced, file kept); refused ones keep the German reason
    and no file. Both are kept in history. Returns False when the slides no longer wait.
    """
    now = now or timezone.now()
    slides = PitchSlides.objects.select_for_update().filter(pk=pk).first()
    if slides is None or slides.check_status != CheckStatus.PENDING:
        return False
    uploads.apply_check_outcome(slides, outcome)
    slides._history_user = slides.uploaded_by
    slides._change_reason = uploads.check_history_reason(outcome)
    slides.save()
    if slides.is_checked:
        # A check that finishes after a later upload's leaves the later slides standing.
        later = PitchSlides.objects.current().filter(strategy_id=slides.strategy_id, uploaded_at__gt=slides.uploaded_at)
        if later.exists():
            slides.replaced_at = now
            slides.save(update_fields=["replaced_at"])
            return True
        earlier = (
            PitchSlides.objects.select_for_update()
            .current()
            .filter(strategy_id=slides.strategy_id)
            .exclude(pk=slides.pk)
            .filter(uploaded_at__lte=slides.uploaded_at)
        )
        for previous in earlier:
            previous.replaced_at = now
            previous._history_user = slides.uploaded_by
            previous._change_reason = _("Ersetzt durch neue Pitch-Folien")
            previous.save()
    return True


def current_slides(strategy):
    """The checked slides that stand for the strategy's pitch, or None."""
    return PitchSlides.objects.current().filter(strategy=strategy).order_by("-uploaded_at", "-pk").first()


def enter_blocked_dates(*, strategy, user, dates, reason=""):
    """An alliance's managers replace the days on which it cannot pitch (the planner avoids them).

    Side effects: one transaction replacing the alliance's blocked days (reviews.services.jury.set_blocked_dates).
    Raises SlidesRefused for someone not managing the alliance.
    """
    if not _manages(user, strategy.alliance_id):
        raise SlidesRefused(_("Gesperrte Tage trägt nur das Bündnis selbst ein."))
    with transaction.atomic():
        set_blocked_dates(alliance=strategy.alliance, dates=dates, reason=reason)
