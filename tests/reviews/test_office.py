"""Programme office pages of the review stage: permissions, assignment with conflict override, Votum."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from alliances.models import AlliancePartner, FederalState
from portal.models import Role
from reviews import services
from reviews.models import Assignment, ExpertProfile, PanelVotum, ReminderKind, ReviewPolicy, ReviewReminder
from tests.factories import (
    AllianceFactory,
    ExpertProfileFactory,
    UserFactory,
    cleared_assignment,
    manager_of,
    programme_rubric,
    role_actors,
    submitted_review,
    submitted_strategy,
)
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cycle):
    return build_world(cycle)


def build_world(cycle):
    """A strategy with one submitted review, a free expert, and the actors (the reviewing expert as "expert")."""
    programme_rubric(cycle)
    alliance = AllianceFactory(states=["BB"])
    strategy, _submission = submitted_strategy(cycle, alliance)
    reviewed = cleared_assignment(strategy)
    review = submitted_review(reviewed, 4)
    free_expert = ExpertProfileFactory().user
    actors = role_actors(manager=manager_of(alliance), expert=reviewed.expert)
    return {"strategy": strategy, "review": review, "free_expert": free_expert, "actors": actors}


def url_for(name, world):
    cycle = world["strategy"].cycle.slug
    if name == "office_home":
        return reverse("reviews:office_home")
    if name == "office_votum":
        return reverse("reviews:office_votum", args=[cycle, world["strategy"].pk])
    if name == "office_assign":
        return reverse("reviews:office_assign", args=[cycle, world["strategy"].pk, world["free_expert"].pk])
    if name == "office_expert_profile":
        return reverse("reviews:office_expert_profile", args=[cycle, world["free_expert"].pk])
    if name in ("office_balancer", "office_import"):
        return reverse(f"reviews:{name}", args=[cycle])
    if name == "office_withdraw":
        return reverse("reviews:office_withdraw", args=[cycle, world["review"].assignment_id])
    if name == "office_review_reopen":
        return reverse("reviews:office_review_reopen", args=[cycle, world["review"].pk])
    return reverse(f"reviews:{name}", args=[cycle])


def flagged_expert(alliance):
    AlliancePartner.objects.create(alliance=alliance, name="Hochschule Lausitz", email_domain="hs-lausitz.example")
    return ExpertProfileFactory(
        user=UserFactory(role=Role.EXPERT, email="prof@hs-lausitz.example"),
        affiliation="Hochschule Lausitz",
        federal_state=FederalState.objects.get(code="BB"),
        declared_ties="Gesunde Lausitz",
    ).user


def test_conflict_flags_name_every_reason(cycle):
    alliance = AllianceFactory(name="Gesunde Lausitz", slug="gesunde-lausitz", states=["BB"])
    strategy, _ = submitted_strategy(cycle, alliance)
    flags = services.conflict_flags(expert=flagged_expert(alliance), strategy=strategy)
    assert any("ist Bündnispartner" in flag for flag in flags)
    assert any("Gleiches Bundesland: Brandenburg" in flag for flag in flags)
    assert any("Erklärte Verbindung" in flag for flag in flags)


def test_a_flagged_expert_needs_a_written_justification(client, cycle, programme_office):
    alliance = AllianceFactory(states=["BB"])
    strategy, _ = submitted_strategy(cycle, alliance)
    expert = flagged_expert(alliance)
    client.force_login(programme_office)
    url = reverse("reviews:office_assign", args=[cycle.slug, strategy.pk, expert.pk])
    refused = client.post(url, {"override_reason": ""})
    assert refused.status_code == 422
    assert "schriftliche Begründung" in refused.content.decode()
    assert not Assignment.objects.exists()
    reason = "Einzige Fachperson für Telemedizin; Verbindung liegt 8 Jahre zurück."
    accepted = client.post(url, {"override_reason": reason})
    assert accepted.status_code == 302
    assignment = Assignment.objects.get()
    assert assignment.override_reason.startswith("Einzige Fachperson")
    assert assignment.conflict_flags
    assert assignment.history.first().history_change_reason.startswith("Zuweisung trotz Hinweis")


def test_assignment_beyond_the_load_cap_is_refused(cycle, programme_office):
    policy = services.policy_for(cycle)
    policy.load_cap = 1
    policy.save()
    expert = ExpertProfileFactory().user
    first, _ = submitted_strategy(cycle, AllianceFactory())
    second, _ = submitted_strategy(cycle, AllianceFactory())
    services.assign_expert(strategy=first, expert=expert, user=programme_office)
    with pytest.raises(services.AssignmentRefused, match="Höchstzahl von 1"):
        services.assign_expert(strategy=second, expert=expert, user=programme_office)


def test_assignment_emails_the_expert(cycle, programme_office, django_capture_on_commit_callbacks):
    strategy, _ = submitted_strategy(cycle, AllianceFactory())
    expert = ExpertProfileFactory().user
    with django_capture_on_commit_callbacks(execute=True):
        services.assign_expert(strategy=strategy, expert=expert, user=programme_office)
    assert [message.to for message in mail.outbox if "Neue Begutachtung" in message.subject] == [[expert.email]]


def test_votum_only_when_reviews_are_complete(client, cycle, programme_office):
    programme_rubric(cycle)
    strategy, _ = submitted_strategy(cycle, AllianceFactory())
    done = cleared_assignment(strategy)
    submitted_review(done, 3)
    cleared_assignment(strategy)
    client.force_login(programme_office)
    url = reverse("reviews:office_votum", args=[cycle.slug, strategy.pk])
    data = {
        "version": 0,
        "recommendation": "conditions",
        "proposed_amount": "6.500.000,00",
        "conditions": "Verstetigungskonzept vorlegen",
        "summary": "Überzeugende Strategie.",
    }
    refused = client.post(url, data)
    assert refused.status_code == 422
    assert "sobald alle zugewiesenen Gutachten abgegeben sind" in refused.content.decode()
    assert not PanelVotum.objects.exists()
    for assignment in strategy.assignments.filter(status="cleared").exclude(pk=done.pk):
        submitted_review(assignment, 5)
    saved = client.post(url, data)
    assert saved.status_code == 302
    votum = PanelVotum.objects.get()
    assert str(votum.proposed_amount) == "6500000.00"
    page = client.get(url).content.decode()
    assert done.expert.get_full_name() in page
    assert "Gutachter/in A" in page
    assert "6.500.000,00 EUR" in page


def test_votum_page_shows_names_confidential_notes_and_reopen_links_to_the_programme_office(client, world):
    review = world["review"]
    review.__class__.objects.filter(pk=review.pk).update(confidential_note="Nur für das Ministerium.")
    client.force_login(world["actors"]["programme_office"])
    page = client.get(url_for("office_votum", world)).content.decode()
    assert "Alle abgegebenen Gutachten, Kriterium für Kriterium" in page
    assert review.assignment.expert.get_full_name() in page
    assert "Nur für das Ministerium." in page
    assert reverse("reviews:office_review_reopen", args=[world["strategy"].cycle.slug, review.pk]) in page


def test_the_ministry_reads_the_votum_page_without_reopen_links(client, world):
    review = world["review"]
    client.force_login(world["actors"]["ministry"])
    page = client.get(url_for("office_votum", world)).content.decode()
    assert review.assignment.expert.get_full_name() in page
    assert "Vertrauliche Notiz an das Ministerium" in page
    assert reverse("reviews:office_review_reopen", args=[world["strategy"].cycle.slug, review.pk]) not in page


def test_due_reminders_are_sent_once_at_each_of_the_cycles_hours(
    cycle, programme_office, django_capture_on_commit_callbacks
):
    programme_rubric(cycle)
    strategy, _ = submitted_strategy(cycle, AllianceFactory())
    waiting = cleared_assignment(strategy)
    done = cleared_assignment(strategy)
    submitted_review(done, 4)
    deadline = cycle.review_deadline
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_due_reminders(cycle=cycle, now=deadline - timedelta(days=14)) == 1
        assert services.send_due_reminders(cycle=cycle, now=deadline - timedelta(days=13)) == 0
        assert services.send_due_reminders(cycle=cycle, now=deadline - timedelta(days=3)) == 1
        assert services.send_due_reminders(cycle=cycle, now=deadline - timedelta(days=2)) == 0
        assert services.send_due_reminders(cycle=cycle, now=deadline - timedelta(hours=24)) == 1
        assert services.send_due_reminders(cycle=cycle, now=deadline - timedelta(hours=1)) == 0
    reminders = [message for message in mail.outbox if "Erinnerung" in message.subject]
    assert [message.to for message in reminders] == [[waiting.expert.email]] * 3
    assert sorted(ReviewReminder.objects.values_list("offset_hours", flat=True)) == [24, 72, 336]
    assert set(ReviewReminder.objects.values_list("kind", flat=True)) == {ReminderKind.BEFORE_DEADLINE}


def test_no_reminder_before_the_first_of_the_cycles_hours(cycle):
    programme_rubric(cycle)
    strategy, _ = submitted_strategy(cycle, AllianceFactory())
    cleared_assignment(strategy)
    assert services.send_due_reminders(cycle=cycle, now=cycle.review_deadline - timedelta(days=14, minutes=1)) == 0


def test_manual_reminder_reaches_all_experts_with_outstanding_reviews(client, cycle, programme_office):
    programme_rubric(cycle)
    strategy, _ = submitted_strategy(cycle, AllianceFactory())
    cleared_assignment(strategy)
    cleared_assignment(strategy)
    client.force_login(programme_office)
    response = client.post(reverse("reviews:office_reminder", args=[cycle.slug]), follow=True)
    assert "Erinnerung an 2 Gutachter/innen" in response.content.decode()
    assert ReviewReminder.objects.filter(kind=ReminderKind.MANUAL).count() == 2


def build_reviews(cycle, strategies, office):
    programme_rubric(cycle)
    experts = [ExpertProfileFactory().user for _ in range(4)]
    for number in range(strategies):
        strategy, _ = submitted_strategy(cycle, AllianceFactory())
        for expert in experts[:3] if number % 2 else experts[1:]:
            services.assign_expert(strategy=strategy, expert=expert, user=office)


# Each page: session, user, cycle, then its rows as one page (count, rows) and what it shows besides; the counts at
# programme scale (24 and 240 alliances) are in test_matrix.py.
PROGRESS_QUERIES = 6
EXPERT_PROGRESS_QUERIES = 5
MATRIX_QUERIES = 12


@pytest.mark.parametrize("strategies", [2, 6])
def test_progress_and_expert_pages_keep_their_query_counts(client, cycle, programme_office, strategies):
    build_reviews(cycle, strategies, programme_office)
    client.force_login(programme_office)
    progress = reverse("reviews:office_progress", args=[cycle.slug])
    assert count_queries(client, progress)[0] == PROGRESS_QUERIES
    assert count_queries(client, progress, {"state": "outstanding"})[0] == PROGRESS_QUERIES
    assert count_queries(client, reverse("reviews:office_experts", args=[cycle.slug]))[0] == EXPERT_PROGRESS_QUERIES
    assert count_queries(client, reverse("reviews:office_assignments", args=[cycle.slug]))[0] == MATRIX_QUERIES


def test_deadline_passed_review_cannot_be_submitted(cycle):
    programme_rubric(cycle)
    strategy, _ = submitted_strategy(cycle, AllianceFactory())
    assignment = cleared_assignment(strategy)
    review = services.open_review(assignment=assignment, user=assignment.expert)
    with pytest.raises(services.ReviewLocked, match="Frist für Gutachten"):
        services.submit_review(review=review, user=assignment.expert, now=cycle.review_deadline + timedelta(minutes=1))
    assert timezone.now() < cycle.review_deadline


def rubric_post(criteria, extra=None):
    data = {
        "kriterien-TOTAL_FORMS": str(len(criteria)),
        "kriterien-INITIAL_FORMS": str(len(criteria)),
        "kriterien-MIN_NUM_FORMS": "0",
        "kriterien-MAX_NUM_FORMS": "1000",
    }
    for index, criterion in enumerate(criteria):
        for name in ("code", "title", "title_en", "guiding_questions", "weight", "scale_min", "scale_max"):
            data[f"kriterien-{index}-{name}"] = str(getattr(criterion, name))
        data[f"kriterien-{index}-justification_required"] = "on"
    data.update(extra or {})
    return data


def test_rubric_is_edited_in_place_until_a_review_is_submitted_then_versioned(client, cycle, programme_office):
    rubric = programme_rubric(cycle)
    criteria = list(rubric.criteria.all())
    client.force_login(programme_office)
    url = reverse("reviews:office_rubric", args=[cycle.slug])
    response = client.post(url, rubric_post(criteria, {"kriterien-0-weight": "20"}))
    assert response.status_code == 302
    assert services.current_rubric(cycle).pk == rubric.pk
    assert rubric.criteria.get(code=criteria[0].code).weight == 20
    strategy, _ = submitted_strategy(cycle, AllianceFactory())
    review = submitted_review(cleared_assignment(strategy), 4)
    response = client.post(url, rubric_post(criteria, {"kriterien-0-weight": "25"}), follow=True)
    assert "neue Version 2" in response.content.decode()
    new = services.current_rubric(cycle)
    assert new.number == 2
    assert new.criteria.get(code=criteria[0].code).weight == 25
    review.refresh_from_db()
    assert review.rubric_id == rubric.pk
    assert rubric.criteria.get(code=criteria[0].code).weight == 20


def test_rubric_with_duplicate_codes_is_refused(client, cycle, programme_office):
    criteria = list(programme_rubric(cycle).criteria.all())
    client.force_login(programme_office)
    response = client.post(
        reverse("reviews:office_rubric", args=[cycle.slug]),
        rubric_post(criteria, {"kriterien-1-code": criteria[0].code}),
    )
    assert response.status_code == 422
    assert "Jedes Kürzel darf nur einmal vorkommen." in response.content.decode()


def test_the_balancer_previews_then_applies_the_same_proposal(client, cycle, programme_office):
    programme_rubric(cycle)
    strategies = [submitted_strategy(cycle, AllianceFactory())[0] for _ in range(2)]
    experts = [ExpertProfileFactory().user for _ in range(4)]
    client.force_login(programme_office)
    url = reverse("reviews:office_balancer", args=[cycle.slug])
    preview = client.get(url)
    assert preview.status_code == 200
    pairs = preview.context["pair_keys"]
    assert len(pairs) == 6
    assert not Assignment.objects.exists()
    response = client.post(url, {"pair": pairs})
    assert response.status_code == 302
    assert Assignment.objects.count() == 6
    loads = sorted(Assignment.objects.filter(expert__in=experts).values_list("expert", flat=True))
    assert max(loads.count(e.pk) for e in experts) - min(loads.count(e.pk) for e in experts) <= 1
    assert {a.strategy_id for a in Assignment.objects.all()} == {s.pk for s in strategies}


def test_a_stale_balancer_preview_is_not_applied(client, cycle, programme_office):
    submitted_strategy(cycle, AllianceFactory())
    for _ in range(3):
        ExpertProfileFactory()
    client.force_login(programme_office)
    response = client.post(reverse("reviews:office_balancer", args=[cycle.slug]), {"pair": ["1:2"]}, follow=True)
    assert "seit der Vorschau geändert" in response.content.decode()
    assert not Assignment.objects.exists()


def test_csv_import_previews_then_applies_as_a_unit(client, cycle, programme_office):
    strategy, _ = submitted_strategy(cycle, AllianceFactory(slug="diana"))
    expert = ExpertProfileFactory().user
    client.force_login(programme_office)
    url = reverse("reviews:office_import", args=[cycle.slug])
    content = f"alliance,expert,override_reason\ndiana,{expert.email},\n".encode()
    csv_file = SimpleUploadedFile("zuweisungen.csv", content)
    preview = client.post(url, {"file": csv_file})
    assert preview.status_code == 200
    assert not Assignment.objects.exists()
    applied = client.post(url, {"csv_text": preview.context["csv_text"], "confirm": "on"})
    assert applied.status_code == 302
    assert Assignment.objects.get().strategy == strategy


def test_a_bad_csv_names_the_line_and_applies_nothing(client, cycle, programme_office):
    submitted_strategy(cycle, AllianceFactory(slug="diana"))
    client.force_login(programme_office)
    csv_file = SimpleUploadedFile("z.csv", b"alliance,expert,override_reason\ndiana,=HYPERLINK(1),\n")
    response = client.post(reverse("reviews:office_import", args=[cycle.slug]), {"file": csv_file})
    assert response.status_code == 422
    assert "Zeile 2" in response.content.decode()
    assert not Assignment.objects.exists()


def test_office_pages_write_nothing_on_get(client, cycle, programme_office):
    """The progress and assignment pages read the policy's defaults, the profile page an unsaved profile."""
    strategy, _ = submitted_strategy(cycle, AllianceFactory())
    expert = UserFactory(role=Role.EXPERT)
    client.force_login(programme_office)
    for url in (
        reverse("reviews:office_progress", args=[cycle.slug]),
        reverse("reviews:office_assignments", args=[cycle.slug]),
        reverse("reviews:office_expert_profile", args=[cycle.slug, expert.pk]),
    ):
        assert client.get(url).status_code == 200
    assert not ReviewPolicy.objects.exists()
    assert not ExpertProfile.objects.exists()
    response = client.post(
        reverse("reviews:office_expert_profile", args=[cycle.slug, expert.pk]),
        {"affiliation": "Universität Beispiel", "email_domain": "uni-beispiel.de", "expertise_keywords": "Energie"},
    )
    assert response.status_code == 302
    profile = ExpertProfile.objects.get(user=expert)
    assert (profile.affiliation, profile.history.first().history_user) == ("Universität Beispiel", programme_office)
