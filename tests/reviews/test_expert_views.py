"""The expert's pages: assignments, declaration, snapshot and documents, the review form, the others' reviews."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from alliances import services as alliance_services
from alliances.models import DocumentDownload
from portal.models import Role
from reviews import services
from reviews.forms.expert import review_initial
from reviews.models import AssignmentStatus, Review, ReviewStatus, Score
from tests.factories import (
    AllianceFactory,
    ExpertProfileFactory,
    UserFactory,
    cleared_assignment,
    declared_conflict,
    pdf_upload,
    resubmit,
    submitted_review,
    submitted_strategy,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def strategy(submitted):
    return submitted[0]


@pytest.fixture
def office(db):
    return UserFactory(role=Role.PROGRAMME_OFFICE)


def assign(strategy, office, expert=None):
    expert = expert or ExpertProfileFactory().user
    return services.assign_expert(strategy=strategy, expert=expert, user=office)


def review_post(review, points=3, justification="Gut begründet.", **extra):
    data = {
        "version": review.version,
        "recommendation": "fund",
        "strengths": "Breite Verankerung.",
        "weaknesses": "Verstetigung offen.",
        "proposed_conditions": "",
        "confidential_note": "Nur für das Ministerium.",
    }
    for criterion in review.rubric.criteria.all():
        data[f"score_{criterion.pk}"] = str(points)
        data[f"justification_{criterion.pk}"] = justification
    data.update(extra)
    return data


def test_pages_render_for_the_assigned_expert(client, strategy, office):
    assignment = cleared_assignment(strategy, office=office)
    client.force_login(assignment.expert)
    assert client.get(reverse("reviews:my_assignments")).status_code == 200
    assert client.get(reverse("reviews:assignment", args=[assignment.pk])).status_code == 200
    assert client.get(reverse("reviews:review", args=[assignment.pk])).status_code == 200


# --- My assignments -----------------------------------------------------------------------------------------


def test_my_assignments_lists_each_state_progress_and_deadline(client, cycle, strategy, office):
    expert = ExpertProfileFactory().user
    services.policy_for(cycle).__class__.objects.filter(cycle=cycle).update(load_cap=10)
    states = {}
    for label in ["submitted", "draft", "cleared", "awaiting", "conflicted", "withdrawn"]:
        target, _submission = submitted_strategy(cycle, AllianceFactory(name=f"Bündnis {label}"))
        assignment = assign(target, office, expert)
        if label in ("submitted", "draft", "cleared"):
            assignment = services.declare_conflict(assignment=assignment, user=expert, has_conflict=False)
        if label == "submitted":
            submitted_review(assignment, 4)
        if label == "draft":
            services.open_review(assignment=assignment, user=expert)
        if label == "conflicted":
            declared_conflict(assignment, explanation="Ehemalige Kollegin.")
        if label == "withdrawn":
            services.withdraw_assignment(assignment=assignment, user=office, reason="Ersatz gefunden.")
        states[label] = assignment
    someone_else = assign(strategy, office)
    client.force_login(expert)
    page = client.get(reverse("reviews:my_assignments")).content.decode()
    assert "1 von 4 abgegeben" in page
    for label, text in [
        ("submitted", "abgegeben"),
        ("draft", "Entwurf"),
        ("cleared", "freigegeben – Gutachten noch nicht begonnen"),
        ("awaiting", "Erklärung zur Befangenheit fällig"),
        ("conflicted", "Befangenheit erklärt – beendet"),
        ("withdrawn", "zurückgezogen"),
    ]:
        assert f'data-state="{label}">{text}</td>' in page
        assert f"Bündnis {label}" in page
    assert timezone.localtime(cycle.review_deadline).strftime("%d.%m.%Y, %H:%M") in page
    assert "Verbleibende Zeit:" in page
    assert someone_else.strategy.alliance.name not in page


def assignments_for(expert, cycle, office, count):
    for number in range(count):
        target, _submission = submitted_strategy(cycle, AllianceFactory())
        assignment = assign(target, office, expert)
        if number % 3 == 0:
            continue
        assignment = services.declare_conflict(assignment=assignment, user=expert, has_conflict=False)
        if number % 3 == 1:
            submitted_review(assignment, 3)
        else:
            services.open_review(assignment=assignment, user=expert)


@pytest.mark.parametrize("count", [3, 30])
def test_my_assignments_query_count_does_not_grow(client, cycle, rubric, office, count, django_assert_num_queries):
    services.policy_for(cycle).__class__.objects.filter(cycle=cycle).update(load_cap=40)
    expert = ExpertProfileFactory().user
    assignments_for(expert, cycle, office, count)
    client.force_login(expert)
    with django_assert_num_queries(4):
        response = client.get(reverse("reviews:my_assignments"))
    assert response.status_code == 200
    assert f"{count // 3} von {count} abgegeben" in response.content.decode()


# --- Declaration, snapshot and documents --------------------------------------------------------------------

SECTION_TEXT = "Drei Vorhabenlinien."


def document_url(assignment, submission=None):
    submission = submission or assignment.strategy.latest_submission
    return reverse("reviews:document", args=[assignment.pk, submission.documents[0]["id"]])


def test_before_the_declaration_nothing_of_the_strategy_is_visible(client, strategy, office):
    assignment = assign(strategy, office)
    client.force_login(assignment.expert)
    page = client.get(reverse("reviews:assignment", args=[assignment.pk])).content.decode()
    assert "Erklärung zur Befangenheit" in page
    assert SECTION_TEXT not in page
    assert "strategie.pdf" not in page
    assert client.get(reverse("reviews:review", args=[assignment.pk])).status_code == 404
    assert client.get(document_url(assignment)).status_code == 404
    assert not Review.objects.exists()
    assert not DocumentDownload.objects.exists()


def test_declaring_no_conflict_shows_the_snapshot_and_its_documents(client, strategy, office):
    assignment = assign(strategy, office)
    client.force_login(assignment.expert)
    response = client.post(reverse("reviews:declare", args=[assignment.pk]), {"has_conflict": "no"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CLEARED
    page = client.get(reverse("reviews:assignment", args=[assignment.pk])).content.decode()
    assert SECTION_TEXT in page
    assert "Einreichung Nr. 1" in page
    assert "500.000,00" in page
    download = client.get(document_url(assignment))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert 'filename="strategie.pdf"' in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    logged = DocumentDownload.objects.get()
    assert (logged.user, logged.document.strategy) == (assignment.expert, strategy)


def test_a_conflict_needs_type_and_explanation(client, strategy, office):
    assignment = assign(strategy, office)
    client.force_login(assignment.expert)
    url = reverse("reviews:declare", args=[assignment.pk])
    missing = client.post(url, {"has_conflict": "yes", "conflict_type": "", "explanation": " "})
    assert missing.status_code == 422
    page = missing.content.decode()
    assert "Bitte wählen Sie die Art des Interessenkonflikts." in page
    assert "Bitte erläutern Sie den Interessenkonflikt kurz." in page
    nothing = client.post(url, {})
    assert "Bitte erklären Sie, ob ein Interessenkonflikt besteht." in nothing.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.AWAITING_DECLARATION
    assert assignment.declared_at is None


def test_declaring_a_conflict_ends_the_assignment_and_tells_the_office(
    client, strategy, office, django_capture_on_commit_callbacks
):
    assignment = assign(strategy, office)
    client.force_login(assignment.expert)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reviews:declare", args=[assignment.pk]),
            {"has_conflict": "yes", "conflict_type": "institutional", "explanation": "Beratung für einen Partner."},
        )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert (assignment.status, assignment.conflict_type) == (AssignmentStatus.CONFLICTED, "institutional")
    assert [m.to for m in mail.outbox if "Befangenheit erklärt" in m.subject] == [[office.email]]
    # The slot is free: the same strategy takes another expert.
    assert strategy.assignments.active().count() == 0
    page = client.get(reverse("reviews:assignment", args=[assignment.pk])).content.decode()
    assert "Zuweisung beendet" in page
    assert SECTION_TEXT not in page
    assert client.get(reverse("reviews:review", args=[assignment.pk])).status_code == 404
    assert client.get(document_url(assignment)).status_code == 404
    again = client.post(reverse("reviews:declare", args=[assignment.pk]), {"has_conflict": "no"})
    assert again.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CONFLICTED


def test_a_document_outside_the_snapshot_answers_404(client, cycle, strategy, office):
    assignment = cleared_assignment(strategy, office=office)
    other, other_submission = submitted_strategy(cycle, AllianceFactory())
    client.force_login(assignment.expert)
    foreign = reverse("reviews:document", args=[assignment.pk, other_submission.documents[0]["id"]])
    assert client.get(foreign).status_code == 404
    # A document uploaded after the submission (strategy reopened) is not part of the snapshot.
    manager = strategy.alliance.memberships.first().user
    alliance_services.reopen_submission(
        strategy=strategy,
        user=office,
        reason="Nachbesserung Finanzplan.",
        extend_until=strategy.deadline + timedelta(days=3),
    )
    late = alliance_services.add_strategy_document(
        strategy=strategy, user=manager, kind="annex", uploaded_file=pdf_upload("nachtrag.pdf")
    )
    assert client.get(reverse("reviews:document", args=[assignment.pk, late.public_id])).status_code == 404
    assert not DocumentDownload.objects.exists()


def post_form(client, assignment, review, **typed):
    """Sends the review form of `assignment` as filled in by `review_post(review, **typed)`."""
    return client.post(reverse("reviews:review", args=[assignment.pk]), review_post(review, **typed))


def send_form(client, assignment, **typed):
    """The expert opens the form and sends it as `review_post` fills it in, as the browser would: with the version
    the form carries."""
    response = post_form(client, assignment, open_form(client, assignment), **typed)
    assert response.status_code == 302


def confirm_submission(client, assignment):
    """The expert confirms the binding submission on the page "Abgeben" led to, as the page's form sends it."""
    review = Review.objects.get(assignment=assignment, status=ReviewStatus.DRAFT)
    response = client.post(reverse("reviews:review_submit", args=[assignment.pk]), {"version": review.version})
    assert response.status_code == 302
    return response


