"""axe-core finds no WCAG 2.1 A/AA violation on any page of any role's journey, at 1280 and 390 px, in German
and in English; and a violation makes the check fail.

Each journey is data (JOURNEYS: URL name and arguments per page), so a new page is one line. One scenario holds
the whole cycle at once: an alliance whose strategy is submitted, reviewed, decided and released, one still in
draft, an expert with a review to write and a declaration to make, a question and an FAQ entry. It is built and
committed once for the module (building it renders PDFs: it is the slow part) and every journey reads it; a
journey's writes (a comment, sessions) must not change another journey's pages.

Each page is loaded once per language and checked at both widths by resizing the viewport: the server sends the
same HTML to both, and the portal's scripts do not read the width, so only the style sheets' media queries differ.
"""

from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.urls import reverse

from alliances.models import DocumentKind
from decisions import services as decision_services
from dossiers.models import DossierKind
from portal.models import OutgoingMessage, Role
from reviews import services as review_services
from reviews.services.jury_mode import close_pitch, start_pitch
from tests.browser.accessibility import AccessibilityViolations, assert_accessible
from tests.browser.conftest import login
from tests.factories import (
    AllianceFactory,
    CompleteStrategyFactory,
    EvaluationCycleFactory,
    ExpertProfileFactory,
    FaqEntryFactory,
    UserFactory,
    asked_question,
    berlin,
    checked_document,
    cleared_assignment,
    decision_content,
    jury_session,
    manager_of,
    ministry_user,
    pdf_upload,
    pitched,
    programme_rubric,
    ready_dossier,
    submitted_review,
    submitted_strategy,
    votum_with_conditions,
)
from tests.permission_routes import MATRIX_OF

# The first journey on a test process builds the scenario, and the programme office's, the longest, checks 38 page
# states at two widths: room for a busy machine.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(480), pytest.mark.usefixtures("committed_once")]

VIEWPORTS = {"1280px": {"width": 1280, "height": 800}, "390px": {"width": 390, "height": 844}}
LANGUAGES = ["de", "en"]


@dataclass(frozen=True)
class Visit:
    """One page of a journey: a URL name, its arguments from the scenario, an optional query string, and the status
    it answers (an error page is a page too)."""

    name: str
    kwargs: object = field(default=lambda s: {})
    query: str = ""
    status: int = 200

    def url(self, scenario):
        path = reverse(self.name, kwargs=self.kwargs(scenario))
        return f"{path}?{self.query}" if self.query else path


def strategy_of(key):
    return lambda s: {"cycle_slug": s["cycle"].slug, "alliance_slug": s[key].alliance.slug}


def cycle_only(s):
    return {"cycle_slug": s["cycle"].slug}


def jury_session_of(s):
    return {"cycle_slug": s["cycle"].slug, "session_id": s["jury_session"].pk}


def pitch_of(key):
    return lambda s: {**jury_session_of(s), "slot_uid": s[key].uid}


# Pages every signed-in person has, whatever the role: the same templates, so they are checked in the two journeys
# that sign in differently (a manager with a password, the programme office with an authenticator app too).
OWN_ACCOUNT = [
    Visit("my_data"),
    Visit("erasure_request"),
    Visit("notification_preferences"),
    Visit("account_security"),
    Visit("account_change_password"),
    Visit("account_email"),
    Visit("mfa_index"),
    Visit("mfa_activate_totp"),  # or the re-authentication it asks for first: a page of the journey as well
    Visit("usersessions_list"),
    Visit("reviews:calendar_feed"),
    Visit("portal:search", query="q=Lausitz"),
    Visit("privacy_notice"),
]

