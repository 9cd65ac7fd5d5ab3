"""The panel's Votum on a strategy, written once its reviews are done."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliances.services import bump_figures_version
from reviews import search, validators
from reviews.exceptions import ReviewConflict
from reviews.models import PanelVotum
from reviews.selectors import reviews_complete


@transaction.atomic
def save_votum(
    *,
    strategy,
    user,
    recommendation,
    proposed_amount,
    conditions,
    summary,
    expected_version=None,
    pitch=None,
    change_reason="",
):
    """Writes the panel's Votum once the reviews of a strategy are complete.

    `pitch` names the jury session's pitch whose result this is (kept when a later save names none), and
    `change_reason` why it replaces the earlier Votum. Side effects: creates or updates the PanelVotum (kept in
    history, its texts in the search index). Raises ValidationError, or ReviewConflict when `expected_version` is
    stale.
    """
    if not reviews_complete(strategy):
        raise ValidationError(_("Das Votum kann erst geschrieben werden, wenn alle Gutachten abgegeben sind."))
    if proposed_amount is None or proposed_amount < Decimal("0"):
        raise ValidationError(validators.AMOUNT_NOT_NEGATIVE)
    if not (summary or "").strip():
        raise ValidationError(validators.SUMMARY_MISSING)
    votum = PanelVotum.objects.select_for_update().filter(strategy=strategy).first()
    if votum and expected_version is not None and votum.version != expected_version:
        raise ReviewConflict(
            votum,
            _(
                "Das Votum wurde inzwischen von anderer Seite geändert. Ihre Eingaben sind "
                "erhalten; bitte laden Sie die Seite neu und prüfen Sie die Fassung."
            ),
        )
    votum = votum or PanelVotum(strategy=strategy, version=0)
    votum.recommendation = recommendation
    votum.proposed_amount = proposed_amount
    votum.conditions = (conditions or "").strip()
    votum.summary = summary.strip()
    votum.written_by = user
    if pitch is not None:
        votum.pitch = pitch
    votum.change_reason = (change_reason or "").strip()
    votum.updated_at = timezone.now()
    votum.version += 1
    votum._history_user = user
    votum.save()
    search.index_votum(votum)
    bump_figures_version(cycle_id=strategy.cycle_id)
    return votum