def save_draft(client, assignment, **extra):
    send_form(client, assignment, save="1", **extra)
    return Review.objects.get(assignment=assignment, status=ReviewStatus.DRAFT)


def test_a_resubmission_shows_what_changed(client, strategy, office):
    assignment = cleared_assignment(strategy, office=office)
    save_draft(client, assignment)  # the review starts on submission 1
    resubmit(strategy, office)
    page = client.get(reverse("reviews:assignment", args=[assignment.pk])).content.decode()
    assert "Geändert seit Einreichung Nr. 1 (jetzt Nr. 2)" in page
    assert "<ins>Neu: ein Reallabor in Cottbus.</ins>" in page
    assert "Einreichung Nr. 2" in page
    # The draft moves to the new snapshot with its next save, not by reading.
    assert Review.objects.get(assignment=assignment).submission.number == 1
    save_draft(client, assignment)
    assert Review.objects.get(assignment=assignment).submission.number == 2
    page = client.get(reverse("reviews:assignment", args=[assignment.pk])).content.decode()
    assert "Geändert seit Einreichung Nr. 1 (jetzt Nr. 2)" in page


# --- The review form ----------------------------------------------------------------------------------------


@pytest.fixture
def cleared(strategy, office):
    return cleared_assignment(strategy, office=office)


