"""Reads of review progress: done and outstanding reviews, the assignment matrix, conflict hints."""

from django.db.models import Count, F, Max, Prefetch, Q
from django.utils.translation import gettext as _

from alliances.models import SECTION_FIELDS, AlliancePartner, FederalState, Strategy
from portal.models import Role, User
from reviews.models import (
    ACTIVE_ASSIGNMENT_STATUSES,
    Assignment,
    ExpertProfile,
)
from reviews.ordering import NaturalOrder

# Rows per page of the progress lists.
PROGRESS_PER_PAGE = 50

# --- Progress -----------------------------------------------------------------------------------------------


def reviews_complete(strategy):
    """Every active assignment has submitted a review of the latest snapshot."""
    active = strategy.assignments.active()
    if strategy.latest_submission is None or not active.exists():
        return False
    return not active.outstanding().exists()


def experts_with_outstanding_reviews(cycle):
    """Experts and their count of active assignments whose review is not done (Assignment.is_done)."""
    outstanding = {}
    for assignment in Assignment.objects.filter(strategy__cycle=cycle).outstanding().select_related("expert"):
        outstanding[assignment.expert] = outstanding.get(assignment.expert, 0) + 1
    return outstanding


# --- Assignments and progress -------------------------------------------------------------------------------


def _email_domain(email):
    return email.rsplit("@", 1)[-1].lower() if "@" in email else ""


def _same_organisation(first, second):
    """Equal names, or one contained in the other when the shorter is specific enough ("TU" is not)."""
    if not first or not second:
        return False
    shorter, longer = sorted((first, second), key=len)
    return shorter == longer or (len(shorter) >= 8 and shorter in longer)


class ExpertFacts:
    """What the conflict hints read of an expert, normalised once so a page can check many alliances cheaply."""

    __slots__ = ("affiliation", "domains", "profile", "state_id", "ties")

    def __init__(self, expert, profile):
        self.profile = profile
        self.affiliation = (profile.affiliation if profile else "").strip().lower()
        self.domains = {_email_domain(expert.email)} | (
            {profile.email_domain.lower()} if profile and profile.email_domain else set()
        )
        self.state_id = profile.federal_state_id if profile else None
        self.ties = [(tie, tie.lower()) for tie in profile.ties()] if profile else []


class AllianceFacts:
    """What the conflict hints read of an alliance: its partners, federal states and names, normalised once."""

    __slots__ = ("partners", "state_ids", "targets")

    def __init__(self, alliance, partners, state_ids):
        self.partners = [
            (partner.name, partner.name.strip().lower(), partner.email_domain, partner.email_domain.lower())
            for partner in partners
        ]
        self.state_ids = state_ids
        self.targets = [alliance.name.lower(), alliance.acronym.lower()] + [p.name.lower() for p in partners]


def facts_flags(expert_facts, alliance_facts):
    """The conflict hints of one expert and one alliance from their facts; conflict_flags() in German."""
    flags = []
    affiliation, domains = expert_facts.affiliation, expert_facts.domains
    for name, lowered, domain, lowered_domain in alliance_facts.partners:
        if _same_organisation(affiliation, lowered):
            flags.append(_("Organisation „%(org)s“ ist Bündnispartner.") % {"org": name})
        elif domain and lowered_domain in domains:
            flags.append(
                _("E-Mail-Domain %(domain)s gehört zum Bündnispartner „%(org)s“.") % {"domain": domain, "org": name}
            )
    if expert_facts.state_id and expert_facts.state_id in alliance_facts.state_ids:
        flags.append(_("Gleiches Bundesland: %(state)s.") % {"state": expert_facts.profile.federal_state.name})
    flags.extend(
        _("Erklärte Verbindung: %(tie)s.") % {"tie": tie}
        for tie, lowered in expert_facts.ties
        if any(_same_organisation(lowered, target) for target in alliance_facts.targets)
    )
    return flags


def conflict_flags(*, expert, strategy, profile=None, partners=None, alliance_state_ids=None):
    """Likely conflicts of interest between an expert and an alliance, each as a German reason."""
    alliance = strategy.alliance
    profile = profile if profile is not None else ExpertProfile.objects.filter(user=expert).first()
    partners = partners if partners is not None else list(alliance.partners.all())
    state_ids = alliance_state_ids if alliance_state_ids is not None else {s.pk for s in alliance.states.all()}
    return facts_flags(ExpertFacts(expert, profile), AllianceFacts(alliance, partners, state_ids))


def submitted_strategies_for_office(cycle):
    """The cycle's submitted strategies with their partners and states, by alliance name."""
    return (
        Strategy.objects.submitted()
        .filter(cycle=cycle)
        .select_related("alliance")
        .prefetch_related(
            Prefetch("alliance__partners", queryset=AlliancePartner.objects.order_by("name")),
            Prefetch("alliance__states", queryset=FederalState.objects.order_by("name")),
        )
        .order_by("alliance__name")
    )


def active_experts():
    return (
        User.objects.filter(role=Role.EXPERT, is_active=True)
        .select_related("expert_profile__federal_state")
        .order_by(NaturalOrder("full_name"), "email", "pk")
    )


def strategy_progress(cycle, *, state=""):
    """The cycle's submitted strategies with counts of assigned, awaiting, done (`submitted`), outstanding and
    conflicted assignments and the last activity; `state` "outstanding" or "complete" filters them."""
    active = Q(assignments__status__in=ACTIVE_ASSIGNMENT_STATUSES)
    strategies = (
        Strategy.objects.submitted()
        .filter(cycle=cycle)
        .select_related("alliance", "votum")
        .defer(*SECTION_FIELDS)
        .annotate(
            assigned=Count("assignments", filter=active, distinct=True),
            awaiting=Count("assignments", filter=Q(assignments__status="awaiting"), distinct=True),
            submitted=Count("assignments", filter=active & Q(assignments__in=Assignment.objects.done()), distinct=True),
            conflicts=Count("assignments", filter=Q(assignments__status="conflicted"), distinct=True),
            last_activity=Max("assignments__last_activity_at"),
        )
        .annotate(outstanding=F("assigned") - F("submitted"))
        .order_by("alliance__name", "pk")
    )
    if state == "outstanding":
        strategies = strategies.filter(Q(submitted__lt=F("assigned")) | Q(assigned=0))
    elif state == "complete":
        strategies = strategies.filter(assigned__gt=0, submitted__gte=F("assigned"))
    return strategies


def expert_progress(cycle, *, state=""):
    """Active experts with counts of their assigned, done (`submitted`) and conflicted assignments in the cycle
    and their last activity; `state` "outstanding" keeps those with reviews outstanding."""
    in_cycle = Q(assignments__strategy__cycle=cycle)
    active = in_cycle & Q(assignments__status__in=ACTIVE_ASSIGNMENT_STATUSES)
    rows = active_experts().annotate(
        assigned=Count("assignments", filter=active, distinct=True),
        submitted=Count("assignments", filter=active & Q(assignments__in=Assignment.objects.done()), distinct=True),
        conflicts=Count("assignments", filter=in_cycle & Q(assignments__status="conflicted"), distinct=True),
        last_activity=Max("assignments__last_activity_at", filter=in_cycle),
    )
    if state == "outstanding":
        rows = rows.filter(submitted__lt=F("assigned"))
    return rows
