"""The dashboard's cached figures never outlive a change: each test warms the cache, changes something through
its service and reads the dashboard at once."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from alliances import services as alliance_services
from alliances.models import SECTION_FIELDS, Alliance, BudgetCategory, DocumentKind, EvaluationCycle
from decisions import services as decision_services
from reviews import services as review_services
from reviews.models import Review
from reviews.scoring import refresh_score_summaries
from tests.decisions.test_dashboard import page_rows
from tests.factories import (
    AllianceFactory,
    CompleteStrategyFactory,
    ExpertProfileFactory,
    checked_document,
    cleared_assignment,
    decision_content,
    declared_conflict,
    manager_of,
    ministry_user,
    pdf_upload,
    programme_rubric,
    submitted_review,
    submitted_strategy,
    votum_with_conditions,
)

pytestmark = pytest.mark.django_db

REVIEWED = "Gesunde Lausitz"
DRAFT = "Diana"


@pytest.fixture
def reader(db):
    """A ministry user who reads the dashboard."""
    return ministry_user("leserin@bmbf.example")


@pytest.fixture
def scene(cycle, programme_office, bmbf1):
    """Gesunde Lausitz submitted with two cleared experts, one of whom submitted (4 points everywhere → 80);
    DIANA a complete draft with its main document, ready to submit."""
    rubric = programme_rubric(cycle)
    strategy, _submission = submitted_strategy(cycle, AllianceFactory(name=REVIEWED, slug="gesunde-lausitz"))
    first = cleared_assignment(strategy, office=programme_office)
    second = cleared_assignment(strategy, office=programme_office)
    review = submitted_review(first, 4)
    draft_alliance = AllianceFactory(name=DRAFT, slug="diana")
    draft = CompleteStrategyFactory(cycle=cycle, alliance=draft_alliance)
    draft_manager = manager_of(draft_alliance)
    checked_document(draft, draft_manager, DocumentKind.MAIN, pdf_upload())
    return {
        "cycle": cycle,
        "rubric": rubric,
        "strategy": strategy,
        "first": first,
        "second": second,
        "review": review,
        "draft": draft,
        "draft_manager": draft_manager,
        "office": programme_office,
    }


def read(client, cycle, user, name):
    """The dashboard row of alliance `name` (plain values), its cells as shown, and the response."""
    client.force_login(user)
    response = client.get(reverse("decisions:dashboard", args=[cycle.slug]))
    assert response.status_code == 200
    (row,) = [row for row in response.context["rows"] if row.alliance.name == name]
    (cells,) = [cells for cells in page_rows(response) if cells[0].startswith(name)]
    return row, cells, response


def warm(client, cycle, user, name):
    """Reads the dashboard twice; the second read comes from the cache."""
    read(client, cycle, user, name)
    row, cells, response = read(client, cycle, user, name)
    assert cache.get(response.context["figures"].key) is not None
    return row, cells


def test_a_warm_page_is_served_from_the_cache_until_the_version_changes(client, scene, reader):
    cycle = scene["cycle"]
    row, _cells = warm(client, cycle, reader, REVIEWED)
    # Written behind the services' back: the cached figures stay, which shows they are read from the cache.
    Review.objects.filter(pk=scene["review"].pk).update(recommendation="reject")
    refresh_score_summaries(strategy_ids=[scene["strategy"].pk])
    assert read(client, cycle, reader, REVIEWED)[0] == row
    alliance_services.bump_figures_version(cycle_id=cycle.pk)
    assert read(client, cycle, reader, REVIEWED)[0].count_reject == 1


def test_review_submitted(client, scene, reader):
    row, cells = warm(client, scene["cycle"], reader, REVIEWED)
    assert (row.review_count, cells[3]) == (1, "1 / 2")
    submitted_review(scene["second"], 2)
    row, cells, _response = read(client, scene["cycle"], reader, REVIEWED)
    assert (row.review_count, cells[3]) == (2, "2 / 2")
    assert row.score_median == pytest.approx(60.0) and cells[5] == "60,0"


def test_review_reopened(client, scene, reader, programme_office):
    warm(client, scene["cycle"], reader, REVIEWED)
    review_services.reopen_review(review=scene["review"], user=programme_office, reason="Begründung fehlt.")
    row, cells, _response = read(client, scene["cycle"], reader, REVIEWED)
    assert (row.review_count, row.score_median, cells[3], cells[5]) == (0, None, "0 / 2", "—")


def test_votum_saved(client, scene, reader):
    submitted_review(scene["second"], 3)  # the reviews complete: a Votum may be written
    row, cells = warm(client, scene["cycle"], reader, REVIEWED)
    assert (row.votum_recommendation, cells[8]) == ("", "—")
    votum_with_conditions(scene["strategy"], scene["office"])
    row, cells, _response = read(client, scene["cycle"], reader, REVIEWED)
    assert row.votum_recommendation == "conditions" and cells[8] == str(row.votum_label)


def test_decision_proposed_confirmed_released_and_withdrawn(client, scene, reader, bmbf1, bmbf2):
    cycle, strategy = scene["cycle"], scene["strategy"]
    warm(client, cycle, reader, REVIEWED)
    decision = decision_services.propose_decision(
        strategy=strategy, user=bmbf1, **decision_content(granted_amount=Decimal("400000"))
    )
    row, cells, response = read(client, cycle, reader, REVIEWED)
    assert (row.decision_status, cells[11]) == ("proposed", "400.000,00")
    assert response.context["budget"]["proposed"] == Decimal("400000")

    warm(client, cycle, reader, REVIEWED)
    decision_services.confirm_decision(decision=decision, user=bmbf2)
    row, _cells, response = read(client, cycle, reader, REVIEWED)
    assert row.decision_status == "confirmed"
    assert (response.context["budget"]["proposed"], response.context["budget"]["confirmed"]) == (0, 400000)

    warm(client, cycle, reader, REVIEWED)
    decision_services.release_decision(decision=decision, user=bmbf1)
    assert read(client, cycle, reader, REVIEWED)[0].decision_status == "released"

    other, _submission = submitted_strategy(cycle, AllianceFactory(name="Altmark Digital", slug="altmark-digital"))
    proposal = decision_services.propose_decision(strategy=other, user=bmbf1, **decision_content())
    assert read(client, cycle, reader, "Altmark Digital")[0].decision_status == "proposed"
    warm(client, cycle, reader, "Altmark Digital")
    decision_services.withdraw_proposal(decision=proposal, user=bmbf1)
    row, cells, response = read(client, cycle, reader, "Altmark Digital")
    assert (row.decision_status, row.decision_amount, cells[10]) == (None, None, "—")
    assert response.context["budget"]["proposed"] == 0


def test_budget_line_changed_in_a_draft(client, scene, reader):
    draft = scene["draft"]
    row, cells = warm(client, scene["cycle"], reader, DRAFT)
    assert (row.budget_total, cells[9]) == (Decimal("500000"), "500.000,00")
    draft.refresh_from_db()
    alliance_services.save_strategy_draft(
        strategy=draft,
        user=scene["draft_manager"],
        sections={name: getattr(draft, name) for name in SECTION_FIELDS},
        budget={(scene["cycle"].first_funding_year, BudgetCategory.PERSONNEL): Decimal("650000")},
        expected_version=draft.version,
    )
    row, cells, _response = read(client, scene["cycle"], reader, DRAFT)
    assert (row.budget_total, cells[9]) == (Decimal("650000"), "650.000,00")


def test_strategy_submitted_and_reopened(client, scene, reader, programme_office):
    cycle, draft = scene["cycle"], scene["draft"]
    row, _cells = warm(client, cycle, reader, DRAFT)
    requested = read(client, cycle, reader, DRAFT)[2].context["budget"]["requested"]
    assert row.status == "draft"
    alliance_services.submit_strategy(strategy=draft, user=scene["draft_manager"])
    row, cells, response = read(client, cycle, reader, DRAFT)
    assert row.status == "submitted" and cells[2] == "Eingereicht"
    assert response.context["budget"]["requested"] == requested + Decimal("500000")

    warm(client, cycle, reader, DRAFT)
    alliance_services.reopen_submission(
        strategy=draft, user=programme_office, reason="Bitte ergänzen.", extend_until=draft.deadline + timedelta(days=3)
    )
    row, cells, _response = read(client, cycle, reader, DRAFT)
    assert row.status == "reopened" and cells[2] == "Wieder geöffnet"


def test_assignment_made_and_withdrawn(client, scene, reader, programme_office):
    cycle = scene["cycle"]
    warm(client, cycle, reader, REVIEWED)
    third = cleared_assignment(scene["strategy"], office=programme_office)
    row, cells, _response = read(client, cycle, reader, REVIEWED)
    assert (row.reviews_expected, cells[3]) == (3, "1 / 3")
    warm(client, cycle, reader, REVIEWED)
    review_services.withdraw_assignment(assignment=third, user=programme_office, reason="Ersatz gefunden.")
    row, cells, _response = read(client, cycle, reader, REVIEWED)
    assert (row.reviews_expected, cells[3]) == (2, "1 / 2")


def test_conflict_declared(client, scene, reader, programme_office):
    cycle = scene["cycle"]
    pending = review_services.assign_expert(
        strategy=scene["strategy"], expert=ExpertProfileFactory().user, user=programme_office
    )
    assert read(client, cycle, reader, REVIEWED)[0].reviews_expected == 3
    warm(client, cycle, reader, REVIEWED)
    declared_conflict(pending)
    row, cells, _response = read(client, cycle, reader, REVIEWED)
    assert (row.reviews_expected, cells[3]) == (2, "1 / 2")


def test_rubric_replaced(client, scene, reader):
    cycle = scene["cycle"]
    warm(client, cycle, reader, REVIEWED)
    before = read(client, cycle, reader, REVIEWED)[2].context["figures"].key
    programme_rubric(cycle)  # a new rubric version: the submitted review keeps its own
    cycle.refresh_from_db()
    row, _cells, response = read(client, cycle, reader, REVIEWED)
    assert response.context["figures"].key != before
    assert str(cycle.figures_version) == response.context["figures"].key.split(":")[3]
    assert row.score_median == pytest.approx(80.0)


def test_alliance_renamed_by_the_import(client, scene, reader):
    cycle = scene["cycle"]
    warm(client, cycle, reader, REVIEWED)
    alliance_services.import_alliances(
        csv_text="slug,name,acronym,region,states,innovation_field,source\n"
        "gesunde-lausitz,Gesunde Lausitz 2030,GL,Lausitz,Brandenburg; Sachsen,Gesundheit,https://lausitz.example/\n"
    )
    row, cells, _response = read(client, cycle, reader, "Gesunde Lausitz 2030")
    assert row.alliance.state_names == ("Brandenburg", "Sachsen")
    assert cells[0].startswith("Gesunde Lausitz 2030") and cells[1] == "Brandenburg, Sachsen"


def test_disagreement_threshold_changed(client, scene, reader, programme_office):
    cycle = scene["cycle"]
    submitted_review(scene["second"], 2)  # 80 and 40: a spread of 40
    row, _cells = warm(client, cycle, reader, REVIEWED)
    assert row.disagreement is True
    review_services.update_review_policy(
        cycle=cycle, user=programme_office, experts_per_strategy=2, load_cap=6, disagreement_threshold=Decimal("40")
    )
    row, cells, _response = read(client, cycle, reader, REVIEWED)
    assert row.disagreement is False and "uneinig" not in cells[6]


def admin_request(admin_user):
    request = RequestFactory().post("/")
    request.user = admin_user
    return request


def version(cycle):
    return EvaluationCycle.objects.values_list("figures_version", flat=True).get(pk=cycle.pk)


def test_the_admin_changing_an_alliance_changes_the_figures(client, scene, reader, admin_user):
    cycle = scene["cycle"]
    warm(client, cycle, reader, REVIEWED)
    alliance = Alliance.objects.get(slug="gesunde-lausitz")
    alliance.name = "Lausitz gesund"
    admin.site._registry[Alliance].save_model(admin_request(admin_user), alliance, None, True)
    assert read(client, cycle, reader, "Lausitz gesund")[0].alliance.name == "Lausitz gesund"
    before = version(cycle)
    admin.site._registry[Alliance].delete_model(admin_request(admin_user), AllianceFactory(slug="ohne-strategie"))
    assert version(cycle) == before


def test_the_admin_saving_a_cycle_never_writes_back_a_stale_version(scene, admin_user):
    cycle = EvaluationCycle.objects.get(pk=scene["cycle"].pk)
    alliance_services.bump_figures_version(cycle_id=cycle.pk)  # a change committed after the form was read
    current = version(cycle)
    cycle.budget = Decimal("90000000")
    admin.site._registry[EvaluationCycle].save_model(admin_request(admin_user), cycle, None, True)
    assert version(cycle) == current + 1


def test_the_budget_comes_with_the_cycle_not_from_the_cache(client, scene, reader):
    cycle = scene["cycle"]
    warm(client, cycle, reader, REVIEWED)
    EvaluationCycle.objects.filter(pk=cycle.pk).update(budget=Decimal("1000"))
    budget = read(client, cycle, reader, REVIEWED)[2].context["budget"]
    assert budget["budget"] == Decimal("1000") and budget["remaining"] == Decimal("1000") - budget["confirmed"]