def open_form(client, assignment):
    """Opens the form; returns the review it shows (unsaved while nothing has been saved)."""
    client.force_login(assignment.expert)
    response = client.get(reverse("reviews:review", args=[assignment.pk]))
    assert response.status_code == 200
    return services.review_for_reading(assignment=assignment).review


def test_the_form_offers_the_scale_with_labelled_points(client, cleared):
    review = open_form(client, cleared)
    criterion = review.rubric.criteria.first()
    criterion.allows_not_applicable = True
    criterion.save()
    page = client.get(reverse("reviews:review", args=[cleared.pk])).content.decode()
    assert f'name="score_{criterion.pk}" id="id_score_{criterion.pk}_0" value="0"' in page
    assert "5 – hervorragend" in page
    assert 'value="na"' in page
    assert page.count('value="na"') == 1
    assert "Entwurf speichern" in page and "Abgeben" in page


def test_saving_a_draft_stores_scores_and_texts(client, cleared):
    send_form(client, cleared, points=4, save="1")
    review = Review.objects.get(assignment=cleared)
    assert review.status == ReviewStatus.DRAFT
    assert review.strengths == "Breite Verankerung."
    assert review.confidential_note == "Nur für das Ministerium."
    assert sorted(set(review.scores.values_list("value", flat=True))) == [4]


