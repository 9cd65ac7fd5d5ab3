"""The review stage keeps its texts in the search index: the review's fields and each criterion's justification,
the confidential note as a kind of its own, and the Votum, written by the services in their transactions. Its
filters (`feld:` for review fields, `kriterium`, `art`, `score`) resolve to conditions over the index."""

import pytest

from portal.models import SearchEntry
from portal.search.query import QueryError
from reviews import search, services
from tests.factories import (
    AllianceFactory,
    ExpertProfileFactory,
    cleared_assignment,
    programme_rubric,
    submitted_review,
    submitted_strategy,
    votum_with_conditions,
)
from tests.helpers import resolve_filter

pytestmark = pytest.mark.django_db


def entries(kind, object_id=None):
    rows = SearchEntry.objects.filter(kind=kind)
    if object_id is not None:
        rows = rows.filter(object_id=object_id)
    return {row.part: row.body for row in rows}


@pytest.fixture
def assignment(cycle, alliance):
    programme_rubric(cycle)
    strategy, _submission = submitted_strategy(cycle, alliance)
    return cleared_assignment(strategy)


def save(review, user, *, justification="", **fields):
    scores = {criterion.pk: (3, False, justification) for criterion in review.rubric.criteria.all()}
    return services.save_review_draft(
        review=review, user=user, scores=scores, fields=fields, expected_version=review.version
    )


def test_saving_a_review_indexes_its_fields_and_justifications_and_the_note_apart(assignment):
    expert = assignment.expert
    review = services.open_review(assignment=assignment, user=expert)
    assert entries(search.REVIEW, review.pk) == {}
    review = save(
        review,
        expert,
        justification="Tragfähige Wasserstoffstrategie",
        strengths="Starke Hochschulpartner",
        weaknesses="Verstetigung unklar",
        confidential_note="Interessenkonflikt im Beirat prüfen",
    )
    indexed = entries(search.REVIEW, review.pk)
    codes = set(review.rubric.criteria.values_list("code", flat=True))
    assert set(indexed) == {"strengths", "weaknesses"} | codes
    assert indexed["weaknesses"] == "Verstetigung unklar"
    assert {indexed[code] for code in codes} == {"Tragfähige Wasserstoffstrategie"}
    # The confidential note is a kind of its own, so that its scope can differ.
    assert "Interessenkonflikt" not in " ".join(indexed.values())
    assert entries(search.REVIEW_CONFIDENTIAL, review.pk) == {
        "confidential_note": "Interessenkonflikt im Beirat prüfen"
    }
    row = SearchEntry.objects.filter(kind=search.REVIEW, object_id=review.pk).first()
    strategy = assignment.strategy
    assert (row.alliance_id, row.cycle_id) == (strategy.alliance_id, strategy.cycle_id)

    save(review, expert, strengths="Neu formuliert", confidential_note="")
    assert entries(search.REVIEW, review.pk)["strengths"] == "Neu formuliert"
    assert "weaknesses" in entries(search.REVIEW, review.pk)
    assert entries(search.REVIEW_CONFIDENTIAL, review.pk) == {}


def test_the_first_save_through_the_form_indexes_the_draft_it_creates(assignment):
    expert = assignment.expert
    review = services.start_review_draft(
        assignment=assignment,
        user=expert,
        scores={},
        fields={"strengths": "Klare Vision"},
        expected_version=services.NEW_DRAFT_VERSION,
    )
    assert entries(search.REVIEW, review.pk) == {"strengths": "Klare Vision"}


def test_a_new_draft_after_a_resubmission_carries_its_texts_into_the_index(assignment, programme_office):
    from tests.factories import resubmit

    first = submitted_review(assignment, 4)
    resubmit(assignment.strategy, programme_office)
    draft = services.open_review(assignment=assignment, user=assignment.expert)
    assert draft.pk != first.pk
    assert entries(search.REVIEW, draft.pk)["strengths"] == "Stärken"


def test_saving_the_votum_indexes_summary_and_conditions(cycle, alliance, programme_office):
    programme_rubric(cycle)
    strategy, _submission = submitted_strategy(cycle, alliance)
    submitted_review(cleared_assignment(strategy, office=programme_office), 4)
    votum = votum_with_conditions(strategy, programme_office, conditions="Beirat einrichten", summary="Überzeugend")
    assert entries(search.VOTUM, votum.pk) == {"summary": "Überzeugend", "conditions": "Beirat einrichten"}
    assert (search.VOTUM, votum.pk, "conditions") in resolve("feld", "auflagen")
    services.save_votum(
        strategy=strategy,
        user=programme_office,
        recommendation="fund",
        proposed_amount=votum.proposed_amount,
        conditions="",
        summary="Uneingeschränkt überzeugend",
        expected_version=votum.version,
    )
    assert entries(search.VOTUM, votum.pk) == {"summary": "Uneingeschränkt überzeugend"}


