"""The permission matrix of the search: every role × every kind of text.

A world with two alliances of one cycle is built once through the real services: the manager's own alliance
(submitted, reviewed by several experts in every state, its decision released) and another alliance (reviewed,
Votum written, a decision only proposed, then reopened and edited). Every text carries a unique token and the word
"gemeinsam". For each role, a search for each token must find exactly the kinds that role may read, and a search
for the common word must show, in its hits, total, counts and snippets, exactly the tokens of the texts in scope.
The links of the hits check the permission again: in scope they lead to the page (or serve the PDF inline),
out of scope they answer 403 or 404.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from alliances import search as alliance_search
from alliances import services as alliance_services
from alliances.models import SECTION_FIELDS, DocumentDownload, DocumentKind
from decisions import search as decision_search
from decisions import selectors as decision_selectors
from decisions import services as decision_services
from portal.models import Role
from portal.search import registry
from portal.search.engine import search
from reviews import search as review_search
from reviews import services as review_services
from tests.factories import (
    AllianceFactory,
    CompleteStrategyFactory,
    EvaluationCycleFactory,
    ExpertProfileFactory,
    FaqEntryFactory,
    UserFactory,
    asked_question,
    checked_document,
    cleared_assignment,
    decision_content,
    declared_conflict,
    manager_of,
    pdf_upload,
    programme_rubric,
    submitted_snapshots_on,
    text_pdf_bytes,
)

pytestmark = pytest.mark.django_db

COMMON = "gemeinsam"
STAFF = {"programme_office", "ministry"}
EXPERTS_WHO_READ_A = {"expert_cleared", "expert_before"}
ROLES = [
    "manager",
    "expert_cleared",
    "expert_before",
    "expert_waiting",
    "expert_conflicted",
    "programme_office",
    "ministry",
    "admin",
]

S, SUB, PDF = alliance_search.STRATEGY_SECTION, alliance_search.SUBMISSION_SECTION, alliance_search.DOCUMENT_PAGE
Q_, FAQ = alliance_search.QUESTION, alliance_search.FAQ
REV, CONF, VOTUM = review_search.REVIEW, review_search.REVIEW_CONFIDENTIAL, review_search.VOTUM
DEC, DEC_INTERNAL = decision_search.DECISION, decision_search.DECISION_INTERNAL


def readers(*groups, kinds):
    """{role: kinds} for every role in the groups (role names or sets of them)."""
    roles = set()
    for group in groups:
        roles |= {group} if isinstance(group, str) else set(group)
    return {role: set(kinds) for role in roles}


# Token → who finds it, and as which kinds. "A" is the manager's own alliance, "B" the other one.
EXPECTED = {
    # A's strategy is submitted: managers and staff read the live text, cleared experts the snapshot.
    "secA": {**readers(STAFF, "manager", kinds={S}), **readers(EXPERTS_WHO_READ_A, kinds={SUB})},
    "subA": {**readers(STAFF, "manager", kinds={S}), **readers(EXPERTS_WHO_READ_A, kinds={SUB})},
    "pdfA": readers(STAFF, "manager", EXPERTS_WHO_READ_A, kinds={PDF}),
    "qA": readers(STAFF, "manager", kinds={Q_}),
    "ansA": readers(STAFF, "manager", kinds={Q_}),
    "faqone": readers(STAFF, "manager", kinds={FAQ}),
    # The FAQ of a cycle the manager's alliances take no part in.
    "faqtwo": readers(STAFF, kinds={FAQ}),
    # The cleared expert's own submitted review, its justifications and its confidential note.
    "revownA": readers(STAFF, "expert_cleared", kinds={REV}),
    "critownA": readers(STAFF, "expert_cleared", kinds={REV}),
    "confownA": readers(STAFF, kinds={CONF}),
    # A colleague's submitted review: the cleared expert reads it after their own submission, the other not yet.
    "revpeerA": readers(STAFF, "expert_cleared", kinds={REV}),
    # The other expert's draft: theirs alone; its confidential note nobody's until it is submitted.
    "revdraftA": readers("expert_before", kinds={REV}),
    "confdraftA": {},
    # A's decision is released: the alliance reads the letter's texts, never the internal reason.
    "decA": readers(STAFF, "manager", kinds={DEC}),
    "decintA": readers(STAFF, kinds={DEC_INTERNAL}),
    # Its internal rationale: staff only, even once the letter is released.
    "ratintA": readers(STAFF, kinds={DEC_INTERNAL}),
    # B: its snapshot's vision was replaced in the reopened draft; no expert of ours is assigned to B.
    "secB": {},
    "subB": readers(STAFF, kinds={S}),
    "liveB": readers(STAFF, kinds={S}),
    "pdfB": readers(STAFF, kinds={PDF}),
    "qB": readers(STAFF, kinds={Q_}),
    "revB": readers(STAFF, kinds={REV}),
    "confB": readers(STAFF, kinds={CONF}),
    "votumB": readers(STAFF, kinds={VOTUM}),
    # B's decision is only proposed.
    "decB": readers(STAFF, kinds={DEC}),
    "decintB": readers(STAFF, kinds={DEC_INTERNAL}),
}


def token(name):
    """A word no other token starts with (the search matches prefixes): 'zq' + name + 'x'."""
    return f"zq{name.lower()}x"


TOKEN = re.compile(r"zq[a-z]+x")


def text(name):
    return f"{COMMON} {token(name)}"


def save_draft(strategy, user, **changes):
    strategy.refresh_from_db()
    values = {name: getattr(strategy, name) for name in SECTION_FIELDS}
    values.update(changes)
    return alliance_services.save_strategy_draft(
        strategy=strategy, user=user, sections=values, budget={}, expected_version=strategy.version
    )


def indexed_document(strategy, user, page_text):
    document = checked_document(
        strategy, user, DocumentKind.MAIN, pdf_upload(content=text_pdf_bytes(["Deckblatt", page_text]))
    )
    # The worker's step, which waits for a commit that never comes in this module's transaction.
    assert alliance_services.index_document_text(document_id=document.pk) == 2
    return document


def write_review(assignment, *, strengths, note="", justification="Begründung", submit=True):
    expert = assignment.expert
    review = review_services.open_review(assignment=assignment, user=expert)
    scores = {criterion.pk: (4, False, justification) for criterion in review.rubric.criteria.all()}
    review = review_services.save_review_draft(
        review=review,
        user=expert,
        scores=scores,
        fields={"recommendation": "fund", "strengths": strengths, "weaknesses": "Schwächen", "confidential_note": note},
        expected_version=review.version,
    )
    return review_services.submit_review(review=review, user=expert) if submit else review


def answered_question(cycle, alliance, manager, office, question, answer):
    asked = asked_question(cycle, alliance, manager, text=question)
    return alliance_services.answer_question(question=asked, user=office, answer=answer, expected_version=1)


def build_world():
    cycle = EvaluationCycleFactory()
    other_cycle = EvaluationCycleFactory(slug="andere-runde", name="Andere Runde")
    programme_rubric(cycle)
    office = UserFactory(role=Role.PROGRAMME_OFFICE)
    ministry, colleague = UserFactory(role=Role.MINISTRY), UserFactory(role=Role.MINISTRY)
    own = AllianceFactory(name="Eigenes Bündnis", acronym="EIG", slug="eigenes")
    other = AllianceFactory(name="Anderes Bündnis", acronym="AND", slug="anderes")
    manager, other_manager = manager_of(own), manager_of(other)

    # A: submitted with a PDF, assigned to experts in every state, a released decision.
    strategy_a = CompleteStrategyFactory(cycle=cycle, alliance=own)
    save_draft(strategy_a, manager, vision=text("secA"), measures=text("subA"))
    document_a = indexed_document(strategy_a, manager, text("pdfA"))
    snapshot_a = alliance_services.submit_strategy(strategy=strategy_a, user=manager)
    cleared = cleared_assignment(strategy_a, office=office)
    before = cleared_assignment(strategy_a, office=office)
    peer = cleared_assignment(strategy_a, office=office)
    waiting = review_services.assign_expert(strategy=strategy_a, expert=ExpertProfileFactory().user, user=office)
    conflicted = declared_conflict(
        review_services.assign_expert(strategy=strategy_a, expert=ExpertProfileFactory().user, user=office)
    )
    own_review = write_review(cleared, strengths=text("revownA"), note=text("confownA"), justification=text("critownA"))
    peer_review = write_review(peer, strengths=text("revpeerA"))
    draft_review = write_review(before, strengths=text("revdraftA"), note=text("confdraftA"), submit=False)
    question_a = answered_question(cycle, own, manager, office, text("qA"), text("ansA"))
    faq_entry = alliance_services.publish_to_faq(
        question=question_a, user=office, topic="process", question_text=text("faqone"), answer_text="Ja."
    )
    other_faq = FaqEntryFactory(cycle=other_cycle, question=text("faqtwo"), answer="Nein.")
    alliance_search.index_faq_entry(other_faq)
    requested = decision_selectors.requested_amount(strategy_a)
    decision_a = decision_services.propose_decision(
        strategy=strategy_a,
        user=ministry,
        **decision_content(
            rationale=text("ratintA"),
            letter_rationale=text("decA"),
            granted_amount=requested + 1,
            over_request_reason=text("decintA"),
        ),
    )
    decision_services.confirm_decision(decision=decision_a, user=colleague)
    decision_services.release_decision(decision=decision_a, user=ministry)

    # B: submitted, reviewed, Votum and a proposed decision; then reopened and its vision rewritten.
    strategy_b = CompleteStrategyFactory(cycle=cycle, alliance=other)
    save_draft(strategy_b, other_manager, vision=text("secB"), measures=text("subB"))
    document_b = indexed_document(strategy_b, other_manager, text("pdfB"))
    snapshot_b = alliance_services.submit_strategy(strategy=strategy_b, user=other_manager)
    review_b = write_review(cleared_assignment(strategy_b, office=office), strengths=text("revB"), note=text("confB"))
    votum_b = review_services.save_votum(
        strategy=strategy_b,
        user=office,
        recommendation="fund",
        proposed_amount=Decimal("400000"),
        conditions="",
        summary=text("votumB"),
    )
    decision_b = decision_services.propose_decision(
        strategy=strategy_b,
        user=ministry,
        **decision_content(
            letter_rationale=text("decB"), granted_amount=requested + 1, over_request_reason=text("decintB")
        ),
    )
    question_b = answered_question(cycle, other, other_manager, office, text("qB"), "Antwort.")
    alliance_services.reopen_submission(
        strategy=strategy_b, user=office, reason="Bitte ergänzen.", extend_until=strategy_b.deadline + timedelta(days=2)
    )
    save_draft(strategy_b, other_manager, vision=text("liveB"))

    users = {
        "manager": manager,
        "expert_cleared": cleared.expert,
        "expert_before": before.expert,
        "expert_waiting": waiting.expert,
        "expert_conflicted": conflicted.expert,
        "programme_office": office,
        "ministry": ministry,
        "admin": UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True),
    }
    # One hit's place per object and kind, with the roles whose link must lead there.
    places = [
        (S, strategy_a.pk, "vision", 0, readers(STAFF, "manager", kinds={1})),
        (SUB, snapshot_a.pk, "vision", 0, readers(EXPERTS_WHO_READ_A, kinds={1})),
        (PDF, document_a.pk, "", 2, readers(STAFF, "manager", EXPERTS_WHO_READ_A, kinds={1})),
        (Q_, question_a.pk, "question", 0, readers(STAFF, "manager", kinds={1})),
        (FAQ, faq_entry.pk, "question", 0, readers(STAFF, "manager", kinds={1})),
        (FAQ, other_faq.pk, "question", 0, readers(STAFF, kinds={1})),
        (REV, own_review.pk, "strengths", 0, readers(STAFF, "expert_cleared", kinds={1})),
        (REV, peer_review.pk, "strengths", 0, readers(STAFF, "expert_cleared", kinds={1})),
        (REV, draft_review.pk, "strengths", 0, readers("expert_before", kinds={1})),
        (CONF, own_review.pk, "confidential_note", 0, readers(STAFF, kinds={1})),
        (DEC, decision_a.pk, "letter_rationale", 0, readers(STAFF, "manager", kinds={1})),
        (DEC_INTERNAL, decision_a.pk, "rationale", 0, readers(STAFF, kinds={1})),
        (DEC_INTERNAL, decision_a.pk, "over_request_reason", 0, readers(STAFF, kinds={1})),
        (S, strategy_b.pk, "vision", 0, readers(STAFF, kinds={1})),
        (SUB, snapshot_b.pk, "vision", 0, {}),
        (PDF, document_b.pk, "", 2, readers(STAFF, kinds={1})),
        (Q_, question_b.pk, "question", 0, readers(STAFF, kinds={1})),
        (REV, review_b.pk, "strengths", 0, readers(STAFF, kinds={1})),
        (CONF, review_b.pk, "confidential_note", 0, readers(STAFF, kinds={1})),
        (VOTUM, votum_b.pk, "summary", 0, readers(STAFF, kinds={1})),
        (DEC, decision_b.pk, "letter_rationale", 0, readers(STAFF, kinds={1})),
    ]
    return {"users": users, "places": places, "strategy_a": strategy_a, "cleared": cleared}


@pytest.fixture(scope="module")
def world(built_once):
    return build_world()


def test_every_kind_of_text_is_in_the_matrix():
    assert set(registry.kinds()) == {S, SUB, PDF, Q_, FAQ, REV, CONF, VOTUM, DEC, DEC_INTERNAL}
    covered = set().union(*(kinds for readers_ in EXPECTED.values() for kinds in readers_.values()))
    assert covered == set(registry.kinds())


@pytest.mark.parametrize("role", ROLES)
def test_each_token_is_found_exactly_as_the_kinds_the_role_may_read(world, role):
    user = world["users"][role]
    for name, readers_ in EXPECTED.items():
        expected = readers_.get(role, set())
        results = search(user=user, text=token(name), limit=100)
        assert {hit.kind for hit in results.hits} == expected, f"{role} searching {name}"
        assert results.total == len(results.hits), f"{role} searching {name}"
        assert {code for code, _label, _n in results.counts_by_kind} == expected, f"{role} counting {name}"
        assert sum(n for _code, _label, n in results.counts_by_kind) == results.total
        for hit in results.hits:
            assert token(name) in hit.snippet.lower(), f"{role}: the snippet of {name} lacks its token"


@pytest.mark.parametrize("role", ROLES)
def test_a_common_word_shows_only_texts_in_scope_in_hits_counts_and_snippets(world, role):
    user = world["users"][role]
    results = search(user=user, text=COMMON, limit=1000)
    visible = {name for name, readers_ in EXPECTED.items() if role in readers_}
    shown = set()
    for hit in results.hits:
        shown |= set(TOKEN.findall(hit.snippet.lower()))
    assert shown == {token(name) for name in visible}
    assert results.total == len(results.hits)
    expected_kinds = set().union(*(EXPECTED[name][role] for name in visible))
    assert {code for code, _label, _n in results.counts_by_kind} == expected_kinds
    assert sum(n for _code, _label, n in results.counts_by_kind) == results.total
    # Groups name only alliances the hits belong to.
    assert {group.alliance_id for group in results.groups} == {hit.alliance_id for hit in results.hits}


@pytest.mark.parametrize("role", ROLES)
def test_the_alliance_reach_only_speeds_up_and_never_changes_what_a_role_finds(world, role):
    user = world["users"][role]
    bounded = search(user=user, text=COMMON, limit=1000)
    saved = registry.snapshot()
    registry.restore((*saved[:3], []))
    try:
        unbounded = search(user=user, text=COMMON, limit=1000)
    finally:
        registry.restore(saved)
    assert [(hit.kind, hit.object_id, hit.part, hit.page) for hit in bounded.hits] == [
        (hit.kind, hit.object_id, hit.part, hit.page) for hit in unbounded.hits
    ]
    assert bounded.counts_by_kind == unbounded.counts_by_kind
    assert (registry.reach_of(user) is None) == (role in ("programme_office", "ministry", "admin"))


def test_filters_cannot_widen_a_scope(world):
    manager = world["users"]["manager"]
    for query in (f"{COMMON} bündnis:anderes", f"{COMMON} art:entscheidung", f"{COMMON} art:gutachten"):
        results = search(user=manager, text=query, limit=100)
        shown = set()
        for hit in results.hits:
            shown |= set(TOKEN.findall(hit.snippet.lower()))
        assert shown <= {token(name) for name, readers_ in EXPECTED.items() if "manager" in readers_}, query
    assert search(user=manager, text=f"{COMMON} bündnis:anderes").total == 0


@pytest.mark.parametrize("role", ["manager", "expert_cleared", "admin"])
def test_the_score_filter_is_refused_to_everyone_but_staff(world, role):
    from portal.search.engine import QueryError

    with pytest.raises(QueryError) as refused:
        search(user=world["users"][role], text=f"{COMMON} score>10")
    assert str(refused.value.message) == (
        "Der Filter score steht nur dem Projektträger und dem Ministerium zur Verfügung."
    )


def test_staff_filter_by_score(world):
    office = world["users"]["programme_office"]
    # A has two counting reviews (all criteria 4: 80 points), B one (80 points).
    assert search(user=office, text=f"{COMMON} score>90").total == 0
    above = search(user=office, text=f"{token('revownA')} score>=80")
    assert {hit.kind for hit in above.hits} == {REV}


class _Hit:
    def __init__(self, kind, object_id, part, page):
        self.kind, self.object_id, self.part, self.page = kind, object_id, part, page


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_the_links_of_hits_check_the_permission_again(client, world, role):
    user = world["users"].get(role)
    if user is not None:
        client.force_login(user)
    kinds = registry.kinds()
    for kind, object_id, part, page, readers_ in world["places"]:
        url = kinds[kind].link(_Hit(kind, object_id, part, page), user or UserFactory.build(role=Role.EXPERT))
        response = client.get(url.partition("#")[0])
        if user is None:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        elif role in readers_:
            assert response.status_code in (200, 302), f"{role} {kind} {url}: {response.status_code}"
            if kind == PDF:
                assert response["Content-Type"] == "application/pdf"
                assert response["Content-Disposition"].startswith("inline")
        else:
            assert response.status_code in (403, 404), f"{role} {kind} {url}: {response.status_code}"


def test_links_lead_to_the_exact_page(client, world):
    strategy = world["strategy_a"]
    office = world["users"]["programme_office"]
    client.force_login(office)
    url = alliance_search.section_link(_Hit(S, strategy.pk, "measures", 0), office)
    assert url.endswith("#abschnitt-measures")
    response = client.get(url.partition("#")[0])
    assert response["Location"] == reverse("alliances:strategy", args=[strategy.cycle.slug, strategy.alliance.slug])
    expert = world["users"]["expert_cleared"]
    client.force_login(expert)
    snapshot = strategy.latest_submission
    url = review_search.submission_link(_Hit(SUB, snapshot.pk, "measures", 0), expert)
    assert url.endswith("#abschnitt-measures")
    response = client.get(url.partition("#")[0])
    assert response["Location"] == reverse("reviews:assignment", args=[world["cleared"].pk])
    document = strategy.documents.get()
    url = review_search.document_link(_Hit(PDF, document.pk, "", 2), expert)
    assert url.startswith("/hits/reviews/") and url.endswith("#page=2")
    # Opening the page is a download like any other: logged with who and when.
    response = client.get(url.partition("#")[0])
    assert response.status_code == 200 and response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert DocumentDownload.objects.filter(document=document, user=expert).exists()


# --- The same scopes and filters on SQLite ------------------------------------------------------------------------


def stage_hits_on(db):
    """On database `db`: two alliances (one submitted, one a Bavarian draft), their live sections and snapshots
    indexed, a manager of the first and an expert without assignment. Returns {(user, query): (total, counts,
    hits as (kind, alliance slug, part))}. Rows are built directly, beside whatever else the database holds."""
    from alliances.models import AllianceMembership, FederalState, Strategy
    from portal.models import User
    from portal.search.index import IndexedText, replace_entries

    cycle, office, made = submitted_snapshots_on(
        db, ["such-nord", "such-sued"], statuses={"such-sued": "draft"}, round_number=97, name="Suchrunde"
    )
    manager = User.objects.using(db).create(email=f"manager@{db}.example", role=Role.ALLIANCE_MANAGER)
    expert = User.objects.using(db).create(email=f"expert@{db}.example", role=Role.EXPERT)
    bavaria, _created = FederalState.objects.using(db).get_or_create(code="BY", defaults={"name": "Bayern"})
    (north, _north_snapshot), (south, _south_snapshot) = made
    south.alliance.states.add(bavaria)
    AllianceMembership.objects.using(db).create(user=manager, alliance=north.alliance)
    for strategy, snapshot in made:
        place = {"alliance_id": strategy.alliance_id, "cycle_id": strategy.cycle_id}
        texts = [
            IndexedText(body="Grüner Wasserstoff aus Windkraft für die Region", part="measures", **place),
            IndexedText(body="Wasserstoff für Busse und Bahnen", part="vision", **place),
        ]
        replace_entries(kind=S, object_id=strategy.pk, texts=texts, using=db)
        replace_entries(kind=SUB, object_id=snapshot.pk, texts=texts, using=db)
    slugs = dict(Strategy.objects.using(db).values_list("alliance_id", "alliance__slug"))
    queries = [
        "Wasserstoff",
        "Wasserstoff feld:massnahmen",
        "Wasserstoff status:eingereicht",
        "Wasserstoff -land:BY",
        "Wasserstoff land:Bayern",
        "Wasserstoff bündnis:such-nord",
        "Wasserstoff art:strategie",
        '"Grüner Wasserstoff" -Busse',
    ]
    found = {}
    for name, user in (("office", office), ("manager", manager), ("expert", expert)):
        for query in queries:
            results = search(user=user, text=query, using=db)
            hits = sorted((hit.kind, slugs[hit.alliance_id], hit.part) for hit in results.hits)
            counts = [(code, n) for code, _label, n in results.counts_by_kind]
            found[(name, query)] = (results.total, counts, hits)
    return found


@pytest.mark.django_db(databases=["default", "search_sqlite"])
def test_the_stages_scopes_and_filters_find_the_same_on_sqlite(search_sqlite):
    on_postgresql = stage_hits_on("default")
    on_sqlite = stage_hits_on("search_sqlite")
    assert on_sqlite == on_postgresql
    assert on_postgresql[("office", "Wasserstoff")][0] == 4  # two live strategies, two sections each
    north, south = [(S, "such-nord", "measures"), (S, "such-nord", "vision")], [(S, "such-sued", "measures")]
    assert on_postgresql[("manager", "Wasserstoff")][2] == north
    assert on_postgresql[("office", "Wasserstoff land:Bayern")][2] == [*south, (S, "such-sued", "vision")]
    assert on_postgresql[("office", "Wasserstoff status:eingereicht")][0] == 2
    assert on_postgresql[("expert", "Wasserstoff")][0] == 0