# What the expert types into the form (given its first criterion), the button pressed, and the German message.
REFUSED_INPUT = [
    pytest.param(
        lambda criterion: {f"score_{criterion.pk}": "7"},
        "save",
        "{title}: Die Punktzahl muss zwischen 0 und 5 liegen.",
        id="score-outside-the-scale",
    ),
    pytest.param(
        lambda criterion: {f"justification_{criterion.pk}": "  "},
        "submit",
        "{title}: Bitte begründen Sie die Bewertung.",
        id="justification-missing",
    ),
    pytest.param(
        lambda criterion: {"recommendation": "conditions", "proposed_conditions": ""},
        "submit",
        "Bitte nennen Sie die vorgeschlagenen Auflagen.",
        id="conditions-missing",
    ),
]


@pytest.mark.parametrize(("typed", "button", "message"), REFUSED_INPUT)
def test_refused_input_is_named_keeps_the_typed_text_and_stores_nothing(client, cleared, typed, button, message):
    review = open_form(client, cleared)
    criterion = review.rubric.criteria.first()
    response = post_form(client, cleared, review, **{button: "1"}, **typed(criterion))
    assert response.status_code == 422
    page = response.content.decode()
    assert message.format(title=criterion.title) in page
    assert "Es wurde nichts gespeichert." in page
    assert "Breite Verankerung." in page  # the typed text stays in the form
    assert not Review.objects.exists()
    assert not Score.objects.exists()


def test_not_applicable_only_where_the_criterion_allows_it(client, cleared):
    review = open_form(client, cleared)
    strict, lenient = list(review.rubric.criteria.all())[:2]
    lenient.allows_not_applicable = True
    lenient.save()
    refused = post_form(client, cleared, review, save="1", **{f"score_{strict.pk}": "na"})
    assert refused.status_code == 422
    assert f"{strict.title}: Die Punktzahl muss zwischen 0 und 5 liegen." in refused.content.decode()
    assert not Score.objects.exists()
    saved = post_form(client, cleared, review, save="1", **{f"score_{strict.pk}": "2", f"score_{lenient.pk}": "na"})
    assert saved.status_code == 302
    score = Score.objects.get(criterion=lenient)
    assert (score.value, score.not_applicable) == (None, True)


def test_submitting_locks_the_review(client, cleared):
    send_form(client, cleared, points=5, submit="1")
    confirm_submission(client, cleared)
    review = Review.objects.get(assignment=cleared)
    assert review.status == ReviewStatus.SUBMITTED
    assert review.submitted_at is not None
    assert review.scores.count() == review.rubric.criteria.count()
    again = post_form(client, cleared, review, points=1, save="1", strengths="Nachträglich geändert.")
    assert again.status_code == 302
    review.refresh_from_db()
    assert review.strengths == "Breite Verankerung."
    page = client.get(reverse("reviews:review", args=[cleared.pk])).content.decode()
    assert "kann nicht mehr geändert werden" in page
    assert 'name="submit"' not in page


def second_tab_is_refused(client, assignment, review, **second):
    """The form of `review` is saved in a first tab; the same form, typed on in a second tab (`second`), then
    carries a stale version: it is refused with 409 and keeps its text."""
    first = post_form(client, assignment, review, save="1", strengths="Aus dem ersten Tab.")
    assert first.status_code == 302
    refused = post_form(client, assignment, review, strengths="Aus dem zweiten Tab, lange getippt.", **second)
    assert refused.status_code == 409
    page = refused.content.decode()
    assert "an anderer Stelle (etwa in einem anderen Tab) gespeichert" in page
    assert "Aus dem zweiten Tab, lange getippt." in page


def test_a_second_tab_saving_a_stale_version_is_refused_and_keeps_its_text(client, cleared):
    save_draft(client, cleared)
    review = open_form(client, cleared)
    second_tab_is_refused(client, cleared, review, save="1")
    review.refresh_from_db()
    assert review.strengths == "Aus dem ersten Tab."
    assert review.version == 3


def stored_state():
    """Everything a GET must leave alone: reviews with their snapshot and version, scores, history rows."""
    return (
        sorted(Review.objects.values_list("pk", "submission_id", "version", "status")),
        Score.objects.count(),
        Review.history.count(),
        Score.history.count(),
    )


