"""Funding decisions under the four-eyes principle. Each operation runs in one transaction."""

import rules
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alliances.models import EvaluationCycle, Strategy, StrategyStatus
from alliances.services import bump_figures_version
from decisions import search, selectors, validators
from decisions.models import (
    BEFORE_PREFIX,
    DecisionAction,
    DecisionEvent,
    DecisionStatus,
    FundingDecision,
)
from decisions.signals import decision_confirmed, decision_released
from portal.exceptions import Conflict, Refusal
from portal.models import NotificationKind
from portal.notifications import release_held_messages, send_notification


class DecisionRefused(Refusal):
    """A decision operation was refused; `message` says why, in German. `needs_override` marks the budget guard,
    which a reason on the confirmation form lifts."""

    def __init__(self, message="", *, needs_override=False, **kwargs):
        super().__init__(message, **kwargs)
        self.needs_override = needs_override


class ProposalChanged(DecisionRefused, Conflict):
    """Someone changed the proposal since the form was loaded; `current` is the proposal as it is now."""


class AlreadyDecided(DecisionRefused, Conflict):
    """Someone else confirmed, withdrew or released the decision first (two people at once, or a late replay)."""


def _log(decision, action, actor, **details):
    """Every change of a decision is logged here, so this is also where the cycle's figures change."""
    DecisionEvent.objects.create(
        decision=decision, action=action, actor=actor, details={key: str(value) for key, value in details.items()}
    )
    bump_figures_version(cycle_id=decision.strategy.cycle_id)


def _require_ministry(user):
    # The same permission the views check; a service called from elsewhere refuses too.
    if not rules.has_perm("decisions.decide", user):
        raise DecisionRefused(_("Nur das Ministerium kann Förderentscheidungen treffen."))


def _require_submitted(strategy):
    # A decision answers a submitted strategy; a draft or a reopened one has nothing to decide on yet.
    if strategy.status != StrategyStatus.SUBMITTED:
        raise DecisionRefused(
            _("Über diese Strategie kann nicht entschieden werden: Sie ist nicht (mehr) eingereicht.")
        )


def _validate_content(*, strategy, **content):
    validators.validate_decision_content(**content, requested=selectors.requested_amount(strategy))


@transaction.atomic
def propose_decision(
    *,
    strategy,
    user,
    outcome,
    granted_amount,
    funding_start,
    funding_end,
    conditions="",
    rationale="",
    letter_rationale="",
    over_request_reason="",
    supersedes=None,
    supersession_reason="",
):
    """Proposes a funding decision, or a correction of a final one (`supersedes`, with a reason).

    Side effects: creates a FundingDecision in state "proposed" (its texts in the search index) and logs the
    proposal.
    Raises DecisionRefused (also for a strategy that is not submitted) or ValidationError.
    """
    _require_ministry(user)
    strategy = Strategy.objects.select_for_update().get(pk=strategy.pk)
    _require_submitted(strategy)
    if supersedes is not None:
        supersedes = FundingDecision.objects.select_for_update().get(pk=supersedes.pk)
        if supersedes.strategy_id != strategy.pk or not supersedes.is_final or not supersedes.is_current:
            raise DecisionRefused(_("Nur eine geltende, bestätigte Entscheidung kann korrigiert werden."))
        if hasattr(supersedes, "superseded_by"):
            raise DecisionRefused(_("Zu dieser Entscheidung liegt bereits eine Korrektur vor."))
        validators.validate_correction_reason(supersession_reason)
    elif strategy.decisions.in_effect().exists():
        raise DecisionRefused(
            _(
                "Für dieses Bündnis liegt bereits eine Entscheidung vor. Bearbeiten Sie den "
                "Vorschlag oder legen Sie eine Korrektur an."
            )
        )
    _validate_content(
        strategy=strategy,
        outcome=outcome,
        granted_amount=granted_amount,
        funding_start=funding_start,
        funding_end=funding_end,
        conditions=conditions,
        rationale=rationale,
        letter_rationale=letter_rationale,
        over_request_reason=over_request_reason,
    )
    decision = FundingDecision.objects.create(
        strategy=strategy,
        outcome=outcome,
        granted_amount=granted_amount,
        funding_start=funding_start,
        funding_end=funding_end,
        conditions=conditions.strip(),
        rationale=rationale.strip(),
        letter_rationale=letter_rationale.strip(),
        over_request_reason=over_request_reason.strip(),
        supersedes=supersedes,
        supersession_reason=supersession_reason.strip(),
        proposed_by=user,
        is_current=supersedes is None,
    )
    search.index_decision(decision)
    _log(
        decision,
        DecisionAction.PROPOSED,
        user,
        outcome=decision.outcome,
        granted_amount=decision.granted_amount,
        funding_start=decision.funding_start,
        funding_end=decision.funding_end,
        conditions=decision.conditions,
        supersedes=supersedes.pk if supersedes else "",
        reason=decision.supersession_reason,
    )
    return decision


