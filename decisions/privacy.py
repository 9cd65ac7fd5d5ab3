"""Personal data of the decisions stage: declarations for the registry, the end of each funding file and its
retention, and which users a legal hold or a funding file covers. Registered from `DecisionsConfig.ready()`."""

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.privacy import categories
from portal.privacy.registry import DataKind, Erasure, PersonalData, PersonalField
from portal.privacy.registry import register as declare
from portal.privacy.retention import (
    RetentionHandler,
    register_bound_users,
    register_handler,
    register_held_users,
    update_in_batches,
)

K, E = DataKind, Erasure
FILE = categories.FUNDING_FILE


def _reference(name):
    return PersonalField(name, K.USER_REFERENCE, E.PSEUDONYM)


def _declare():
    declare(
        PersonalData(
            model="decisions.FundingDecision",
            export_fields=(
                "strategy__alliance__name",
                "outcome",
                "status",
                "proposed_at",
                "confirmed_at",
                "released_at",
            ),
            purpose=_("Förderentscheidung im Vier-Augen-Prinzip: wer sie vorgeschlagen, bestätigt, freigegeben hat"),
            retention=FILE,
            fields=(_reference("proposed_by"), _reference("confirmed_by"), _reference("released_by")),
        )
    )
    declare(
        PersonalData(
            model="decisions.DecisionEvent",
            export_fields=("decision__strategy__alliance__name", "action", "at"),
            purpose=_("Prüfprotokoll der Vorgänge zu Förderentscheidungen"),
            retention=FILE,
            fields=(_reference("actor"),),
        )
    )


def funding_file_ends():
    """{strategy id: the date its funding file ends}: the latest end of funding of its decisions in effect; for a
    strategy without one, the day its cycle's decisions were released. Strategies of an open cycle without a
    decision have no end yet and are left out."""
    from alliances.models import Strategy
    from decisions.models import FundingDecision

    ends = dict(
        FundingDecision.objects.in_effect()
        .values("strategy_id")
        .annotate(end=Max("funding_end"))
        .values_list("strategy_id", "end")
    )
    undecided = Strategy.objects.exclude(pk__in=list(ends)).filter(cycle__released_at__isnull=False)
    for strategy_id, released_at in undecided.values_list("pk", "cycle__released_at"):
        ends[strategy_id] = timezone.localdate(released_at)
    return ends


def funding_file_due_dates(rule):
    """{strategy id: the date its funding file is due under `rule`} (the record and the notice show these)."""
    return {strategy_id: rule.due_at(end) for strategy_id, end in funding_file_ends().items()}


def _anonymise_funding_files(*, rule, now, holds, batch_size):
    """Funding files whose period is over: the free texts about people in them (conflict explanations, reasons
    for overriding a conflict hint, confidential notes) are blanked, with their history. The facts (strategies,
    scores, decisions) stay, bound to pseudonymised or departed accounts."""
    from alliances.models import Strategy
    from reviews.models import Assignment, Review
    from reviews.privacy import forget_confidential_notes

    cutoff = rule.date_cutoff(now)
    due_ids = [strategy_id for strategy_id, end in funding_file_ends().items() if end <= cutoff]
    if not due_ids:
        return 0
    strategies = Strategy.objects.filter(pk__in=due_ids).exclude(holds.q(cycle="cycle_id", alliance="alliance_id"))
    assignments = Assignment.objects.filter(strategy__in=strategies).exclude(
        conflict_explanation="", override_reason=""
    )

    def forget_assignment_texts(keys):
        Assignment.history.model.objects.filter(id__in=keys).update(conflict_explanation="", override_reason="")

    done = update_in_batches(
        assignments,
        values={"conflict_explanation": "", "override_reason": ""},
        batch_size=batch_size,
        after=forget_assignment_texts,
    )
    reviews = Review.objects.filter(assignment__strategy__in=strategies).exclude(confidential_note="")
    done += update_in_batches(
        reviews, values={"confidential_note": ""}, batch_size=batch_size, after=forget_confidential_notes
    )
    return done


def held_users(holds):
    from decisions.models import DecisionEvent, FundingDecision

    decisions = FundingDecision.objects.filter(holds.q(cycle="strategy__cycle_id", alliance="strategy__alliance_id"))
    ids = set()
    for field_name in ("proposed_by_id", "confirmed_by_id", "released_by_id"):
        ids.update(decisions.exclude(**{field_name: None}).values_list(field_name, flat=True))
    ids.update(DecisionEvent.objects.filter(decision__in=decisions).values_list("actor_id", flat=True))
    return ids


def bound_users():
    """Who proposed, confirmed or released a decision, or acted on one: the funding file keeps it."""
    from decisions.models import DecisionEvent, FundingDecision
    from portal.models import User

    return User.objects.filter(
        Q(pk__in=FundingDecision.objects.values("proposed_by_id"))
        | Q(pk__in=FundingDecision.objects.exclude(confirmed_by=None).values("confirmed_by_id"))
        | Q(pk__in=FundingDecision.objects.exclude(released_by=None).values("released_by_id"))
        | Q(pk__in=DecisionEvent.objects.values("actor_id"))
    ).values("pk")


def register():
    _declare()
    register_handler(RetentionHandler(FILE, "decisions.FundingDecision", _anonymise_funding_files))
    register_held_users(held_users)
    register_bound_users(bound_users)
