"""The version of a cycle's figures, which keys every cache of computed figures (see EvaluationCycle)."""

from django.db.models import F

from alliances.models import EvaluationCycle


def bump_figures_version(*, cycle_id):
    """Marks the cycle's figures as changed, inside the caller's transaction.

    Side effects: increments EvaluationCycle.figures_version (a row lock on the cycle until the transaction
    ends), so a cache entry keyed by the old version is never read again once the change is committed.
    """
    EvaluationCycle.objects.filter(pk=cycle_id).update(figures_version=F("figures_version") + 1)
