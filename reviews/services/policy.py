"""The review policy of a cycle: reviews per strategy, load cap per expert, disagreement threshold."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from alliances.services import bump_figures_version
from reviews import validators
from reviews.models import ReviewPolicy
from reviews.selectors import POLICY_FIELDS, policy_field_label, policy_warnings


def policy_for(cycle):
    """The cycle's stored policy. Side effect: creates it with the defaults when there is none (never on a GET;
    pages read selectors.review_policy)."""
    policy, _created = ReviewPolicy.objects.get_or_create(cycle=cycle)
    return policy


def _locked_policy(cycle):
    """The cycle's policy, locked; an unsaved one with the defaults when there is none yet."""
    policy = ReviewPolicy.objects.select_for_update().filter(cycle=cycle).first()
    return policy if policy is not None else ReviewPolicy(cycle=cycle)


@transaction.atomic
def update_review_policy(*, cycle, user, experts_per_strategy, load_cap, disagreement_threshold, reason=""):
    """The programme office sets how many reviews each strategy needs, each expert's load cap and the
    disagreement threshold (spread of the weighted scores on 0–100) of a cycle.

    Side effects: creates the cycle's ReviewPolicy on first save, or updates it, recorded in its history with
    the user and a change reason (plus `reason`, when given), and a new threshold increments the cycle's figures
    version; nothing is stored when nothing changed. The
    balancer, the assignments and the score statistics read the stored values from then on.
    Returns (policy, names of the changed settings, German warnings such as too few experts for k).
    Raises ValidationError (a message per field) for values that cannot be stored.
    """
    values = {
        "experts_per_strategy": experts_per_strategy,
        "load_cap": load_cap,
        "disagreement_threshold": disagreement_threshold,
    }
    errors = validators.review_policy_errors(values)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            policy, changed = _save_policy(cycle=cycle, user=user, values=values, reason=reason)
    except IntegrityError:
        # Another first save created the policy in the meantime: apply the values to that one.
        policy, changed = _save_policy(cycle=cycle, user=user, values=values, reason=reason)
    return policy, changed, policy_warnings(policy)


def _save_policy(*, cycle, user, values, reason):
    policy = _locked_policy(cycle)
    created = policy.pk is None
    changed = [name for name in POLICY_FIELDS if created or getattr(policy, name) != values[name]]
    if changed:
        for name in POLICY_FIELDS:
            setattr(policy, name, values[name])
        change_reason = (
            _("Begutachtungsregeln angelegt")
            if created
            else _("Begutachtungsregeln geändert: %(fields)s")
            % {"fields": ", ".join(str(policy_field_label(name)) for name in changed)}
        )
        reason = (reason or "").strip()
        if reason:
            change_reason = f"{change_reason} – {reason}"
        policy._history_user = user
        policy._change_reason = change_reason
        policy.save()
        if "disagreement_threshold" in changed:
            # The threshold decides the dashboard's disagreement flags.
            bump_figures_version(cycle_id=cycle.pk)
    return policy, changed
