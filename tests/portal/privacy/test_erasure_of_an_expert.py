"""The erasure of an expert with submitted reviews (issue 18, "Done when"): after the admin approves the request,
the dashboard, the evaluation dossier and the exports still work and show the pseudonym wherever the name stood,
the e-mail address is in no text column of any table, and signing in with the old address and password fails."""

from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from dossiers import contents, rendering
from dossiers.models import Dossier, DossierKind
from portal.models import ErasureStatus, Role, User
from portal.privacy.erasure import approve_erasure, request_erasure
from tests.factories import (
    PASSWORD,
    ExpertProfileFactory,
    UserFactory,
    cleared_assignment,
    ministry_user,
    programme_rubric,
    submitted_review,
    submitted_strategy,
    votum_with_conditions,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("retention_schedule")]

ADDRESS = "Erika.Muster@Uni-Beispiel.example"
NAME = "Dr. Erika Muster"
TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb")
# Lists of the experts who can still be assigned: an erased (inactive) account leaves them instead of showing there.
ROSTERS = {"experts page"}


@pytest.fixture
def world(cycle, alliance, manager, programme_office, client):
    """Gesunde Lausitz submitted and reviewed by the expert and a colleague, with the jury's Votum; the expert has
    signed in once after a failed attempt (sessions, sign-in records) and was mailed the assignment."""
    programme_rubric(cycle)
    strategy, _submission = submitted_strategy(cycle, alliance, manager)
    expert = ExpertProfileFactory(
        user=UserFactory(email=ADDRESS.lower(), full_name=NAME, role=Role.EXPERT),
        email_domain="uni-beispiel.example",
        affiliation="Universität Beispiel",
    ).user
    review = submitted_review(cleared_assignment(strategy, expert=expert, office=programme_office), 4)
    submitted_review(cleared_assignment(strategy, office=programme_office), 5)
    votum_with_conditions(strategy, programme_office, Decimal("450000"), summary="Tragfähig.")
    client.post(reverse("account_login"), {"login": ADDRESS, "password": "falsch"})
    client.post(reverse("account_login"), {"login": ADDRESS, "password": PASSWORD})
    assert client.session.get("_auth_user_id") == str(expert.pk)
    client.logout()
    return {
        "strategy": strategy,
        "expert": expert,
        "review": review,
        "office": programme_office,
        "ministry": ministry_user("bmbf-erasure@bmbf.example"),
    }


def views_of_the_file(client, world):
    """Every place of the funding file that may name the expert, by name: its text (all must answer)."""
    strategy, office = world["strategy"], world["office"]
    cycle, alliance = strategy.cycle, strategy.alliance
    texts = {}
    client.force_login(world["ministry"])
    for name, url in (
        ("dashboard", reverse("decisions:dashboard", args=[cycle.slug])),
        ("alliance page", reverse("decisions:alliance", args=[cycle.slug, alliance.slug])),
        ("dashboard CSV", reverse("decisions:export_csv", args=[cycle.slug])),
        ("dashboard XLSX", reverse("decisions:export_xlsx", args=[cycle.slug])),
    ):
        response = client.get(url)
        assert response.status_code == 200, name
        body = b"".join(response.streaming_content) if response.streaming else response.content
        texts[name] = body.decode("utf-8", errors="replace")
    client.force_login(office)
    for name, url in (
        ("votum page", reverse("reviews:office_votum", args=[cycle.slug, strategy.pk])),
        ("experts page", reverse("reviews:office_experts", args=[cycle.slug])),
        ("review progress", reverse("reviews:office_progress", args=[cycle.slug])),
    ):
        response = client.get(url)
        assert response.status_code == 200, name
        texts[name] = response.content.decode()
    template, context = contents.template_and_context(
        Dossier(kind=DossierKind.EVALUATION, cycle=cycle, strategy=strategy)
    )
    texts["evaluation dossier"] = rendering.render_html(template, context)
    client.logout()
    return texts


def columns_holding(text):
    """Every "table.column" of the database (text, varchar, json, jsonb) whose value contains `text`, ignoring case."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type = ANY(%s) ORDER BY table_name, column_name",
            [list(TEXT_TYPES)],
        )
        columns = cursor.fetchall()
        assert len(columns) > 100  # every table of every app, not a handful
        found = []
        for table, column in columns:
            cursor.execute(
                f'SELECT count(*) FROM "{table}" WHERE strpos(lower("{column}"::text), lower(%s)) > 0',  # noqa: S608
                [text],
            )
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


def test_an_erased_expert_is_gone_from_the_database_and_the_funding_file_shows_the_pseudonym(
    client, world, admin_user, django_capture_on_commit_callbacks
):
    expert = world["expert"]
    before = views_of_the_file(client, world)
    naming = sorted(name for name, text in before.items() if NAME in text)
    # The file names the expert on the ministry's and the office's pages and in the dossier.
    assert {"alliance page", "votum page", "evaluation dossier"} <= set(naming), naming
    assert columns_holding(ADDRESS), "the address must be stored before, or the search below proves nothing"

    request = request_erasure(user=expert, reason=f"Bitte löschen: {ADDRESS}")
    with django_capture_on_commit_callbacks(execute=True):
        approve_erasure(request=request, user=admin_user)
    request.refresh_from_db()
    assert request.status == ErasureStatus.DONE and request.notified_at is not None

    pseudonym = f"ehemalige/r Gutachter/in {expert.pk}"
    after = views_of_the_file(client, world)
    assert set(after) == set(before)
    for name in set(naming) - ROSTERS:
        assert pseudonym in after[name], f"{name} shows the pseudonym where the name stood"
    for name, text in after.items():
        assert NAME not in text, f"{name} still names the expert"
        assert ADDRESS.lower() not in text.lower(), f"{name} still shows the address"
    # The review stays in the funding file, bound to the pseudonym.
    world["review"].refresh_from_db()
    assert world["review"].status == "submitted" and world["review"].assignment.expert_id == expert.pk

    assert columns_holding(ADDRESS) == []
    assert columns_holding(NAME) == []

    response = client.post(reverse("account_login"), {"login": ADDRESS, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert not User.objects.get(pk=expert.pk).is_active