JOURNEYS = {
    "manager": [
        Visit("home"),
        Visit("alliances:strategy", strategy_of("draft")),
        Visit("alliances:strategy_preview", strategy_of("draft")),
        Visit("alliances:strategy_submit", strategy_of("draft")),
        Visit("alliances:strategy_history", strategy_of("draft")),
        Visit("alliances:strategy", strategy_of("submitted")),
        Visit("alliances:strategy_history", strategy_of("submitted")),
        Visit("alliances:submission", lambda s: {**strategy_of("submitted")(s), "number": 1}),
        Visit("alliances:my_questions"),
        Visit("alliances:question_ask"),
        Visit("alliances:question_detail", lambda s: {"public_id": s["question"].public_id}),
        Visit("decisions:my_decisions"),
        Visit("decisions:alliance_decision", strategy_of("submitted")),
        Visit("alliances:faq_current"),
        Visit("alliances:barrier_report"),
        Visit("reviews:alliance_pitch", strategy_of("submitted")),
        Visit("alliances:overview", cycle_only, status=403),  # the page for a wrong role
        *OWN_ACCOUNT,
    ],
    "expert": [
        Visit("home"),
        Visit("reviews:my_assignments"),
        Visit("reviews:assignment", lambda s: {"pk": s["waiting_assignment"].pk}),
        Visit("reviews:assignment", lambda s: {"pk": s["cleared_assignment"].pk}),
        Visit("reviews:review", lambda s: {"pk": s["cleared_assignment"].pk}),
        Visit("reviews:review_submit", lambda s: {"pk": s["cleared_assignment"].pk}),
        Visit("reviews:my_jury_sessions"),
        Visit("reviews:jury_session", jury_session_of),
        Visit("reviews:jury_note", pitch_of("upcoming_pitch")),
        Visit("reviews:jury_note", pitch_of("held_pitch")),
        Visit("reviews:jury_result", pitch_of("held_pitch")),
    ],
    "programme_office": [
        Visit("home"),
        Visit("alliances:overview", cycle_only),
        Visit("alliances:cycle_settings", cycle_only),
        Visit("alliances:strategy", strategy_of("submitted")),
        Visit("alliances:strategy", strategy_of("draft")),
        Visit("alliances:strategy_history", strategy_of("submitted")),
        Visit("alliances:strategy_reopen", strategy_of("submitted")),
        Visit("alliances:strategy_extend", strategy_of("draft")),
        Visit("alliances:question_queue"),
        Visit("alliances:question_detail", lambda s: {"public_id": s["question"].public_id}),
        Visit("alliances:faq", cycle_only),
        Visit("reviews:office_rubric", cycle_only),
        Visit("reviews:office_policy", cycle_only),
        Visit("reviews:office_assignments", cycle_only),
        Visit("reviews:office_balancer", cycle_only),
        Visit("reviews:office_import", cycle_only),
        Visit(
            "reviews:office_assign",
            lambda s: {"cycle_slug": s["cycle"].slug, "strategy_pk": s["second"].pk, "expert_pk": s["free_expert"].pk},
        ),
        Visit(
            "reviews:office_withdraw",
            lambda s: {"cycle_slug": s["cycle"].slug, "assignment_pk": s["waiting_assignment"].pk},
        ),
        Visit("reviews:office_progress", cycle_only),
        Visit("reviews:office_experts", cycle_only),
        Visit("reviews:office_expert_profile", lambda s: {"cycle_slug": s["cycle"].slug, "expert_pk": s["expert"].pk}),
        Visit("reviews:office_votum", lambda s: {"cycle_slug": s["cycle"].slug, "strategy_pk": s["submitted"].pk}),
        Visit(
            "reviews:office_review_reopen",
            lambda s: {"cycle_slug": s["cycle"].slug, "review_pk": s["submitted_review"].pk},
        ),
        Visit("alliances:alliance_letter_data", lambda s: {"alliance_slug": s["submitted"].alliance.slug}),
        Visit("outbox"),
        Visit("outbox_message", lambda s: {"pk": s["message"].pk}),
        Visit("reviews:jury_sessions", cycle_only),
        Visit("reviews:jury_session_new", cycle_only),
        Visit("reviews:jury_session_edit", jury_session_of),
        Visit("reviews:jury_schedule", jury_session_of),
        Visit("reviews:jury_slot_cancel", pitch_of("upcoming_pitch")),
        Visit("reviews:jury_planner", cycle_only),
        Visit("reviews:jury_session", jury_session_of),
        *OWN_ACCOUNT,
    ],
    "ministry": [
        Visit("home"),
        Visit("decisions:dashboard", cycle_only),
        Visit("decisions:alliance", strategy_of("submitted")),
        Visit("decisions:alliance", strategy_of("second")),
        Visit("decisions:timeline", cycle_only),
        Visit("decisions:release_all", cycle_only),
        Visit("decisions:letter_preview", lambda s: {**strategy_of("submitted")(s), "pk": s["decision"].pk}),
        Visit("alliances:overview", cycle_only),
        Visit("alliances:strategy", strategy_of("submitted")),
        Visit("dossiers:detail", lambda s: {"public_id": s["evaluation_dossier"].public_id}),
        Visit("alliances:faq_current"),
        Visit("reviews:jury_sessions", cycle_only),
        Visit("reviews:jury_schedule", jury_session_of),
        Visit("reviews:jury_session", jury_session_of),
    ],
    # An admin's start page is the Django admin, support tooling outside the portal's templates.
    "admin": [
        Visit("locked_accounts"),
        Visit("erasure_queue"),
        Visit("dossiers:privacy_record"),
        Visit("my_data"),
    ],
}

