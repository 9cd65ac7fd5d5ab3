"""Reads of the review policy: the policy in force (or its defaults), warnings and its change history."""

from django.db.models import Count
from django.template.defaultfilters import floatformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alliances.models import Strategy
from portal.history import change_history
from portal.models import Role, User
from reviews.models import (
    Assignment,
    ReviewPolicy,
)

# --- Review policy ------------------------------------------------------------------------------------------

POLICY_FIELDS = ["experts_per_strategy", "load_cap", "disagreement_threshold"]


def policy_field_label(name):
    return ReviewPolicy._meta.get_field(name).verbose_name


def policy_warnings(policy):
    """German hints about a policy that can be stored but will be hard to meet in its cycle."""
    warnings = []
    experts = User.objects.filter(role=Role.EXPERT, is_active=True).count()
    if policy.experts_per_strategy > experts:
        warnings.append(
            ngettext(
                "Es gibt nur %(count)s aktive Gutachter/in; %(k)s Gutachten je Strategie lassen sich so nicht besetzen.",  # noqa: E501 - one msgid
                "Es gibt nur %(count)s aktive Gutachter/innen; %(k)s Gutachten je Strategie lassen sich so nicht "
                "besetzen.",
                experts,
            )
            % {"count": experts, "k": policy.experts_per_strategy}
        )
    strategies = Strategy.objects.submitted().filter(cycle=policy.cycle).count()
    needed, capacity = strategies * policy.experts_per_strategy, experts * policy.load_cap
    if needed > capacity:
        warnings.append(
            _(
                "Für %(strategies)s eingereichte Strategien sind %(needed)s Gutachten nötig, die aktiven "
                "Gutachter/innen können bei dieser Höchstzahl aber nur %(capacity)s übernehmen."
            )
            % {"strategies": strategies, "needed": needed, "capacity": capacity}
        )
    over_cap = (
        Assignment.objects.active()
        .filter(strategy__cycle=policy.cycle)
        .values("expert")
        .annotate(load=Count("pk"))
        .filter(load__gt=policy.load_cap)
        .count()
    )
    if over_cap:
        warnings.append(
            ngettext(
                "%(count)s Gutachter/in hat schon mehr Zuweisungen als die neue Höchstzahl; bestehende Zuweisungen "
                "bleiben, neue sind für sie nicht mehr möglich.",
                "%(count)s Gutachter/innen haben schon mehr Zuweisungen als die neue Höchstzahl; bestehende "
                "Zuweisungen bleiben, neue sind für sie nicht mehr möglich.",
                over_cap,
            )
            % {"count": over_cap}
        )
    return warnings


def review_policy(cycle):
    """The cycle's policy; an unsaved one with the defaults when none is stored yet (the first save creates it)."""
    return ReviewPolicy.objects.filter(cycle=cycle).first() or ReviewPolicy(cycle=cycle)


POLICY_HISTORY_LIMIT = 50


def policy_history(policy):
    """The latest changes of the policy, newest first: who, when, why and each value from old to new; a created
    policy lists the values it started with, as the page shows the policy in force."""
    if policy.pk is None:
        return []
    entries = change_history(policy, limit=POLICY_HISTORY_LIMIT, fields=POLICY_FIELDS, display=_policy_number)
    for entry in entries:
        record = entry["record"]
        entry["initial"] = (
            [
                {"label": policy_field_label(name), "value": floatformat(getattr(record, name), "-2")}
                for name in POLICY_FIELDS
            ]
            if entry["created"]
            else []
        )
    return entries


def _policy_number(_name, value):
    return number_format(value)
