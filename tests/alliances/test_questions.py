"""Questions and answers: asking, answering, internal notes, the anonymised FAQ, its search and daily digest."""

import hashlib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from alliances import services
from alliances.models import FaqDigest, FaqEntry, Question, QuestionStatus, QuestionTopic
from alliances.tasks import send_faq_digests
from portal.models import NotificationKind, NotificationPreference, OutgoingMessage, Role
from tests.factories import (
    AllianceFactory,
    FaqEntryFactory,
    QuestionFactory,
    StrategyFactory,
    UserFactory,
    asked_question,
    manager_of,
    pdf_bytes,
    pdf_upload,
)
from tests.helpers import count_queries, race

pytestmark = pytest.mark.django_db

QUESTION_TEXT = "Dürfen Reisekosten für Partner aus Polen im Finanzplan stehen?"


@pytest.fixture
def taking_part(strategy, other_strategy):
    """Both alliances take part in the cycle (each has a strategy in it)."""
    return strategy, other_strategy


@pytest.fixture
def question(cycle, alliance, manager, taking_part, programme_office):
    return services.ask_question(
        cycle=cycle, alliance=alliance, user=manager, topic=QuestionTopic.BUDGET, text=QUESTION_TEXT
    )


def answered(question, office, answer="Ja, wenn die Reise dem Vorhaben dient."):
    return services.answer_question(question=question, user=office, answer=answer, expected_version=question.version)


def messages_of(kind):
    return list(OutgoingMessage.objects.filter(kind=kind).order_by("recipient_email"))


# --- Asking -------------------------------------------------------------------------------------------------


def test_asking_keeps_the_question_in_history_and_notifies_the_programme_office_without_its_text(
    cycle, alliance, taking_part, programme_office, manager, django_capture_on_commit_callbacks
):
    second_office = UserFactory(role=Role.PROGRAMME_OFFICE, email="pt2@ptj.example")
    with django_capture_on_commit_callbacks(execute=True):
        question = services.ask_question(
            cycle=cycle, alliance=alliance, user=manager, topic=QuestionTopic.BUDGET, text=QUESTION_TEXT
        )
    assert question.status == QuestionStatus.OPEN and question.version == 1
    record = question.history.get()
    assert record.history_user == manager and record.history_change_reason == "Frage gestellt"
    notices = messages_of(NotificationKind.QUESTION)
    assert [m.recipient_email for m in notices] == sorted([programme_office.email, second_office.email])
    body = notices[0].body_text
    assert "WIR!-Strategieportal" in body
    assert reverse("alliances:question_detail", args=[question.public_id]) in body
    assert QUESTION_TEXT not in body and QUESTION_TEXT not in notices[0].body_html
    assert notices[0].status == "sent" and len(mail.outbox) == 2


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_an_empty_question_is_refused_in_german(cycle, alliance, manager, taking_part, text):
    with pytest.raises(ValidationError, match="Bitte geben Sie Ihre Frage ein."):
        services.ask_question(cycle=cycle, alliance=alliance, user=manager, topic="process", text=text)
    assert not Question.objects.exists()


def test_the_ask_form_refuses_an_empty_question_and_one_over_the_length_limit(client, manager, taking_part):
    client.force_login(manager)
    url = reverse("alliances:question_ask")
    response = client.post(url, {"topic": "process", "text": ""})
    assert response.status_code == 422
    assert "Bitte geben Sie Ihre Frage ein." in response.content.decode()
    response = client.post(url, {"topic": "process", "text": "x" * (services.QUESTION_MAX_LENGTH + 1)})
    assert response.status_code == 422
    assert "Die Frage ist zu lang: höchstens 4000 Zeichen, eingegeben 4001." in response.content.decode()
    assert not Question.objects.exists()


def test_the_service_refuses_a_question_over_the_length_limit(cycle, alliance, manager, taking_part):
    with pytest.raises(ValidationError, match="zu lang"):
        services.ask_question(
            cycle=cycle, alliance=alliance, user=manager, topic="process", text="x" * (services.QUESTION_MAX_LENGTH + 1)
        )


def test_an_attachment_that_is_not_a_pdf_is_refused(client, manager, taking_part):
    client.force_login(manager)
    fake = pdf_upload(name="frage.pdf", content=b"MZ\x90\x00 this is an executable")
    response = client.post(
        reverse("alliances:question_ask"), {"topic": "process", "text": QUESTION_TEXT, "attachment": fake}
    )
    assert response.status_code == 422
    assert "Die Datei ist kein PDF-Dokument. Bitte laden Sie eine PDF-Datei hoch." in response.content.decode()
    assert not Question.objects.exists()