# Forms sent empty, so that the page shows its validation errors (the browser's own checks are switched off, as a
# browser without them would send the form): one refused form per journey.
REFUSED_FORMS = {
    "manager": Visit("alliances:question_ask"),
    "expert": Visit("reviews:assignment", lambda s: {"pk": s["waiting_assignment"].pk}),
    "programme_office": Visit("alliances:strategy_reopen", strategy_of("submitted")),
    "ministry": Visit("decisions:alliance", strategy_of("second")),
}

ANONYMOUS = [
    Visit("account_login"),
    Visit("account_reset_password"),
    Visit("privacy_notice"),
    Visit("accessibility_statement"),
    Visit("easy_read"),
    Visit("alliances:barrier_report"),
]


def build_scenario():
    """The whole cycle at once, built through the real services (see the module docstring)."""
    cycle = EvaluationCycleFactory()
    programme_rubric(cycle)
    office = UserFactory(email="pt@ptj.example", role=Role.PROGRAMME_OFFICE, full_name="Petra Träger")
    bmbf1, bmbf2 = ministry_user("bmbf1@bmbf.example"), ministry_user("bmbf2@bmbf.example")
    admin = UserFactory(email="admin@portal.example", role=Role.ADMIN, is_staff=True, is_superuser=True)
    lausitz = AllianceFactory(slug="gesunde-lausitz", name="Gesunde Lausitz", states=["BB", "SN"])
    manager = manager_of(lausitz, email="manager@gesunde-lausitz.example")
    submitted, _submission = submitted_strategy(cycle, lausitz, manager)
    second, _ = submitted_strategy(cycle, AllianceFactory(slug="harz", name="Innovationsregion Harz"))
    # The same manager also works on a second alliance's strategy that is still a draft.
    diana = AllianceFactory(slug="diana", name="DIANA", states=["SN"])
    manager_of(diana, email=manager.email)
    draft = CompleteStrategyFactory(cycle=cycle, alliance=diana)
    checked_document(draft, manager, DocumentKind.MAIN, pdf_upload())

    reviews = [submitted_review(cleared_assignment(submitted, office=office), points) for points in (4, 5)]
    votum_with_conditions(submitted, office, Decimal("450000"), conditions="Beirat einrichten")
    decision = decision_services.propose_decision(strategy=submitted, user=bmbf1, **decision_content())
    decision_services.confirm_decision(decision=decision, user=bmbf2)
    decision_services.release_decision(decision=decision, user=bmbf1)
    # The expert joins late: one review to write, one declaration to make.
    expert = ExpertProfileFactory(
        user=UserFactory(role=Role.EXPERT, email="gutachterin@uni.example", full_name="Dr. Gudrun Achter")
    ).user
    cleared = cleared_assignment(submitted, expert=expert, office=office)
    review_services.open_review(assignment=cleared, user=expert)
    waiting = review_services.assign_expert(strategy=second, expert=expert, user=office)
    free_expert = ExpertProfileFactory().user
    # The expert chairs a jury session with the ministry observing: Gesunde Lausitz has pitched, Harz is next.
    session = jury_session(
        cycle, starts_at=berlin(2030, 11, 12, 9), hours=2, jurors=[expert], chair=expert, observers=[bmbf2]
    )
    held, upcoming = pitched(session, submitted), pitched(session, second)
    start_pitch(slot=held, user=expert)
    close_pitch(slot=held, user=expert)

    question = asked_question(cycle, lausitz, manager)
    FaqEntryFactory(cycle=cycle, published_by=office)
    evaluation = ready_dossier(kind=DossierKind.EVALUATION, cycle=cycle, strategy=submitted, requested_by=bmbf1)
    return {
        "cycle": cycle,
        "submitted": submitted,
        "second": second,
        "draft": draft,
        "question": question,
        "decision": decision,
        "expert": expert,
        "free_expert": free_expert,
        "cleared_assignment": cleared,
        "waiting_assignment": waiting,
        "submitted_review": reviews[0],
        "evaluation_dossier": evaluation,
        "jury_session": session,
        "held_pitch": held,
        "upcoming_pitch": upcoming,
        "message": OutgoingMessage.objects.order_by("pk").first(),
        "users": {
            "manager": manager,
            "expert": expert,
            "programme_office": office,
            "ministry": bmbf2,
            "admin": admin,
        },
    }