def test_the_rebuild_writes_the_same_review_and_votum_entries(cycle, alliance, programme_office):
    from django.core.management import call_command

    programme_rubric(cycle)
    strategy, _submission = submitted_strategy(cycle, alliance)
    review = submitted_review(cleared_assignment(strategy, office=programme_office), 4)
    reopened = services.reopen_review(review=review, user=programme_office, reason="Notiz ergänzen")
    expert = review.assignment.expert
    reopened = save(reopened, expert, justification="Begründung", confidential_note="Nur für das Ministerium")
    services.submit_review(review=reopened, user=expert)
    votum_with_conditions(strategy, programme_office)
    kinds = [search.REVIEW, search.REVIEW_CONFIDENTIAL, search.VOTUM]
    written = sorted(SearchEntry.objects.filter(kind__in=kinds).values_list("kind", "object_id", "part", "body"))
    SearchEntry.objects.filter(kind__in=kinds).delete()
    call_command("rebuild_search_index", kind=kinds, stdout=None)
    assert (
        sorted(SearchEntry.objects.filter(kind__in=kinds).values_list("kind", "object_id", "part", "body")) == written
    )
    assert len(written) > 10


# --- Filters ------------------------------------------------------------------------------------------------------


def resolve(key, value, user=None, op=":"):
    return resolve_filter(key, value, columns=("kind", "object_id", "part"), user=user, op=op)


@pytest.fixture
def reviewed(cycle, programme_office):
    """Two strategies with one submitted review each: weighted scores 80 (all 4) and 40 (all 2)."""
    programme_rubric(cycle)
    made = {}
    for name, points in (("Hoch", 4), ("Tief", 2)):
        strategy, _submission = submitted_strategy(cycle, AllianceFactory(name=name, acronym=name))
        made[name] = submitted_review(cleared_assignment(strategy, office=programme_office), points)
    return made


def test_review_field_filters_and_criterion_filter(reviewed):
    review = reviewed["Hoch"]
    assert {part for _k, _o, part in resolve("feld", "staerken")} == {"strengths"}
    assert {part for _k, _o, part in resolve("feld", "Schwächen")} == {"weaknesses"}
    assert {part for _k, _o, part in resolve("feld", "auflagen")} <= {"proposed_conditions", "conditions"}
    criterion = review.rubric.criteria.order_by("position").first()
    by_code = resolve("kriterium", criterion.code)
    assert {(kind, part) for kind, _o, part in by_code} == {(search.REVIEW, criterion.code)}
    assert {o for _k, o, _p in by_code} == {r.pk for r in reviewed.values()}
    assert {part for _k, _o, part in resolve("kriterium", criterion.title[3:12])} >= {criterion.code}
    assert resolve("kriterium", "gibt es nicht") == set()
    assert {kind for kind, _o, _p in resolve("art", "gutachten")} == {search.REVIEW}


def test_the_score_filter_compares_the_mean_weighted_score_for_staff(reviewed, programme_office, ministry):
    high, low = reviewed["Hoch"].pk, reviewed["Tief"].pk

    def reviews_with_score(value, user, op):
        return {o for kind, o, _p in resolve("score", value, user, op=op) if kind == search.REVIEW}

    for user in (programme_office, ministry):
        assert reviews_with_score("60", user, ">") == {high}
        assert reviews_with_score("40", user, "<=") == {low}
        assert reviews_with_score("80", user, "=") == {high}
        assert reviews_with_score("79,6", user, ">=") == {high}
        assert resolve("score", "100", user, op=">=") == set()


@pytest.mark.parametrize("role", ["manager", "expert", "admin"])
def test_the_score_filter_refuses_everyone_but_staff_with_a_german_message(reviewed, role, alliance, admin_user):
    from tests.factories import manager_of

    user = {
        "manager": lambda: manager_of(alliance),
        "expert": lambda: ExpertProfileFactory().user,
        "admin": lambda: admin_user,
    }[role]()
    with pytest.raises(QueryError) as refused:
        resolve("score", "60", user, op=">")
    assert str(refused.value.message) == (
        "Der Filter score steht nur dem Projektträger und dem Ministerium zur Verfügung."
    )