def test_a_manager_asks_with_a_pdf_and_the_office_downloads_it_under_its_original_name(
    client, manager, other_manager, programme_office, taking_part, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("alliances:question_ask"),
            {
                "topic": "budget",
                "text": QUESTION_TEXT,
                "attachment": pdf_upload(name="../Übersicht Reisen.pdf"),
            },
        )
    question = Question.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "alliances:question_detail", args=[question.public_id]
    )
    assert question.attachment.name == f"questions/{question.cycle_id}/{question.public_id}.pdf"
    assert question.attachment_name == "Übersicht Reisen.pdf" and question.attachment_status == "checked"
    assert question.attachment_original_sha256 == hashlib.sha256(pdf_bytes()).hexdigest()
    url = reverse("alliances:question_attachment", args=[question.public_id])
    client.force_login(programme_office)
    response = client.get(url)
    assert response.status_code == 200
    served = b"".join(response.streaming_content)
    assert served.startswith(b"%PDF-") and hashlib.sha256(served).hexdigest() == question.attachment_sha256
    assert "bersicht" in response["Content-Disposition"]
    client.force_login(other_manager)
    assert client.get(url).status_code == 404


def test_a_manager_sees_the_questions_and_answers_of_their_alliance_only(
    client, question, programme_office, cycle, other_alliance, other_manager
):
    answered(question, programme_office)
    other = asked_question(cycle, other_alliance, other_manager, "Eine Frage des anderen Bündnisses?")
    client.force_login(question.asked_by)
    page = client.get(reverse("alliances:my_questions")).content.decode()
    assert QUESTION_TEXT in page and "Eine Frage des anderen Bündnisses?" not in page
    detail = client.get(reverse("alliances:question_detail", args=[question.public_id])).content.decode()
    assert "Ja, wenn die Reise dem Vorhaben dient." in detail
    assert client.get(reverse("alliances:question_detail", args=[other.public_id])).status_code == 404


def test_an_expert_reaching_the_questions_is_refused_with_403(client, expert, question):
    client.force_login(expert)
    assert client.get(reverse("alliances:my_questions")).status_code == 403
    assert client.get(reverse("alliances:question_detail", args=[question.public_id])).status_code == 403
    assert client.get(reverse("alliances:faq", args=[question.cycle.slug])).status_code == 403


# --- Answering ----------------------------------------------------------------------------------------------


def test_answering_notifies_the_alliance_managers_and_keeps_each_state_in_history(question, programme_office, alliance):
    colleague = manager_of(alliance, email="kollegin@gesunde-lausitz.example")
    OutgoingMessage.objects.all().delete()
    current = answered(question, programme_office)
    assert current.status == QuestionStatus.ANSWERED and current.version == 2
    assert current.answered_by == programme_office and current.answered_at is not None
    notices = messages_of(NotificationKind.QUESTION)
    assert {m.recipient_email for m in notices} == {question.asked_by.email, colleague.email}
    assert "Ja, wenn die Reise" not in notices[0].body_text
    assert "/questions/" in notices[0].body_text and "WIR!-Strategieportal" in notices[0].body_text
    services.answer_question(
        question=current, user=programme_office, answer="Ja, mit Begründung.", expected_version=current.version
    )
    reasons = list(question.history.order_by("history_date").values_list("history_change_reason", "status"))
    assert reasons == [("Frage gestellt", "open"), ("Beantwortet", "answered"), ("Antwort geändert", "answered")]
    # A corrected answer does not e-mail the alliance a second time.
    assert len(messages_of(NotificationKind.QUESTION)) == 2