@transaction.atomic
def change_proposal(*, decision, user, expected_version, **content):
    """Changes a proposal before confirmation; the editor becomes its proposer.

    Side effects: updates the proposal (and its texts in the search index), logs the change with the earlier and
    the new value of every changed field. Raises DecisionRefused for final decisions, ProposalChanged (a Conflict)
    for a stale version, ValidationError for bad content.
    """
    _require_ministry(user)
    decision = FundingDecision.objects.select_for_update().get(pk=decision.pk)
    if decision.is_final:
        raise DecisionRefused(
            _("Eine bestätigte Entscheidung ist endgültig. Eine Änderung ist nur als Korrektur mit Begründung möglich.")
        )
    if decision.status != DecisionStatus.PROPOSED:
        raise DecisionRefused(_("Dieser Vorschlag ist zurückgezogen."))
    if decision.version != expected_version:
        raise ProposalChanged(
            _("Der Vorschlag wurde inzwischen geändert. Bitte laden Sie die Seite neu."), current=decision
        )
    _validate_content(strategy=decision.strategy, **content)
    changes = {}
    for name, value in content.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(decision, name) != value:
            changes[name] = value
            changes[BEFORE_PREFIX + name] = getattr(decision, name)
        setattr(decision, name, value)
    decision.proposed_by = user
    decision.proposed_at = timezone.now()
    decision.version += 1
    decision.save()
    search.index_decision(decision)
    _log(
        decision,
        DecisionAction.CHANGED,
        user,
        **{"outcome": decision.outcome, "granted_amount": decision.granted_amount, **changes},
    )
    return decision


@transaction.atomic
def withdraw_proposal(*, decision, user):
    """Withdraws a proposal that was not confirmed; the audit trail keeps that it existed.

    Only its proposer or the programme office may withdraw it, never a colleague: a colleague's answer to a
    proposal is confirming it or proposing a change. Side effects: the decision becomes "withdrawn" and is
    logged. Raises DecisionRefused.
    """
    decision = FundingDecision.objects.select_for_update().get(pk=decision.pk)
    if not rules.has_perm("decisions.withdraw_proposal", user, decision):
        raise DecisionRefused(_("Nur wer den Vorschlag gemacht hat, oder der Projektträger kann ihn zurückziehen."))
    if decision.is_final:
        raise DecisionRefused(_("Eine bestätigte Entscheidung kann nicht zurückgezogen werden."))
    if decision.status != DecisionStatus.PROPOSED:
        raise DecisionRefused(_("Dieser Vorschlag ist bereits zurückgezogen."))
    decision.status = DecisionStatus.WITHDRAWN
    decision.is_current = False
    decision.version += 1
    decision.save()
    _log(decision, DecisionAction.WITHDRAWN, user)
    return decision


@transaction.atomic
def confirm_decision(*, decision, user, budget_override_reason=""):
    """Confirms a proposal (four-eyes principle) after checking the budget.

    The caller has made sure the user re-authenticated recently (the confirm view requires it).

    Side effects: the decision becomes final and immutable (a budget override's reason searchable for staff); a
    superseded decision stops being in force;
    the alliance's e-mail is written to the outbox, held until release; `decision_confirmed` after commit.
    Raises DecisionRefused (own proposal, already confirmed or withdrawn, strategy no longer submitted, budget
    overrun without reason).
    """
    _require_ministry(user)
    decision = (
        FundingDecision.objects.select_for_update()
        .select_related("strategy__cycle", "strategy__alliance")
        .get(pk=decision.pk)
    )
    # Locking the cycle serialises confirmations, so the budget check sees every earlier one.
    cycle = EvaluationCycle.objects.select_for_update().get(pk=decision.strategy.cycle_id)
    if decision.status != DecisionStatus.PROPOSED:
        raise AlreadyDecided(
            _("Diese Entscheidung ist bereits bestätigt oder zurückgezogen. Die Seite zeigt jetzt ihren Stand."),
            current=decision,
        )
    if decision.proposed_by_id == user.pk:
        raise DecisionRefused(
            _(
                "Vier-Augen-Prinzip: Sie können Ihren eigenen Vorschlag nicht bestätigen. Bitten Sie eine andere "
                "Person im Ministerium, ihn zu bestätigen."
            )
        )
    _require_submitted(decision.strategy)
    total = selectors.confirmed_sum(cycle, exclude=decision.supersedes) + decision.granted_amount
    budget_override_reason = (budget_override_reason or "").strip()
    if total > cycle.budget and not budget_override_reason:
        raise DecisionRefused(validators.over_budget_message(total=total, budget=cycle.budget), needs_override=True)
    if decision.supersedes_id:
        previous = FundingDecision.objects.select_for_update().get(pk=decision.supersedes_id)
        previous.is_current = False
        previous.save()
        _log(previous, DecisionAction.SUPERSEDED, user, by=decision.pk, reason=decision.supersession_reason)
        decision.is_current = True
    decision.status = DecisionStatus.CONFIRMED
    decision.confirmed_by = user
    decision.confirmed_at = timezone.now()
    decision.budget_override_reason = budget_override_reason if total > cycle.budget else ""
    decision.version += 1
    decision.save()
    search.index_decision(decision)
    _log(decision, DecisionAction.CONFIRMED, user, granted_amount=decision.granted_amount, confirmed_total=total)
    if decision.budget_override_reason:
        _log(
            decision,
            DecisionAction.BUDGET_OVERRIDE,
            user,
            reason=decision.budget_override_reason,
            confirmed_total=total,
            budget=cycle.budget,
        )
    managers = [m.user for m in decision.strategy.alliance.memberships.select_related("user")]
    send_notification(
        recipients=managers,
        kind=NotificationKind.DECISION,
        subject=_("Förderentscheidung zur Zwischenbegutachtung: %(alliance)s")
        % {"alliance": decision.strategy.alliance.name},
        template="decisions/email/released",
        context={"decision": decision, "issuer": letter_issuer(decision.strategy.cycle)},
        cause=decision,
        cause_url=reverse(
            "decisions:alliance_decision", args=[decision.strategy.cycle.slug, decision.strategy.alliance.slug]
        ),
        release_key=f"decision-{decision.pk}",
    )
    transaction.on_commit(lambda: decision_confirmed.send(sender=FundingDecision, decision=decision))
    return decision


