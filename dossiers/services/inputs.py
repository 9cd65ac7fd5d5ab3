"""What a dossier's content depends on, and its fingerprint: the same inputs give the same dossier."""

import hashlib
import json

from django.utils.translation import gettext as _

from alliances.models import Strategy
from decisions import selectors
from decisions import services as decision_services
from decisions.models import FundingDecision
from dossiers import privacy_documents
from dossiers.contents import DossierUnavailable, decision_awaiting_release
from dossiers.models import EXPORT_KINDS, PRIVACY_KINDS, SESSION_KINDS, STRATEGY_KINDS, DossierKind
from reviews.models import Assignment, JuryMember, PanelVotum, PitchSlides, PitchSlot, PitchSlotStatus, Review
from reviews.selectors.jury import session_conflicts

# Raise when the print templates change, so that unchanged inputs still get a fresh rendering.
PRINT_LAYOUT_VERSION = 6
# Raise when the export's columns or formats change, for the same reason.
EXPORT_LAYOUT_VERSION = 1


def _strategy_inputs(strategy):
    submission = strategy.latest_submission
    if submission is None:
        raise DossierUnavailable(_("Die Strategie ist noch nicht eingereicht."))
    alliance = strategy.alliance
    return {
        "submission": submission.fingerprint,
        "number": submission.number,
        "alliance": [
            alliance.name,
            alliance.acronym,
            alliance.region,
            alliance.innovation_field,
            sorted(state.code for state in alliance.states.all()),
        ],
    }


def _pitch_inputs(strategy):
    """The alliance's pitch as the evaluation dossier shows it: its slot and session, and its checked slides."""
    pitch = (
        PitchSlot.objects.filter(strategy=strategy, status=PitchSlotStatus.TAKEN)
        .values_list("pk", "starts_at", "ends_at", "sequence", "started_at", "closed_at", "session__title")
        .first()
    )
    slides = (
        PitchSlides.objects.current()
        .filter(strategy=strategy)
        .order_by("-uploaded_at", "-pk")
        .values_list("pk", "sha256", "original_name")
        .first()
    )
    return {"pitch": pitch, "slides": slides}


def _evaluation_inputs(strategy):
    reviews = Review.objects.filter(assignment__strategy=strategy).values_list("pk", "version", "status")
    votum = PanelVotum.objects.filter(strategy=strategy).values_list("pk", "version", "pitch_id").first()
    decisions = FundingDecision.objects.filter(strategy=strategy).values_list("pk", "version", "status", "is_current")
    assignments = strategy.assignments.values_list("pk", "status")
    return {
        "reviews": sorted(reviews),
        "votum": votum,
        "decisions": sorted(decisions),
        "assignments": sorted(assignments),
        **_pitch_inputs(strategy),
    }


def _session_inputs(session):
    """What the minutes show: the session, its members and attendance, its pitches with their times, the
    conflicts declared and each pitch's result. Jurors' notes are not an input: they never appear."""
    members = JuryMember.objects.filter(session=session).values_list("user_id", "user__full_name", "role", "present")
    slots = session.slots.exclude(status=PitchSlotStatus.CANCELLED).values_list(
        "pk", "starts_at", "ends_at", "status", "strategy__alliance__name", "started_at", "closed_at"
    )
    voten = PanelVotum.objects.filter(pitch__session=session).values_list("pk", "version", "pitch_id")
    return {
        "session": [session.pk, session.title, session.starts_at, session.ends_at, session.status, session.chair_id],
        "breaks": sorted(session.breaks.values_list("starts_at", "ends_at")),
        "members": sorted(members),
        "slots": sorted(slots),
        "conflicts": sorted((juror.pk, slot.pk) for juror, slot in session_conflicts(session)),
        "voten": sorted(voten),
    }


def _letter_inputs(strategy):
    decision = selectors.released_decision(strategy)
    if decision is None:
        raise DossierUnavailable(_("Für diese Strategie ist noch keine Förderentscheidung freigegeben."))
    return {
        "decision": decision.pk,
        "released_at": decision.released_at.isoformat(),
        "letter": decision.letter_html,
        "alliance": strategy.alliance.name,
    }


def _letter_draft_inputs(strategy):
    decision = decision_awaiting_release(strategy)
    # The letter as it would go out now: it changes with the decision, the alliance's letter data and the date.
    return {"decision": decision.pk, "version": decision.version, "letter": decision_services.render_letter(decision)}


def _cycle_inputs(cycle):
    strategies = Strategy.objects.filter(cycle=cycle).values_list(
        "pk", "version", "status", "alliance__name", "alliance__region", "alliance__innovation_field"
    )
    reviews = Review.objects.filter(assignment__strategy__cycle=cycle).values_list("pk", "version", "status")
    voten = PanelVotum.objects.filter(strategy__cycle=cycle).values_list("pk", "version")
    decisions = FundingDecision.objects.filter(strategy__cycle=cycle).values_list(
        "pk", "version", "status", "is_current"
    )
    # The report shows reviews expected per alliance, which follow the assignments.
    assignments = Assignment.objects.filter(strategy__cycle=cycle).values_list("pk", "status")
    return {
        "budget": str(cycle.budget),
        "strategies": sorted(strategies),
        "reviews": sorted(reviews),
        "voten": sorted(voten),
        "decisions": sorted(decisions),
        "assignments": sorted(assignments),
    }


def _export_inputs(cycle, export_filters, language):
    # Every change to what the dashboard shows increments the cycle's figures version in its own transaction.
    return {
        "layout": EXPORT_LAYOUT_VERSION,
        "filters": export_filters or {},
        "language": language,
        "figures_version": cycle.figures_version,
    }


def dossier_inputs(
    *, kind, cycle=None, strategy=None, person=None, jury_session=None, export_filters=None, language=""
):
    """Everything a dossier's content depends on, as JSON-able data; for a dashboard export its filters, its
    language and the cycle's figures version; for a data protection kind its data and language; for a session's
    minutes the session's course."""
    if kind in PRIVACY_KINDS:
        inputs = privacy_documents.inputs(kind=kind, person=person)
        return {"kind": kind, "layout": PRINT_LAYOUT_VERSION, "language": language, "privacy": inputs}
    inputs = {"kind": kind, "layout": PRINT_LAYOUT_VERSION, "cycle": [cycle.slug, cycle.name]}
    if kind in EXPORT_KINDS:
        inputs["export"] = _export_inputs(cycle, export_filters, language)
        return inputs
    if kind in SESSION_KINDS:
        inputs["session"] = _session_inputs(jury_session)
        return inputs
    if kind == DossierKind.DECISION_LETTER:
        inputs["letter"] = _letter_inputs(strategy)
    elif kind == DossierKind.LETTER_DRAFT:
        inputs["letter_draft"] = _letter_draft_inputs(strategy)
    elif kind in STRATEGY_KINDS:
        inputs["strategy"] = _strategy_inputs(strategy)
    if kind == DossierKind.EVALUATION:
        inputs["evaluation"] = _evaluation_inputs(strategy)
    if kind in (DossierKind.CYCLE_REPORT, DossierKind.CYCLE_ARCHIVE):
        inputs["report"] = _cycle_inputs(cycle)
    return inputs


def fingerprint_of(inputs):
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode("utf-8")).hexdigest()