def test_of_two_answers_with_the_same_expected_version_exactly_one_wins(question, programme_office):
    second_office = UserFactory(role=Role.PROGRAMME_OFFICE, email="pt2@ptj.example")
    services.answer_question(question=question, user=programme_office, answer="Erste Antwort", expected_version=1)
    with pytest.raises(services.QuestionConflict) as conflict:
        services.answer_question(question=question, user=second_office, answer="Zweite Antwort", expected_version=1)
    assert conflict.value.current.answered_by == programme_office
    question.refresh_from_db()
    assert question.answer == "Erste Antwort" and question.version == 2


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_answers_in_threads_leave_exactly_one_winner(cycle, alliance, other_alliance):
    StrategyFactory(cycle=cycle, alliance=alliance)
    asker = manager_of(alliance)
    offices = [UserFactory(role=Role.PROGRAMME_OFFICE, email=f"pt{n}@ptj.example") for n in range(2)]
    question = services.ask_question(cycle=cycle, alliance=alliance, user=asker, topic="process", text=QUESTION_TEXT)
    outcomes = race(
        lambda office: services.answer_question(
            question=question, user=office, answer=f"Antwort von {office.email}", expected_version=1
        ),
        offices,
        services.QuestionConflict,
    )
    assert sorted(outcomes.values()) == ["refused", "won"]
    winner = next(office.email for office, outcome in outcomes.items() if outcome == "won")
    question.refresh_from_db()
    assert question.answer == f"Antwort von {winner}" and question.version == 2
    assert question.history.filter(history_change_reason="Beantwortet").count() == 1


def test_the_office_answering_second_is_told_and_keeps_its_text(client, question, programme_office):
    other_office = UserFactory(role=Role.PROGRAMME_OFFICE, email="pt2@ptj.example", full_name="Otto Amt")
    url = reverse("alliances:question_answer", args=[question.public_id])
    client.force_login(other_office)
    assert client.post(url, {"version": 1, "answer": "Zuerst gespeichert."}).status_code == 302
    client.force_login(programme_office)
    response = client.post(url, {"version": 1, "answer": "Meine spätere Antwort."})
    page = response.content.decode()
    assert response.status_code == 409
    assert "Diese Frage wurde inzwischen von Otto Amt beantwortet." in page
    assert "Meine spätere Antwort." in page
    question.refresh_from_db()
    assert question.answer == "Zuerst gespeichert."


def test_an_empty_answer_is_refused(client, question, programme_office):
    client.force_login(programme_office)
    response = client.post(
        reverse("alliances:question_answer", args=[question.public_id]), {"version": 1, "answer": "  "}
    )
    assert response.status_code == 422
    assert "Bitte geben Sie eine Antwort ein." in response.content.decode()
    question.refresh_from_db()
    assert question.status == QuestionStatus.OPEN


def test_the_ministry_sees_the_queue_read_only_and_cannot_answer(client, question, ministry):
    client.force_login(ministry)
    page = client.get(reverse("alliances:question_queue")).content.decode()
    assert "Sie sehen die Fragen nur lesend" in page and QUESTION_TEXT[:60] in page
    detail = client.get(reverse("alliances:question_detail", args=[question.public_id])).content.decode()
    assert reverse("alliances:question_answer", args=[question.public_id]) not in detail
    response = client.post(
        reverse("alliances:question_answer", args=[question.public_id]), {"version": 1, "answer": "Geht nicht."}
    )
    assert response.status_code == 403


# --- Internal comments --------------------------------------------------------------------------------------