def test_opening_the_pages_of_a_fresh_assignment_stores_nothing(client, cleared):
    client.force_login(cleared.expert)
    for _ in range(2):
        assignment_page = client.get(reverse("reviews:assignment", args=[cleared.pk]))
        form_page = client.get(reverse("reviews:review", args=[cleared.pk]))
        assert (assignment_page.status_code, form_page.status_code) == (200, 200)
    assert stored_state() == ([], 0, 0, 0)
    assert "Gutachten bearbeiten" in assignment_page.content.decode()
    assert 'name="version" value="0"' in form_page.content.decode()
    listing = client.get(reverse("reviews:my_assignments")).content.decode()
    assert 'data-state="cleared">freigegeben – Gutachten noch nicht begonnen</td>' in listing


def test_opening_the_pages_after_a_resubmission_leaves_the_older_draft_where_it_is(client, strategy, cleared, office):
    draft = save_draft(client, cleared, strengths="Auf Fassung 1 geschrieben.")
    resubmit(strategy, office)
    before = stored_state()
    assignment_page = client.get(reverse("reviews:assignment", args=[cleared.pk])).content.decode()
    form_page = client.get(reverse("reviews:review", args=[cleared.pk])).content.decode()
    assert stored_state() == before
    draft.refresh_from_db()
    assert (draft.submission.number, draft.version) == (1, 2)
    assert "Geändert seit Einreichung Nr. 1 (jetzt Nr. 2)" in assignment_page
    assert "Einreichung Nr. 2" in assignment_page
    assert "Auf Fassung 1 geschrieben." in form_page
    assert 'name="version" value="2"' in form_page
    # The first save moves the draft to the new snapshot and stores the input.
    response = client.post(
        reverse("reviews:review", args=[cleared.pk]), review_post(draft, save="1", strengths="Für Fassung 2 ergänzt.")
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.submission.number, draft.version, draft.strengths) == (2, 3, "Für Fassung 2 ergänzt.")
    assert Review.objects.count() == 1


def review_initial_post(reading):
    """The form as it was shown, posted unchanged with "Entwurf speichern"."""
    data = dict(review_initial(reading.review, reading.scores))
    data["save"] = "1"
    return data


def test_after_a_resubmission_the_form_shows_the_carried_over_review_without_storing_it(
    client, strategy, cleared, office
):
    earlier = submitted_review(cleared, 4)
    resubmit(strategy, office)
    client.force_login(cleared.expert)
    before = stored_state()
    form_page = client.get(reverse("reviews:review", args=[cleared.pk])).content.decode()
    assignment_page = client.get(reverse("reviews:assignment", args=[cleared.pk])).content.decode()
    assert stored_state() == before
    assert Review.objects.get() == earlier
    criterion = earlier.rubric.criteria.first()
    assert f'name="score_{criterion.pk}" id="id_score_{criterion.pk}_4" value="4" checked' in form_page
    assert "Begründung</textarea>" in form_page and 'name="version" value="0"' in form_page
    assert "Geändert seit Einreichung Nr. 1 (jetzt Nr. 2)" in assignment_page
    assert "Gutachten bearbeiten" in assignment_page
    # Saving creates the new draft of submission 2 with the carried-over scores; the old review stays pinned.
    reading = services.review_for_reading(assignment=cleared)
    data = review_initial_post(reading)
    assert client.post(reverse("reviews:review", args=[cleared.pk]), data).status_code == 302
    new = Review.objects.get(assignment=cleared, submission__number=2)
    assert (new.status, new.strengths) == (ReviewStatus.DRAFT, "Stärken")
    assert sorted(set(new.scores.values_list("value", flat=True))) == [4]
    earlier.refresh_from_db()
    assert (earlier.submission.number, earlier.status) == (1, ReviewStatus.SUBMITTED)


def test_the_first_save_creates_the_draft_on_the_latest_snapshot(client, cleared):
    assert open_form(client, cleared).pk is None
    send_form(client, cleared, points=2, save="1")
    stored = Review.objects.get(assignment=cleared)
    assert stored.submission == cleared.strategy.latest_submission
    assert (stored.status, stored.strengths) == (ReviewStatus.DRAFT, "Breite Verankerung.")
    assert stored.scores.count() == stored.rubric.criteria.count()
    page = client.get(reverse("reviews:review", args=[cleared.pk])).content.decode()
    assert f'name="version" value="{stored.version}"' in page