@pytest.fixture(scope="module")
def scenario(committed_once):
    return build_scenario()


def speak(page, live_server, language):
    """The portal's language switch stores the choice in Django's language cookie; set it directly."""
    from django.conf import settings

    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])


def send_empty(page, live_server, visit, scenario):
    """Sends the page's first form in <main> with nothing filled in and waits for the refused form."""
    page.goto(f"{live_server.url}{visit.url(scenario)}")
    page.evaluate("() => document.querySelectorAll('main form').forEach((form) => { form.noValidate = true; })")
    # With the keyboard: a mouse left over the button would check its hover colours at the other width.
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.locator("main form [type=submit]").first.press("Enter")
    page.wait_for_load_state()
    return answer.value.status


def comment_through_htmx(page, live_server, scenario, label):
    """The programme office comments on a question: htmx swaps the comments panel in place."""
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}{reverse('alliances:question_detail', args=[scenario['question'].public_id])}")
    comments = page.locator("#comments")
    comments.locator("textarea").fill(f"Abgestimmt ({label}).")
    comments.get_by_role("button").press("Enter")  # the keyboard, as in `send_empty`
    expect(page.locator("#comments")).to_contain_text(f"Abgestimmt ({label}).")


def axe_failures(page, label):
    """The violations axe finds on the page as it stands, as one report, or nothing."""
    try:
        assert_accessible(page, label)
    except AccessibilityViolations as violations:
        return [str(violations)]
    return []


def axe_failures_at_both_widths(page, label):
    """The violations axe finds on the page as it stands at each width of VIEWPORTS (the viewport resized, the page
    not reloaded), labelled with the width; the viewport stays at the last one."""
    failures = []
    for viewport, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        failures += axe_failures(page, f"{label} at {viewport}")
    return failures


def check_pages(page, live_server, visits, scenario, label, language):
    """Visits each page, runs axe on it at both widths and returns the failures (wrong status or language,
    violations)."""
    failures = []
    for visit in visits:
        url = visit.url(scenario)
        response = page.goto(f"{live_server.url}{url}")
        if response is None or response.status != visit.status:
            failures.append(f"{label} {url}: status {response and response.status}, expected {visit.status}")
            continue
        spoken = page.evaluate("() => document.documentElement.lang")
        if spoken != language:
            failures.append(f"{label} {url}: the page speaks {spoken!r}, expected {language!r}")
        failures += axe_failures_at_both_widths(page, f"{label} {visit.name}")
    return failures