def test_the_office_asks_the_ministry_internally_and_the_alliance_never_sees_it(
    client, question, programme_office, ministry
):
    OutgoingMessage.objects.all().delete()
    client.force_login(programme_office)
    response = client.post(
        reverse("alliances:question_comment", args=[question.public_id]),
        {"text": "Bitte um Stellungnahme zur Förderfähigkeit.", "ask_ministry": "on"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Bitte um Stellungnahme zur Förderfähigkeit." in response.content.decode()
    assert [m.recipient_email for m in messages_of(NotificationKind.QUESTION)] == [ministry.email]
    assert "Förderfähigkeit" not in messages_of(NotificationKind.QUESTION)[0].body_text
    client.force_login(ministry)
    response = client.post(
        reverse("alliances:question_comment", args=[question.public_id]), {"text": "Förderfähig, wenn projektbezogen."}
    )
    assert response.status_code == 302
    assert {m.recipient_email for m in messages_of(NotificationKind.QUESTION)} == {
        ministry.email,
        programme_office.email,
    }
    client.force_login(question.asked_by)
    page = client.get(reverse("alliances:question_detail", args=[question.public_id])).content.decode()
    assert "Stellungnahme" not in page and "projektbezogen" not in page
    assert (
        client.post(reverse("alliances:question_comment", args=[question.public_id]), {"text": "Ich auch"}).status_code
        == 403
    )


def test_an_empty_internal_comment_is_refused(client, question, ministry):
    client.force_login(ministry)
    response = client.post(reverse("alliances:question_comment", args=[question.public_id]), {"text": ""})
    assert response.status_code == 422
    assert "Bitte geben Sie einen Kommentar ein." in response.content.decode()
    assert not question.comments.exists()


# --- Publishing to the FAQ ----------------------------------------------------------------------------------


def test_publishing_warns_when_the_text_still_names_the_alliance_by_name_or_acronym(
    question, programme_office, alliance
):
    alliance.acronym = "GeLa"
    alliance.save()
    question = answered(question, programme_office)
    for text in ("Darf gesunde lausitz Reisen planen?", "Darf GELA Reisen planen?"):
        with pytest.raises(services.IdentityWarning):
            services.publish_to_faq(
                question=question, user=programme_office, topic="budget", question_text=text, answer_text="Ja."
            )
    assert not FaqEntry.objects.exists()
    # A word that merely contains the acronym is no warning.
    entry = services.publish_to_faq(
        question=question,
        user=programme_office,
        topic="budget",
        question_text="Dürfen Bündnisse Gelackmeierte einladen?",
        answer_text="Ja.",
    )
    assert entry.source_question == question


def test_the_office_can_confirm_and_publish_a_text_that_names_the_alliance(client, question, programme_office):
    answered(question, programme_office)
    client.force_login(programme_office)
    url = reverse("alliances:question_publish", args=[question.public_id])
    data = {"topic": "budget", "question": "Darf Gesunde Lausitz Reisen nach Polen planen?", "answer": "Ja."}
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 422
    assert "Der Text nennt noch das Bündnis (Gesunde Lausitz)." in page
    assert "Ich habe den Text geprüft und veröffentliche ihn trotzdem." in page
    assert not FaqEntry.objects.exists()
    response = client.post(url, {**data, "confirm_identity": "on"})
    assert response.status_code == 302
    entry = FaqEntry.objects.get()
    assert entry.history.get().history_user == programme_office
    latest = question.history.order_by("-history_date").first()
    assert (latest.history_change_reason, latest.history_user) == ("In die FAQ übernommen", programme_office)


def test_publishing_shows_the_rewritten_question_and_keeps_the_original_private(
    client, question, programme_office, other_manager, cycle
):
    answered(question, programme_office)
    client.force_login(programme_office)
    response = client.post(
        reverse("alliances:question_publish", args=[question.public_id]),
        {
            "topic": "budget",
            "question": "Sind Reisekosten zu Partnern im Ausland förderfähig?",
            "answer": "Ja, wenn die Reise dem Vorhaben dient.",
        },
    )
    assert response.status_code == 302 and response.url == reverse("alliances:faq", args=[cycle.slug])
    client.force_login(other_manager)
    page = client.get(reverse("alliances:faq", args=[cycle.slug])).content.decode()
    assert "Sind Reisekosten zu Partnern im Ausland förderfähig?" in page
    assert QUESTION_TEXT not in page and "Gesunde Lausitz" not in page
    assert client.get(reverse("alliances:question_detail", args=[question.public_id])).status_code == 404


def test_an_open_question_cannot_be_published_and_a_question_only_once(question, programme_office):
    with pytest.raises(ValidationError, match="Nur eine beantwortete Frage"):
        services.publish_to_faq(
            question=question, user=programme_office, topic="budget", question_text="Allgemein?", answer_text="Ja."
        )
    question = answered(question, programme_office)
    services.publish_to_faq(
        question=question, user=programme_office, topic="budget", question_text="Allgemein?", answer_text="Ja."
    )
    with pytest.raises(ValidationError, match="bereits in der FAQ"):
        services.publish_to_faq(
            question=question, user=programme_office, topic="budget", question_text="Allgemein?", answer_text="Ja."
        )


# --- The FAQ ------------------------------------------------------------------------------------------------


def test_the_faq_is_grouped_by_topic_and_searched_case_insensitively_in_question_and_answer(
    client, cycle, other_manager, taking_part
):
    FaqEntryFactory(
        cycle=cycle, topic=QuestionTopic.DEADLINES, question="Wann endet die Frist?", answer="Am Ende des Fristtages."
    )
    FaqEntryFactory(
        cycle=cycle,
        topic=QuestionTopic.BUDGET,
        question="Sind Investitionen zulässig?",
        answer="Ja, mit Begründung im Finanzplan.",
    )
    FaqEntryFactory(
        cycle=cycle,
        topic=QuestionTopic.CRITERIA,
        question="Wie wird gewichtet?",
        answer="Nach dem veröffentlichten Bewertungsschema.",
    )
    client.force_login(other_manager)
    url = reverse("alliances:faq", args=[cycle.slug])
    response = client.get(url)
    assert [label for _value, label, _entries in response.context["groups"]] == [
        "Finanzplan und Budget",
        "Bewertungskriterien",
        "Fristen und Termine",
    ]
    response = client.get(url, {"q": "FINANZPLAN"})
    assert [e.question for _v, _l, entries in response.context["groups"] for e in entries] == [
        "Sind Investitionen zulässig?"
    ]
    response = client.get(url, {"q": "frist"}, headers={"HX-Request": "true", "HX-Target": "faq-results"})
    page = response.content.decode()
    assert "<html" not in page and "Wann endet die Frist?" in page and "Investitionen" not in page
    response = client.get(url, {"q": "Bewertungsschema gewichtet"})
    assert response.context["result_count"] == 1
    response = client.get(url, {"q": "Raumfahrt"})
    assert "Keine Einträge gefunden." in response.content.decode()


def test_a_manager_of_an_alliance_outside_the_cycle_does_not_see_its_faq(client, cycle):
    outsider = manager_of(AllianceFactory(slug="aussen", name="Außen"))
    client.force_login(outsider)
    assert client.get(reverse("alliances:faq", args=[cycle.slug])).status_code == 404


# --- The daily digest ---------------------------------------------------------------------------------------


def publish_entries(question, office, count, now):
    question = answered(question, office)
    entries = [
        services.publish_to_faq(
            question=question,
            user=office,
            topic="budget",
            question_text="Allgemeine Frage?",
            answer_text="Ja.",
            now=now,
        )
    ]
    entries.extend(
        FaqEntryFactory(
            cycle=question.cycle, published_by=office, published_at=now, question=f"Weitere Frage {number}?"
        )
        for number in range(count - 1)
    )
    return entries


def test_several_faq_entries_in_one_day_give_one_email_per_manager(
    question, programme_office, manager, other_manager, alliance
):
    colleague = manager_of(alliance, email="kollegin@gesunde-lausitz.example")
    muted = manager_of(alliance, email="stumm@gesunde-lausitz.example")
    NotificationPreference.objects.create(user=muted, kind=NotificationKind.FAQ_DIGEST)
    outsider = manager_of(AllianceFactory(slug="aussen", name="Außen"))
    now = timezone.now()
    publish_entries(question, programme_office, 3, now - timedelta(minutes=30))
    assert send_faq_digests.delay().get() == 3
    assert send_faq_digests.delay().get() == 0
    FaqEntryFactory(cycle=question.cycle, published_by=programme_office, published_at=timezone.now())
    assert services.send_faq_digests() == 0
    digests = messages_of(NotificationKind.FAQ_DIGEST)
    assert [m.recipient_email for m in digests] == sorted([manager.email, colleague.email, other_manager.email])
    assert outsider.email not in {m.recipient_email for m in digests}
    assert "3 neue FAQ-Einträge" in digests[0].subject
    assert "WIR!-Strategieportal" in digests[0].body_text
    assert reverse("alliances:faq", args=[question.cycle.slug]) in digests[0].body_text
    assert "Finanzplan und Budget" in digests[0].body_text and "Verfahren" in digests[0].body_text
    assert FaqDigest.objects.get().entry_count == 3


def test_the_next_days_digest_covers_only_the_entries_published_since_the_last_one(question, programme_office):
    today = timezone.now()
    publish_entries(question, programme_office, 2, today - timedelta(hours=1))
    assert services.send_faq_digests(now=today) == 2
    FaqEntryFactory(cycle=question.cycle, published_by=programme_office, published_at=today + timedelta(hours=1))
    tomorrow = today + timedelta(days=1)
    assert services.send_faq_digests(now=tomorrow) == 1
    assert services.send_faq_digests(now=tomorrow + timedelta(days=1)) == 0
    assert FaqDigest.objects.count() == 2
    subjects = list(
        OutgoingMessage.objects.filter(kind=NotificationKind.FAQ_DIGEST)
        .order_by("pk")
        .values_list("subject", flat=True)
    )
    assert [subject.split(" zur ")[0] for subject in subjects] == [
        "[WIR!-Strategieportal] 2 neue FAQ-Einträge",
        "[WIR!-Strategieportal] Ein neuer FAQ-Eintrag",
    ]


def test_a_digest_claimed_concurrently_for_the_same_day_is_not_sent_twice(question, programme_office):
    now = timezone.now()
    publish_entries(question, programme_office, 1, now - timedelta(hours=1))
    FaqDigest.objects.create(
        cycle=question.cycle, day=timezone.localdate(now), entry_count=0, sent_at=now - timedelta(days=2)
    )
    assert services.send_faq_digest(cycle=question.cycle, now=now) == 0
    assert not OutgoingMessage.objects.filter(kind=NotificationKind.FAQ_DIGEST).exists()


# --- Query counts -------------------------------------------------------------------------------------------


def build_questions(cycle, office, count):
    alliances = []
    for number in range(4):
        alliance = AllianceFactory(slug=f"q-{count}-{number}", name=f"Bündnis {count}-{number}")
        StrategyFactory(cycle=cycle, alliance=alliance)
        alliances.append((alliance, manager_of(alliance)))
    for number in range(count):
        alliance, asker = alliances[number % 4]
        question = QuestionFactory(
            cycle=cycle, alliance=alliance, asked_by=asker, topic=QuestionTopic.values[number % 6]
        )
        if number % 2:
            Question.objects.filter(pk=question.pk).update(
                status=QuestionStatus.ANSWERED, answer="Antwort", answered_by=office, answered_at=timezone.now()
            )
            question.comments.create(author=office, text="Notiz")
        if number % 4 == 1:
            FaqEntryFactory(
                cycle=cycle, source_question=question, published_by=office, topic=QuestionTopic.values[number % 6]
            )
    return alliances[0][1]


# session, user, cycle, questions with annotations, alliances for the filter
QUEUE_QUERIES = 5
# session, user, cycle, questions
MY_QUESTIONS_QUERIES = 4
# session, user, cycle, alliance of the manager in the cycle, entries
FAQ_QUERIES = 5


@pytest.mark.parametrize("size", [8, 80])
def test_the_office_queue_keeps_its_query_count_at_8_and_80_questions(client, cycle, programme_office, size):
    build_questions(cycle, programme_office, size)
    client.force_login(programme_office)
    queries, response = count_queries(client, reverse("alliances:question_queue"))
    assert len(response.context["questions"]) == size
    assert response.context["open_count"] == size // 2
    assert queries == QUEUE_QUERIES


@pytest.mark.parametrize("size", [8, 80])
def test_the_managers_question_list_keeps_its_query_count_at_8_and_80_questions(client, cycle, programme_office, size):
    asker = build_questions(cycle, programme_office, size * 4)
    client.force_login(asker)
    queries, response = count_queries(client, reverse("alliances:my_questions"))
    assert len(response.context["questions"]) == size
    assert queries == MY_QUESTIONS_QUERIES


@pytest.mark.parametrize("size", [8, 80])
def test_the_faq_keeps_its_query_count_at_8_and_80_entries(client, cycle, programme_office, size):
    asker = build_questions(cycle, programme_office, size * 4)
    client.force_login(asker)
    queries, response = count_queries(client, reverse("alliances:faq", args=[cycle.slug]), {"q": "frage"})
    assert response.context["result_count"] == size
    assert queries == FAQ_QUERIES


# --- Demo data ----------------------------------------------------------------------------------------------


def test_the_demo_has_questions_in_every_state_and_a_faq_and_seeds_idempotently(settings):
    from io import StringIO

    from alliances import demo, demo_questions
    from portal import demo as portal_demo

    settings.DEBUG = True
    portal_demo.seed(stdout=StringIO())
    demo.seed(stdout=StringIO())
    demo_questions.seed(stdout=StringIO())
    demo_questions.seed(stdout=StringIO())
    questions = Question.objects.all()
    assert questions.filter(status=QuestionStatus.OPEN).count() >= 2
    assert questions.filter(status=QuestionStatus.ANSWERED, faq_entries__isnull=True).exists()
    assert questions.filter(faq_entries__isnull=False).count() >= 3
    assert questions.filter(comments__author__role=Role.MINISTRY).exists()
    assert questions.exclude(attachment="").exists()
    assert questions.values("alliance").distinct().count() >= 3
    assert FaqEntry.objects.values("topic").distinct().count() >= 3
    for entry in FaqEntry.objects.select_related("source_question__alliance"):
        assert services.alliance_names_in(entry.source_question.alliance, entry.question, entry.answer) == []
    assert Question.objects.count() == len(demo_questions.DEMO_QUESTIONS)