def letter_issuer(cycle):
    """Who issues the cycle's letters: settings.DECISION_LETTER_ISSUERS["default"], overridden by the cycle's entry."""
    issuers = settings.DECISION_LETTER_ISSUERS
    return {**issuers.get("default", {}), **issuers.get(cycle.slug, {})}


def letter_context(decision):
    """Everything the letter prints. Only what the alliance may read: the letter's rationale, never the internal one.

    A letter not yet released (the ministry's preview) is dated today and signed by whoever confirmed the decision,
    or by nobody yet."""
    strategy = decision.strategy
    alliance = strategy.alliance
    released_at = decision.released_at
    signer = decision.confirmed_by
    return {
        "decision": decision,
        "strategy": strategy,
        "alliance": alliance,
        "requested": selectors.requested_amount(strategy),
        "issuer": letter_issuer(strategy.cycle),
        "address_lines": alliance.postal_address_lines(),
        "file_reference": alliance.file_reference,
        "letter_date": timezone.localtime(released_at).date() if released_at else timezone.localdate(),
        "signer_name": signer.get_full_name() if signer else "",
    }


def render_letter(decision):
    """The decision letter as HTML, in German whatever the reader's language: it is an official act."""
    with translation.override("de"):
        return render_to_string("decisions/letter.html", letter_context(decision))


@transaction.atomic
def release_decision(*, decision, user):
    """Releases a confirmed decision to the alliance.

    Side effects: stores the decision letter, queues the held e-mails to the alliance's managers,
    logs the release and sends `decision_released` after commit. Raises DecisionRefused.
    """
    _require_ministry(user)
    decision = (
        FundingDecision.objects.select_for_update()
        .select_related("strategy__alliance", "strategy__cycle")
        .get(pk=decision.pk)
    )
    if decision.status in (DecisionStatus.PROPOSED, DecisionStatus.WITHDRAWN):
        raise DecisionRefused(_("Nur eine bestätigte Entscheidung kann freigegeben werden."))
    if decision.status == DecisionStatus.RELEASED:
        raise AlreadyDecided(
            _("Diese Entscheidung ist bereits freigegeben; das Bündnis ist benachrichtigt."), current=decision
        )
    if not decision.is_current:
        raise DecisionRefused(_("Diese Entscheidung wurde durch eine Korrektur ersetzt."))
    decision.status = DecisionStatus.RELEASED
    decision.released_by = user
    decision.released_at = timezone.now()
    decision.letter_html = render_letter(decision)
    decision.version += 1
    decision.save()
    release_held_messages(release_key=f"decision-{decision.pk}")
    _log(decision, DecisionAction.RELEASED, user)
    transaction.on_commit(lambda: decision_released.send(sender=FundingDecision, decision=decision))
    return decision


@transaction.atomic
def release_all_confirmed(*, cycle, user, only=None):
    """Releases every confirmed decision of the cycle that is in force (of those with a pk in `only`, when given:
    what the confirmation page listed); returns how many. Side effects: those of release_decision, per decision."""
    _require_ministry(user)
    pending = selectors.releasable(cycle)
    if only is not None:
        pending = pending.filter(pk__in=only)
    released = [release_decision(decision=decision, user=user) for decision in pending]
    return len(released)