def unexpected_problems(page, live_server, visits, scenario):
    """The page's console errors and CSP violations, less the browser's note on each error page visited on purpose."""
    expected = {
        f"console error on {live_server.url}{visit.url(scenario)}: Failed to load resource: "
        f"the server responded with a status of {visit.status} "
        for visit in visits
        if visit.status != 200
    }
    # An admin signs in to the Django admin, which asks for a /favicon.ico the portal does not serve.
    expected.add(
        f"console error on {live_server.url}/admin/: Failed to load resource: "
        "the server responded with a status of 404 "
    )
    return [problem for problem in page.problems if not any(problem.startswith(note) for note in expected)]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", list(JOURNEYS))
def test_every_page_of_the_journey_passes_axe_at_both_widths(page, live_server, scenario, role, language):
    """One login per role and language; one test per role and language, so that parallel test processes share the
    journeys out evenly."""
    login(page, live_server, scenario["users"][role].email)
    speak(page, live_server, language)
    label = f"{role} {language}"
    failures = check_pages(page, live_server, JOURNEYS[role], scenario, label, language)
    if role in REFUSED_FORMS:
        status = send_empty(page, live_server, REFUSED_FORMS[role], scenario)
        assert status == 422, f"{label}: the empty form on {page.url} was not refused ({status})"
        failures += axe_failures_at_both_widths(page, f"{label} {REFUSED_FORMS[role].name} refused")
    if role == "programme_office":
        comment_through_htmx(page, live_server, scenario, label)
        failures += axe_failures_at_both_widths(page, f"{label} comments swapped by htmx")
    assert failures == [], "\n\n".join(failures)
    assert unexpected_problems(page, live_server, JOURNEYS[role], scenario) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_public_pages_and_their_states_pass_axe_at_both_widths(page, live_server, language):
    speak(page, live_server, language)
    label = f"anonymous {language}"
    failures = check_pages(page, live_server, ANONYMOUS, {}, label, language)

    # A page that does not exist: the portal's 404 page.
    response = page.goto(f"{live_server.url}/gibt-es-nicht/")
    assert response.status == 404
    failures += axe_failures_at_both_widths(page, f"{label} 404")

    # The login form refusing a wrong password shows its errors.
    page.goto(f"{live_server.url}{reverse('account_login')}")
    page.locator("main form input[name=login]").fill("niemand@example.org")
    page.locator("main form input[name=password]").fill("falsch")
    page.locator("main form [type=submit]").first.press("Enter")  # the keyboard, as in `send_empty`
    page.locator("main form .alert-danger, main form .invalid-feedback").first.wait_for()
    failures += axe_failures_at_both_widths(page, f"{label} login with errors")
    assert failures == [], "\n\n".join(failures)
    not_found = f"console error on {live_server.url}/gibt-es-nicht/: Failed to load resource"
    assert [problem for problem in page.problems if not problem.startswith(not_found)] == []


def test_a_violation_fails_the_check_and_names_its_rule(page, live_server):
    page.goto(f"{live_server.url}{reverse('privacy_notice')}")
    assert_accessible(page, "privacy notice as shipped")
    page.evaluate(
        """() => {
          const img = document.createElement("img");
          img.src = "data:image/gif;base64,R0lGODlhAQABAAAAACw=";
          img.id = "no-alternative";
          document.querySelector("main").append(img);
        }"""
    )
    with pytest.raises(AccessibilityViolations) as raised:
        assert_accessible(page, "privacy notice with an image without alt")
    assert raised.value.rule_ids == ["image-alt"]
    assert "#no-alternative" in str(raised.value)
    # Injected through the DevTools protocol: the page's CSP saw nothing to refuse.
    assert page.problems == []


def test_every_journey_page_has_a_permission_matrix():
    """Journeys name real routes that the permission matrix covers (a renamed route fails here first)."""
    names = {visit.name for visits in [*JOURNEYS.values(), ANONYMOUS] for visit in visits}
    assert names - set(MATRIX_OF) == set()
