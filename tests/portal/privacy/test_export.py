""" "Meine Daten" as JSON: an expert's, a manager's and an official's export hold every row the registry ties to
them, with every field the registry lists, and nothing about anyone else."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliances.models import Question
from portal.models import Role
from portal.privacy import registry
from portal.privacy.export import HIDDEN
from tests.factories import (
    AllianceFactory,
    EvaluationCycleFactory,
    QuestionFactory,
    UserFactory,
    cleared_assignment,
    give_totp,
    manager_of,
    notify,
    programme_rubric,
    submitted_review,
    submitted_strategy,
)

pytestmark = pytest.mark.django_db

OTHERS = {
    "other_expert": ("Zora Zweitgutachterin", "zora.zweit@example.org"),
    "other_manager": ("Otto Nachbarbündnis", "otto.nachbar@example.org"),
    "office": ("Paula Projektträger", "paula.pt@example.org"),
}


@pytest.fixture
def world():
    """One strategy with two submitted reviews, a question answered by the programme office, and messages."""
    cycle = EvaluationCycleFactory()
    programme_rubric(cycle)
    alliance = AllianceFactory(name="Gesunde Lausitz", slug="gesunde-lausitz")
    roles = {"office": Role.PROGRAMME_OFFICE, "other_manager": Role.ALLIANCE_MANAGER}
    people = {
        name: UserFactory(full_name=full, email=email, role=roles.get(name, Role.EXPERT))
        for name, (full, email) in OTHERS.items()
    }
    manager = manager_of(alliance, email="mara.manager@example.org")
    other_alliance = AllianceFactory(name="Nachbarbündnis", slug="nachbar")
    other_manager = people["other_manager"]
    manager_of(other_alliance, email=other_manager.email)
    strategy, _submission = submitted_strategy(cycle, alliance, manager=manager)
    expert = UserFactory(full_name="Erika Erstgutachterin", email="erika.erst@example.org")
    give_totp(expert)
    for reviewer in (expert, people["other_expert"]):
        submitted_review(cleared_assignment(strategy, expert=reviewer, office=people["office"]), 4)
    QuestionFactory(
        cycle=cycle,
        alliance=alliance,
        asked_by=manager,
        text="Zählt ein Beirat als Auflage?",
        answer="Ja.",
        answered_by=people["office"],
    )
    QuestionFactory(cycle=cycle, alliance=other_alliance, asked_by=other_manager, text="Frage des Nachbarn")
    notify(expert, subject="Ihre Zuweisung")
    notify(people["other_expert"], subject="Nachricht an Zora")
    return {"expert": expert, "manager": manager, "office": people["office"], "people": people}


def exported(client, user):
    client.force_login(user)
    response = client.get(reverse("my_data_json"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="meine-daten_')
    return response.content.decode(), json.loads(response.content)


def assert_complete_and_about_the_person_alone(text, data, user, others):
    assert data["person"] == {"id": user.pk, "full_name": user.full_name, "email": user.email, "role": user.role}
    by_model = {category["model"]: category for category in data["categories"]}
    for label, declaration in registry.declarations().items():
        expected = set(declaration.rows_of(user).values_list("pk", flat=True)) if declaration.subjects else set()
        rows = by_model.get(label, {}).get("about_you", [])
        assert {row["id"] for row in rows} == expected, label
        for row in rows:
            # Every field the registry lists, each reference to someone else left out.
            assert {item.name for item in declaration.fields} <= set(row), label
            for item in declaration.fields:
                if item.kind == registry.DataKind.USER_REFERENCE:
                    assert row[item.name] in (None, user.pk), (label, item.name)
        for row in by_model.get(label, {}).get("naming_you", []):
            assert user.pk in row.values(), label
    for full_name, email in others:
        assert full_name not in text and email not in text


def test_an_experts_export_holds_their_reviews_scores_and_messages_and_no_other_expert(client, world):
    expert = world["expert"]
    text, data = exported(client, expert)
    others = [OTHERS["other_expert"], OTHERS["office"], OTHERS["other_manager"], ("Mara", world["manager"].email)]
    assert_complete_and_about_the_person_alone(text, data, expert, others)
    by_model = {category["model"]: category for category in data["categories"]}
    (review,) = by_model["reviews.Review"]["about_you"]
    assert review["strengths"] == "Stärken" and review["assignment__strategy__alliance__name"] == "Gesunde Lausitz"
    assert len(by_model["reviews.Score"]["about_you"]) == 8
    subjects = [row["subject"] for row in by_model["portal.OutgoingMessage"]["about_you"]]
    assert "[WIR!-Strategieportal] Ihre Zuweisung" in subjects and not any("Zora" in s for s in subjects)
    # The second factor is named, its secret never copied.
    (factor,) = by_model["mfa.Authenticator"]["about_you"]
    assert factor["data"] == str(HIDDEN)
    assert by_model["reviews.Review"]["retention"]["category"] == "funding_file"


def test_a_managers_export_holds_their_question_and_submission_but_not_who_answered(client, world):
    manager = world["manager"]
    text, data = exported(client, manager)
    assert_complete_and_about_the_person_alone(
        text, data, manager, [OTHERS["office"], OTHERS["other_manager"], ("Erika", world["expert"].email)]
    )
    by_model = {category["model"]: category for category in data["categories"]}
    (question,) = by_model["alliances.Question"]["about_you"]
    assert question["text"] == "Zählt ein Beirat als Auflage?" and question["answered_by"] is None
    assert "Frage des Nachbarn" not in text
    (submission,) = by_model["alliances.Submission"]["naming_you"]
    assert submission["submitted_by"] == manager.pk
    assert by_model["alliances.AllianceMembership"]["about_you"][0]["alliance__name"] == "Gesunde Lausitz"


def test_an_officials_export_names_their_acts_without_what_they_acted_on(client, world):
    office = world["office"]
    text, data = exported(client, office)
    assert_complete_and_about_the_person_alone(
        text, data, office, [("Erika", world["expert"].email), ("Mara", world["manager"].email)]
    )
    by_model = {category["model"]: category for category in data["categories"]}
    answered = by_model["alliances.Question"]["naming_you"]
    assert [row["answered_by"] for row in answered] == [office.pk]
    # Only the reference and the context: not the manager's question.
    assert "Zählt ein Beirat" not in text
    assert Question.objects.filter(answered_by=office).count() == 1
    assert {row["assigned_by"] for row in by_model["reviews.Assignment"]["naming_you"]} == {office.pk}


def test_the_overview_counts_each_category_of_the_persons_data(client, world):
    client.force_login(world["expert"])
    response = client.get(reverse("my_data"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Gutachten" in page and reverse("my_data_json") in page
    assert reverse("dossiers:request_personal_data") in page


def test_the_overview_and_the_json_cost_the_same_queries_for_more_data(client, world):
    expert = world["expert"]
    client.force_login(expert)

    def queries():
        counts = []
        for name in ("my_data", "my_data_json"):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(reverse(name)).status_code == 200
            counts.append(len(captured))
        return counts

    before = queries()
    for number in range(5):
        notify(expert, subject=f"Nachricht {number}")
    assert queries() == before
