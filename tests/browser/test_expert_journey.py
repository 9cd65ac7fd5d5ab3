"""Journey: an expert logs in, declares no conflict of interest, reads the strategy, scores every criterion,
submits the review and then sees the other experts' reviews side by side, by pseudonym only."""

import pytest
from playwright.sync_api import expect

from portal.models import Role
from reviews import services
from reviews.models import Review, ReviewStatus
from tests.browser.conftest import assert_page_sound, login
from tests.factories import (
    AllianceFactory,
    ExpertProfileFactory,
    UserFactory,
    cleared_assignment,
    programme_rubric,
    submitted_review,
    submitted_strategy,
)

pytestmark = pytest.mark.browser


def test_expert_declares_scores_submits_and_reads_the_others(page, live_server, cycle):
    rubric = programme_rubric(cycle)
    strategy, _submission = submitted_strategy(cycle, AllianceFactory(name="Gesunde Lausitz"))
    office = UserFactory(role=Role.PROGRAMME_OFFICE)
    colleagues = [cleared_assignment(strategy, office=office) for _ in range(2)]
    for colleague in colleagues:
        submitted_review(colleague, 2)
    expert = ExpertProfileFactory(
        user=UserFactory(role=Role.EXPERT, email="gutachterin@uni.example", full_name="Dr. Gudrun Achter")
    ).user
    assignment = services.assign_expert(strategy=strategy, expert=expert, user=office)

    # The expert logs in and lands on the assignments, one declaration due.
    login(page, live_server, expert.email)
    expect(page.get_by_role("heading", level=1, name="Meine Begutachtungen")).to_be_visible()
    expect(page.get_by_test_id("progress")).to_have_text("0 von 1 abgegeben")
    assert_page_sound(page)

    # Declares that there is no conflict of interest; only then the strategy shows.
    page.get_by_role("link", name="Erklärung abgeben").click()
    expect(page.get_by_text("Drei Vorhabenlinien.")).to_have_count(0)
    assert_page_sound(page)
    page.get_by_label("Nein, es besteht kein Interessenkonflikt.").check()
    page.get_by_role("button", name="Erklärung abgeben").click()
    expect(page.locator("#messages")).to_contain_text("Die Unterlagen der Strategie sind jetzt für Sie freigegeben.")
    expect(page.get_by_text("Drei Vorhabenlinien.")).to_be_visible()
    expect(page.get_by_role("link", name="strategie.pdf")).to_be_visible()
    expect(page.get_by_text("sobald Sie Ihr eigenes Gutachten")).to_be_visible()
    assert_page_sound(page)

    # Scores every criterion with a justification, recommends funding and submits.
    page.get_by_role("link", name="Gutachten bearbeiten").click()
    for criterion in rubric.criteria.all():
        group = page.get_by_role("group", name=criterion.title).first
        group.get_by_label("4 – gut").check()
        group.get_by_label("Begründung").fill(f"Nachvollziehbar dargestellt: {criterion.title}.")
    page.get_by_label("fördern", exact=True).check()
    page.get_by_label("Stärken").fill("Breite regionale Verankerung.")
    page.get_by_label("Vertrauliche Notiz an das Ministerium").fill("Nur für das Ministerium.")
    assert_page_sound(page)
    page.get_by_role("button", name="Abgeben").click()
    # The confirmation page says what becomes binding; only its button submits.
    expect(page.get_by_role("heading", name="Gutachten verbindlich abgeben")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Sie können es danach nicht mehr ändern.")
    assert_page_sound(page)
    page.get_by_role("button", name="Verbindlich abgeben").click()
    expect(page.locator("#messages")).to_contain_text("Ihr Gutachten ist abgegeben.")

    # Now the others' reviews show side by side, by pseudonym, never by name.
    table = page.get_by_test_id("other-reviews")
    expect(table).to_be_visible()
    for colleague in colleagues:
        expect(table).to_contain_text(str(colleague.pseudonym_label))
        expect(page.locator("body")).not_to_contain_text(colleague.expert.get_full_name())
    expect(table).to_contain_text("4 / 5")
    expect(table).to_contain_text("2 / 5")
    assert_page_sound(page)
    review = Review.objects.get(assignment=assignment)
    assert review.status == ReviewStatus.SUBMITTED
    assert review.scores.count() == rubric.criteria.count()
    assert review.confidential_note == "Nur für das Ministerium."

    page.get_by_role("link", name="Zurück zu meinen Begutachtungen").click()
    expect(page.get_by_test_id("progress")).to_have_text("1 von 1 abgegeben")