def test_the_first_submit_creates_and_submits_the_review(client, cleared):
    send_form(client, cleared, points=5, submit="1")
    confirm_submission(client, cleared)
    stored = Review.objects.get(assignment=cleared)
    assert stored.status == ReviewStatus.SUBMITTED
    assert stored.scores.count() == stored.rubric.criteria.count()


def test_two_tabs_from_an_unsaved_draft_the_first_save_creates_it_and_the_second_is_refused(client, cleared):
    review = open_form(client, cleared)
    second_tab_is_refused(client, cleared, review, points=1, submit="1")
    stored = Review.objects.get(assignment=cleared)
    assert (stored.status, stored.strengths) == (ReviewStatus.DRAFT, "Aus dem ersten Tab.")
    assert set(stored.scores.values_list("value", flat=True)) == {3}


def test_after_the_deadline_nothing_is_saved_or_submitted(client, cycle, cleared):
    review = open_form(client, cleared)
    now = timezone.now()
    cycle.__class__.objects.filter(pk=cycle.pk).update(
        submission_opens_at=now - timedelta(days=90),
        submission_deadline=now - timedelta(days=40),
        review_deadline=now - timedelta(hours=1),
    )
    url = reverse("reviews:review", args=[cleared.pk])
    assert "Die Frist für Gutachten ist abgelaufen." in client.get(url).content.decode()
    for action in ("save", "submit"):
        response = client.post(url, review_post(review, **{action: "1"}))
        assert response.status_code == 422
        assert "Die Frist für Gutachten ist am" in response.content.decode()
        assert "Breite Verankerung." in response.content.decode()
    assert not Review.objects.exists()
    assert not Score.objects.exists()


# --- The other experts' reviews -----------------------------------------------------------------------------


def others_world(strategy, office):
    mine = cleared_assignment(strategy, office=office)
    others = [cleared_assignment(strategy, office=office) for _ in range(2)]
    for other in others:
        review = submitted_review(other, 2)
        Review.objects.filter(pk=review.pk).update(confidential_note=f"Geheim von {other.pseudonym}")
    return mine, others


def test_others_reviews_stay_hidden_until_the_own_review_is_submitted(client, strategy, office):
    mine, others = others_world(strategy, office)
    review = save_draft(client, mine)
    page = client.get(reverse("reviews:assignment", args=[mine.pk])).content.decode()
    assert "sobald Sie Ihr eigenes Gutachten" in page
    assert "Gutachter/in B" not in page and "Gutachter/in C" not in page
    post_form(client, mine, review, points=5, submit="1")
    confirm_submission(client, mine)
    page = client.get(reverse("reviews:assignment", args=[mine.pk])).content.decode()
    assert 'data-testid="other-reviews"' in page
    assert "Gutachter/in A" in page and "Gutachter/in B" in page and "Gutachter/in C" in page
    assert "2 / 5" in page and "5 / 5" in page


def test_others_reviews_never_show_names_emails_or_confidential_notes(client, strategy, office):
    mine, others = others_world(strategy, office)
    submitted_review(mine, 4)
    client.force_login(mine.expert)
    page = client.get(reverse("reviews:assignment", args=[mine.pk])).content.decode()
    assert "Gutachter/in B" in page
    for other in others:
        assert other.expert.get_full_name() not in page
        assert other.expert.email not in page
        assert f"Geheim von {other.pseudonym}" not in page
    assert "Vertrauliche Notiz" not in page


def test_others_reviews_mark_the_experts_own_column_only(client, strategy, office):
    mine, _others = others_world(strategy, office)
    submitted_review(mine, 4)
    client.force_login(mine.expert)
    page = client.get(reverse("reviews:assignment", args=[mine.pk])).content.decode()
    assert page.count("(Ihr Gutachten)") == 1
    assert f'{mine.pseudonym_label} <span class="fw-normal">(Ihr Gutachten)</span>' in page


def test_an_abstention_unlocks_nothing(client, strategy, office):
    mine, _others = others_world(strategy, office)
    submitted_review(mine, 3, recommendation="abstain")
    client.force_login(mine.expert)
    page = client.get(reverse("reviews:assignment", args=[mine.pk])).content.decode()
    assert "Gutachter/in B" not in page
    assert "sobald Sie Ihr eigenes Gutachten" in page
    assert not Review.objects.visible_to(mine.expert).exclude(assignment=mine).exists()
