"""Demo data for questions and answers: questions in every state, internal notes and a FAQ."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings
from django.utils import timezone

from alliances import services
from alliances.demo import demo_cycle, demo_pdf
from alliances.models import FaqEntry, Question, QuestionTopic
from portal.models import Role, User
from portal.uploads import check_now

LOCAL_MAIL = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}

# (topic, question, answer or None, FAQ wording of the question or None, days ago)
DEMO_QUESTIONS = [
    (
        QuestionTopic.DEADLINES,
        "Gilt die Einreichungsfrist für den Eingang im Portal oder genügt es, wenn wir die Strategie am letzten Tag "
        "bis Mitternacht absenden?",
        "Maßgeblich ist der Zeitpunkt der Einreichung im Portal; er steht in Ihrer Eingangsbestätigung. Bis zum "
        "Ende des Fristtages (23:59 Uhr, deutsche Zeit) eingereichte Strategien sind fristgerecht.",
        "Gilt die Einreichungsfrist für den Eingang im Portal?",
        20,
    ),
    (
        QuestionTopic.STRATEGY_CONTENT,
        "Zwei unserer Vorhaben aus der ersten Phase wurden vorzeitig beendet. Wie ausführlich sollen wir das in der "
        "Strategie darstellen?",
        "Bitte stellen Sie beendete Vorhaben knapp dar: Ziel, Grund der Beendigung und was das Bündnis daraus "
        "gelernt hat. Die Gutachterinnen und Gutachter bewerten den Umgang mit solchen Erfahrungen positiv.",
        "Wie ausführlich sollen vorzeitig beendete Vorhaben der ersten Phase dargestellt werden?",
        16,
    ),
    (
        QuestionTopic.BUDGET,
        "Ist eine Investition von 180.000 EUR für ein gemeinsames Labor im Finanzplan zulässig?",
        "Investitionen sind zulässig, wenn sie für die Umsetzung der Strategie notwendig sind und gemeinsam "
        "genutzt werden. Bitte begründen Sie Investitionen über 100.000 EUR im Abschnitt „Geplante Maßnahmen“.",
        "Sind größere Investitionen (über 100.000 EUR) im Finanzplan zulässig?",
        12,
    ),
    (
        QuestionTopic.CRITERIA,
        "Bekommen wir die Gutachten zu unserer Strategie zu sehen?",
        "Die Bündnisse erhalten mit der Förderentscheidung eine Zusammenfassung der Begutachtung. Die einzelnen "
        "Gutachten bleiben vertraulich.",
        "Werden die Gutachten den Bündnissen zugänglich gemacht?",
        9,
    ),
    (
        QuestionTopic.PROCESS,
        "Können wir die Einreichung noch ändern, wenn wir nach dem Absenden einen Fehler im Finanzplan bemerken?",
        "Bitte wenden Sie sich in diesem Fall an den Projektträger. Er kann Ihre Einreichung vor Ablauf der Frist "
        "wieder öffnen; die erste Fassung bleibt gespeichert.",
        None,
        6,
    ),
    (
        QuestionTopic.CRITERIA,
        "Wie wird das Kriterium „Verstetigung“ bewertet, wenn unser Trägerverein erst 2026 gegründet wird?",
        None,
        None,
        3,
    ),
    (
        QuestionTopic.BUDGET,
        "Dürfen die Personalausgaben der Geschäftsstelle ab 2027 anteilig aus Mitgliedsbeiträgen gedeckt werden? "
        "Eine Übersicht unserer Planung liegt bei.",
        None,
        None,
        1,
    ),
]


def seed(*, stdout, phase=None):
    cycle = demo_cycle()
    if Question.objects.filter(cycle=cycle).exists():
        stdout.write(
            f"Fragen: {Question.objects.filter(cycle=cycle).count()} vorhanden, "
            f"FAQ: {FaqEntry.objects.filter(cycle=cycle).count()} Einträge (unverändert)."
        )
        return []
    office = User.objects.filter(email="pt@demo.example", role=Role.PROGRAMME_OFFICE).first()
    ministry = User.objects.filter(email="bmbf1@demo.example", role=Role.MINISTRY).first()
    alliances = list(services.cycle_alliances(cycle).filter(memberships__isnull=False).order_by("name")[:7])
    if office is None or ministry is None or not alliances:
        stdout.write("Fragen: übersprungen (Konten oder Bündnisse fehlen).")
        return []
    # Questions come while the alliances write: counted back from today, or from the deadline once it has passed.
    now = min(timezone.now(), cycle.submission_deadline)
    with override_settings(MAILERS=LOCAL_MAIL):
        for index, (topic, text, answer, faq_text, days_ago) in enumerate(DEMO_QUESTIONS):
            alliance = alliances[index % len(alliances)]
            manager = alliance.memberships.select_related("user").first().user
            asked_at = now - timedelta(days=days_ago)
            attachment = None
            if "liegt bei" in text:
                attachment = SimpleUploadedFile(
                    "Finanzierung_Geschaeftsstelle.pdf", demo_pdf("Finanzierung der Geschäftsstelle", alliance, 2)
                )
            question = services.ask_question(
                cycle=cycle,
                alliance=alliance,
                user=manager,
                topic=topic,
                text=text,
                attachment=attachment,
                now=asked_at,
            )
            if attachment is not None:
                # Checked at once, so the demo shows the attachment; the portal checks in the worker.
                check_now(question)
            if answer is None:
                if topic == QuestionTopic.CRITERIA:
                    services.add_question_comment(
                        question=question,
                        user=office,
                        ask_ministry=True,
                        now=asked_at + timedelta(hours=2),
                        text="Liebe Kolleginnen und Kollegen im Ministerium, sollen wir hier auf die Gewichtung im "
                        "Bewertungsschema verweisen oder eine spätere Gründung ausdrücklich zulassen?",
                    )
                    services.add_question_comment(
                        question=question,
                        user=ministry,
                        now=asked_at + timedelta(hours=20),
                        text="Bitte auf das Bewertungsschema verweisen; eine verbindliche Gründungszusage "
                        "mit Zeitplan genügt.",
                    )
                continue
            question = services.answer_question(
                question=question,
                user=office,
                answer=answer,
                expected_version=question.version,
                now=asked_at + timedelta(days=1),
            )
            if faq_text:
                services.publish_to_faq(
                    question=question,
                    user=office,
                    topic=topic,
                    question_text=faq_text,
                    answer_text=answer,
                    confirm_identity=True,
                    now=asked_at + timedelta(days=1, hours=1),
                )
    stdout.write(
        f"Fragen: {Question.objects.filter(cycle=cycle).count()} angelegt, "
        f"FAQ: {FaqEntry.objects.filter(cycle=cycle).count()} Einträge."
    )
    return []
