"""All test factories, in one place."""

import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import factory
import rules
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.text import slugify
from pypdf import PdfWriter

from alliances.models import (
    Alliance,
    AllianceMembership,
    BudgetCategory,
    BudgetLine,
    EvaluationCycle,
    FederalState,
    FundingRound,
    Strategy,
    Submission,
)
from portal.models import Role, User

PASSWORD = "richtig-geheim-2024"
# The authenticator app's secret of every test user with a second factor (base32).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def give_totp(user, secret=TOTP_SECRET):
    """An activated authenticator app for `user`, as if set up on the security page."""
    from allauth.mfa.totp.internal.auth import TOTP

    return TOTP.activate(user, secret).instance


def totp_code(secret=TOTP_SECRET, offset=0):
    """The code the authenticator app shows now (`offset` periods later or earlier)."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    counter = int(time.time()) // app_settings.TOTP_PERIOD + offset
    return format_hotp_value(hotp_value(secret, counter))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    role = Role.EXPERT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def second_factor(obj, create, extracted, **kwargs):
        """Staff sign in with a second factor, so they get one (TOTP on TOTP_SECRET) unless told False."""
        if create and extracted is not False and rules.test_rule("needs_second_factor", obj):
            give_totp(obj)


class FundingRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingRound
        django_get_or_create = ["number"]

    number = 2
    name = "WIR! – zweite Förderrunde"
    implementation_start = date(2021, 9, 9)


class EvaluationCycleFactory(factory.django.DjangoModelFactory):
    """A cycle in its submission phase: opened 30 days ago, deadline in 10 days."""

    class Meta:
        model = EvaluationCycle
        django_get_or_create = ["slug"]

    funding_round = factory.SubFactory(FundingRoundFactory)
    name = "Zwischenbegutachtung 2024"
    slug = "zwischenbegutachtung-2024"
    submission_opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))
    submission_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    review_deadline = factory.LazyAttribute(lambda o: o.submission_deadline + timedelta(days=45))
    panel_deadline = factory.LazyAttribute(lambda o: o.review_deadline + timedelta(days=15))
    decision_deadline = factory.LazyAttribute(lambda o: o.panel_deadline + timedelta(days=15))
    budget = Decimal("120000000")
    first_funding_year = 2025
    funding_years = 3


class AllianceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alliance
        django_get_or_create = ["slug"]
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"buendnis-{n}")
    name = factory.Sequence(lambda n: f"Bündnis {n}")
    acronym = factory.LazyAttribute(lambda o: o.name)
    region = "Lausitz"
    innovation_field = "Gesundheit und Versorgung in der Region"
    source_url = "https://example.org/quelle"

    @factory.post_generation
    def states(obj, create, extracted, **kwargs):
        if create:
            codes = extracted if extracted is not None else ["SN"]
            obj.states.set(FederalState.objects.filter(code__in=codes))


class StrategyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Strategy

    cycle = factory.SubFactory(EvaluationCycleFactory)
    alliance = factory.SubFactory(AllianceFactory)


class CompleteStrategyFactory(StrategyFactory):
    """A strategy with every section and a budget, but without documents."""

    class Meta:
        skip_postgeneration_save = True

    summary = "Zusammenfassung der Strategie."
    vision = "Vision für 2028."
    innovation_field_development = "Entwicklung des Innovationsfelds."
    measures = "Drei Vorhabenlinien."
    alliance_management = "Geschäftsstelle mit vier Stellen."
    skilled_workers = "Weiterbildung und Rückkehrerprogramm."
    continuation = "Trägerverein ab 2028."

    @factory.post_generation
    def budget(obj, create, extracted, **kwargs):
        if create:
            BudgetLine.objects.create(
                strategy=obj,
                year=obj.cycle.first_funding_year,
                category=BudgetCategory.PERSONNEL,
                amount=Decimal("500000"),
            )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AllianceMembership

    user = factory.SubFactory(UserFactory, role=Role.ALLIANCE_MANAGER)
    alliance = factory.SubFactory(AllianceFactory)


def manager_of(alliance, email=None):
    user = UserFactory(role=Role.ALLIANCE_MANAGER, **({"email": email} if email else {}))
    AllianceMembership.objects.get_or_create(user=user, alliance=alliance)
    return user


def notify(*recipients, subject="x", kind=None, **options):
    """Messages of `kind` (default: a question) to `recipients` through the real outbox, with a small template;
    returns the messages `send_notification` queued (none for a recipient who muted the kind)."""
    from portal.models import NotificationKind
    from portal.notifications import send_notification

    return send_notification(
        recipients=list(recipients),
        kind=kind or NotificationKind.QUESTION,
        subject=subject,
        template="reviews/email/reminder",
        context={"cycle": None, "count": 1},
        **options,
    )


def role_actors(**given):
    """Anonymous and one user of each staff role for a permission matrix, by actor name; `given` replaces an
    actor or adds more (manager=..., other_manager=...)."""
    actors = {"anonymous": None}
    for name, role in (
        ("expert", Role.EXPERT),
        ("programme_office", Role.PROGRAMME_OFFICE),
        ("ministry", Role.MINISTRY),
    ):
        actors[name] = given.pop(name) if name in given else UserFactory(role=role)
    actors["admin"] = (
        given.pop("admin") if "admin" in given else UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    )
    actors.update(given)
    return actors


def edited_by_turns(changes, edit, editors=3):
    """Calls `edit(n, user)` for each n in range(`changes`), by turns as one of `editors` programme-office users:
    a history written by several people."""
    users = [UserFactory(role=Role.PROGRAMME_OFFICE) for _ in range(editors)]
    for n in range(changes):
        edit(n, users[n % editors])


def pdf_bytes(pages=1, password=None):
    """A PDF of `pages` blank A4 pages, encrypted with `password` if given."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(user_password=password, owner_password=password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def text_pdf_bytes(page_texts):
    """A PDF whose page N (1-based) shows `page_texts[N - 1]` as real text (Helvetica, WinAnsi: umlauts work), one
    line per line of the text, so that a text extractor finds it on that page."""
    import pikepdf

    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica,
            Encoding=pikepdf.Name.WinAnsiEncoding,
        )
    )
    for text in page_texts:
        lines = []
        for line in text.splitlines() or [""]:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            lines.append(f"({escaped}) Tj 0 -16 Td")
        content = ("BT /F1 12 Tf 72 770 Td " + " ".join(lines) + " ET").encode("cp1252")
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, 595, 842],
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
            Contents=pdf.make_stream(content),
        )
        pdf.pages.append(pikepdf.Page(page))
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def encrypted_pdf_bytes():
    return pdf_bytes(password="geheim")


def pdf_upload(name="strategie.pdf", pages=1, content=None):
    return SimpleUploadedFile(
        name, content if content is not None else pdf_bytes(pages), content_type="application/pdf"
    )


# --- Review stage -------------------------------------------------------------------------------------------

CRITERIA_CSV = Path(__file__).resolve().parents[1] / "reviews" / "data" / "criteria.csv"


def programme_rubric(cycle):
    """The programme's eight published criteria as the cycle's rubric (weights 15/15/15/15/10/10/10/10)."""
    from reviews import services as review_services

    rows = review_services.parse_criteria_csv(CRITERIA_CSV.read_text(encoding="utf-8"))
    return review_services.replace_rubric(cycle=cycle, criteria=rows)


def submitted_strategy(cycle, alliance, manager=None, pages=1, **fields):
    """A complete strategy of `alliance` (with `fields` set) and a main document of `pages` pages, submitted through
    the real service; returns (strategy, submission)."""
    from alliances import services as alliance_services
    from alliances.models import DocumentKind

    strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance, **fields)
    manager = manager or manager_of(alliance)
    checked_document(strategy, manager, DocumentKind.MAIN, pdf_upload(pages=pages))
    submission = alliance_services.submit_strategy(strategy=strategy, user=manager)
    strategy.refresh_from_db()
    return strategy, submission


def resubmit(strategy, office):
    """`office` reopens the submitted `strategy`, its manager changes the measures and submits again: the next
    submission."""
    from alliances import services as alliance_services
    from alliances.models import SECTION_FIELDS

    manager = strategy.alliance.memberships.first().user
    alliance_services.reopen_submission(
        strategy=strategy,
        user=office,
        reason="Maßnahmen präzisieren.",
        extend_until=strategy.deadline + timedelta(days=3),
    )
    strategy.refresh_from_db()
    sections = {name: getattr(strategy, name) for name in SECTION_FIELDS}
    sections["measures"] = "Drei Vorhabenlinien.\nNeu: ein Reallabor in Cottbus."
    alliance_services.save_strategy_draft(
        strategy=strategy, user=manager, expected_version=strategy.version, sections=sections, budget={}
    )
    alliance_services.submit_strategy(strategy=strategy, user=manager)
    strategy.refresh_from_db()


class ExpertFactory(UserFactory):
    role = Role.EXPERT


class ExpertProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reviews.ExpertProfile"
        django_get_or_create = ["user"]

    user = factory.SubFactory(ExpertFactory)
    affiliation = factory.Sequence(lambda n: f"Forschungsinstitut {n}")
    email_domain = ""
    federal_state = None
    expertise_keywords = "Gesundheit, Mikrofluidik, Landwirtschaft"
    declared_ties = ""


def cleared_assignment(strategy, expert=None, office=None):
    """An assignment through the real service, declared free of conflict."""
    from reviews import services as review_services

    expert = expert or ExpertProfileFactory().user
    office = office or UserFactory(role=Role.PROGRAMME_OFFICE)
    assignment = review_services.assign_expert(strategy=strategy, expert=expert, user=office)
    return review_services.declare_conflict(assignment=assignment, user=expert, has_conflict=False)


def cleared_and_waiting_experts(strategy, office):
    """Two experts assigned to `strategy`: one cleared, one still to declare a conflict of interest."""
    from reviews import services as review_services

    waiting = ExpertProfileFactory().user
    review_services.assign_expert(strategy=strategy, expert=waiting, user=office)
    return cleared_assignment(strategy, office=office).expert, waiting


def declared_conflict(assignment, conflict_type="personal", explanation="Frühere Zusammenarbeit"):
    """The assigned expert declares a conflict of interest through the real service."""
    from reviews import services as review_services

    return review_services.declare_conflict(
        assignment=assignment,
        user=assignment.expert,
        has_conflict=True,
        conflict_type=conflict_type,
        explanation=explanation,
    )


def submitted_review(assignment, points, recommendation="fund", not_applicable=()):
    """Scores every criterion (`points` is one value for all, or a dict by code) and submits the review."""
    from reviews import services as review_services

    review = review_services.open_review(assignment=assignment, user=assignment.expert)
    scores = {}
    for criterion in review.rubric.criteria.all():
        value = points[criterion.code] if isinstance(points, dict) else points
        na = criterion.code in not_applicable
        scores[criterion.pk] = (None if na else value, na, "Begründung")
    review = review_services.save_review_draft(
        review=review,
        user=assignment.expert,
        scores=scores,
        fields={
            "recommendation": recommendation,
            "strengths": "Stärken",
            "weaknesses": "Schwächen",
            "proposed_conditions": "Auflage" if recommendation == "conditions" else "",
        },
        expected_version=review.version,
    )
    return review_services.submit_review(review=review, user=assignment.expert)


def votum_with_conditions(strategy, office, proposed_amount=Decimal("480000"), conditions="Beirat", summary="Votum"):
    """The panel's Votum on `strategy`, recommending funding with conditions, saved through the real service."""
    from reviews import services as review_services

    return review_services.save_votum(
        strategy=strategy,
        user=office,
        recommendation="conditions",
        proposed_amount=proposed_amount,
        conditions=conditions,
        summary=summary,
    )


# --- Decision stage -----------------------------------------------------------------------------------------


def ministry_user(email):
    return UserFactory(email=email, role=Role.MINISTRY)


def decision_content(**overrides):
    content = {
        "outcome": "approved",
        "granted_amount": Decimal("500000"),
        "funding_start": date(2025, 4, 1),
        "funding_end": date(2028, 3, 31),
        "conditions": "",
        "rationale": "Überzeugende Strategie.",
        "letter_rationale": "Überzeugende Strategie; das Votum der Jury wird übernommen.",
        "over_request_reason": "",
    }
    content.update(overrides)
    return content


# --- Review stage, built directly (for aggregation and dashboard tests) ------------------------------------


def submitted_snapshots_on(db, slugs, *, statuses=None, round_number=2, name="Runde"):
    """For cross-backend tests on the database `db`: a cycle, a programme-office user and, per slug, an alliance
    with a strategy (submitted, or its status from `statuses` by slug) and a first snapshot.
    Returns (cycle, office, [(strategy, snapshot), …])."""
    round_ = FundingRound.objects.using(db).create(number=round_number, name=name, implementation_start="2021-09-09")
    cycle = EvaluationCycleFactory.build(funding_round=round_, name=name, slug=slugify(name))
    cycle.save(using=db)
    office = User.objects.using(db).create(email=f"pt-{round_number}@{db}.example", role=Role.PROGRAMME_OFFICE)
    made = []
    for slug in slugs:
        alliance = Alliance.objects.using(db).create(slug=slug, name=f"{name} {slug}")
        status = (statuses or {}).get(slug, "submitted")
        strategy = Strategy.objects.using(db).create(cycle=cycle, alliance=alliance, status=status)
        snapshot = Submission.objects.using(db).create(
            strategy=strategy,
            number=1,
            submitted_at=cycle.submission_deadline,
            submitted_by=office,
            sections={},
            budget=[],
            documents=[],
            fingerprint="0" * 64,
        )
        made.append((strategy, snapshot))
    return cycle, office, made


def stored_figures(*, reviews=None, strategy_ids=()):
    """Stores the weighted scores of `reviews` and refreshes the summaries of their strategies and of
    `strategy_ids`, as the services do: rows built directly must end as the services would leave them."""
    from reviews.scoring import refresh_score_summaries, store_weighted_scores

    strategy_ids = set(strategy_ids)
    if reviews is not None:
        store_weighted_scores(reviews)
        strategy_ids.update(reviews.values_list("assignment__strategy_id", flat=True))
    refresh_score_summaries(strategy_ids=strategy_ids, using=reviews.db if reviews is not None else "default")


class _KeepsFiguresStored:
    """Factory mixin: after creating a row, the stored scores and summaries are brought up to date."""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        made = super()._create(model_class, *args, **kwargs)
        cls._store_figures(made)
        return made


class SubmittedStrategyFactory(CompleteStrategyFactory):
    status = "submitted"


class SubmissionFactory(_KeepsFiguresStored, factory.django.DjangoModelFactory):
    """A snapshot row without the submission service (no documents, no signal); the strategy's score summary is
    refreshed as the service's `snapshot_frozen` does."""

    @staticmethod
    def _store_figures(made):
        stored_figures(strategy_ids=[made.strategy_id])

    class Meta:
        model = "alliances.Submission"

    strategy = factory.SubFactory(SubmittedStrategyFactory)
    number = 1
    submitted_at = factory.LazyFunction(timezone.now)
    submitted_by = factory.SubFactory(UserFactory, role=Role.ALLIANCE_MANAGER)
    sections = factory.LazyFunction(dict)
    budget = factory.LazyFunction(list)
    documents = factory.LazyFunction(list)
    fingerprint = "0" * 64


class RubricVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reviews.RubricVersion"

    cycle = factory.SubFactory(EvaluationCycleFactory)
    number = factory.Sequence(lambda n: n + 1)


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reviews.Criterion"

    rubric = factory.SubFactory(RubricVersionFactory)
    position = factory.Sequence(lambda n: n)
    code = factory.Sequence(lambda n: f"k{n}")
    title = factory.Sequence(lambda n: f"Kriterium {n}")
    weight = 10
    scale_min = 0
    scale_max = 5


class AssignmentFactory(_KeepsFiguresStored, factory.django.DjangoModelFactory):
    """A cleared assignment, without the assignment service (no e-mail)."""

    @staticmethod
    def _store_figures(made):
        stored_figures(strategy_ids=[made.strategy_id])

    class Meta:
        model = "reviews.Assignment"

    strategy = factory.SubFactory(SubmittedStrategyFactory)
    expert = factory.SubFactory(ExpertFactory)
    assigned_by = factory.SubFactory(UserFactory, role=Role.PROGRAMME_OFFICE)
    status = "cleared"
    pseudonym = factory.Sequence(lambda n: chr(ord("A") + n % 26) + (chr(ord("A") + n // 26 % 26) if n >= 26 else ""))


class ReviewFactory(_KeepsFiguresStored, factory.django.DjangoModelFactory):
    """A submitted review recommending funding; give it `submission` and `rubric`."""

    @staticmethod
    def _store_figures(made):
        from reviews.models import Review

        stored_figures(reviews=Review.objects.filter(pk=made.pk))
        made.refresh_from_db(fields=["weighted_score", "weighted_score_rubric"])

    class Meta:
        model = "reviews.Review"

    assignment = factory.SubFactory(AssignmentFactory)
    status = "submitted"
    recommendation = "fund"
    submitted_at = factory.LazyFunction(timezone.now)


class ScoreFactory(_KeepsFiguresStored, factory.django.DjangoModelFactory):
    @staticmethod
    def _store_figures(made):
        from reviews.models import Review

        stored_figures(reviews=Review.objects.filter(pk=made.review_id))

    class Meta:
        model = "reviews.Score"

    review = factory.SubFactory(ReviewFactory)
    criterion = factory.SubFactory(CriterionFactory)
    value = 3
    not_applicable = False


# --- Questions and answers ----------------------------------------------------------------------------------


def asked_question(cycle, alliance, manager, text="Wie lange dauert die Begutachtung?", topic="process", **options):
    """A question of `manager` for `alliance`, asked through the real service (`attachment=` adds a file)."""
    from alliances import services as alliance_services

    return alliance_services.ask_question(
        cycle=cycle, alliance=alliance, user=manager, topic=topic, text=text, **options
    )


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "alliances.Question"

    cycle = factory.SubFactory(EvaluationCycleFactory)
    alliance = factory.SubFactory(AllianceFactory)
    asked_by = factory.SubFactory(UserFactory, role=Role.ALLIANCE_MANAGER)
    topic = "process"
    text = factory.Sequence(lambda n: f"Frage Nummer {n} zum Verfahren der Zwischenbegutachtung?")


class FaqEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "alliances.FaqEntry"

    cycle = factory.SubFactory(EvaluationCycleFactory)
    topic = "process"
    question = factory.Sequence(lambda n: f"Allgemeine Frage {n} zum Verfahren?")
    answer = factory.Sequence(lambda n: f"Allgemeine Antwort {n} des Projektträgers.")
    published_by = factory.SubFactory(UserFactory, role=Role.PROGRAMME_OFFICE)


def scored_strategy(cycle, alliance, *, rubric, points, recommendation="fund"):
    """A submitted strategy with one submitted review giving `points` on every criterion of `rubric`."""
    strategy, submission = submitted_strategy(cycle, alliance)
    review = ReviewFactory(
        assignment=AssignmentFactory(strategy=strategy),
        submission=submission,
        rubric=rubric,
        recommendation=recommendation,
    )
    for criterion in rubric.criteria.all():
        ScoreFactory(review=review, criterion=criterion, value=points, justification="Begründung")
    return strategy


# Weights 15/15/15/15/10/10/10/10: all 4 → 80; 3 on the first four and 5 on the rest → 76; all 2 → 40.
SPREAD_REVIEWS = [("fund", [4] * 8), ("conditions", [3, 3, 3, 3, 5, 5, 5, 5]), ("reject", [2] * 8)]


def strategy_with_spread_reviews(cycle):
    """Gesunde Lausitz with three submitted reviews (A, B, C) whose weighted scores are 80, 76 and 40."""
    rubric = programme_rubric(cycle)
    strategy, submission = submitted_strategy(cycle, AllianceFactory(name="Gesunde Lausitz", slug="gesunde-lausitz"))
    criteria = list(rubric.criteria.order_by("position"))
    for letter, (recommendation, points) in zip("ABC", SPREAD_REVIEWS, strict=True):
        review = ReviewFactory(
            assignment=AssignmentFactory(strategy=strategy, pseudonym=letter),
            submission=submission,
            rubric=rubric,
            recommendation=recommendation,
            proposed_conditions="Beirat einrichten" if recommendation == "conditions" else "",
        )
        for criterion, value in zip(criteria, points, strict=True):
            ScoreFactory(review=review, criterion=criterion, value=value, justification=f"Begründung {letter}")
    return strategy


# --- Dossier stage ------------------------------------------------------------------------------------------


def ready_dossier(*, kind, cycle=None, strategy=None, person=None, requested_by=None, content=b"%PDF-1.7 stand-in"):
    """A dossier that is ready with a small stand-in file, for tests of who may see it, not of rendering (a
    personal data export names its `person`, and neither kind of data protection dossier has a cycle)."""
    from django.core.files.base import ContentFile

    from dossiers.models import Dossier, DossierStatus

    dossier = Dossier(
        kind=kind,
        cycle=cycle,
        strategy=strategy,
        person=person,
        requested_by=requested_by,
        status=DossierStatus.READY,
        progress=100,
        fingerprint="0" * 64,
        finished_at=timezone.now(),
    )
    dossier.file.save(f"{kind}.bin", ContentFile(content), save=False)
    dossier.save()
    return dossier


# --- Checked uploads ----------------------------------------------------------------------------------------


def checked_document(strategy, user, kind, upload):
    """A document uploaded through the real service and checked at once, as the worker would after commit."""
    from alliances import services as alliance_services
    from portal.uploads import check_now

    document = alliance_services.add_strategy_document(strategy=strategy, user=user, kind=kind, uploaded_file=upload)
    check_now(document)
    document.refresh_from_db()
    return document


def checked_question(cycle, alliance, manager, **options):
    """`asked_question` with its attachment checked at once, as the worker would after commit."""
    from portal.uploads import check_now

    question = asked_question(cycle, alliance, manager, **options)
    if question.attachment_status:
        check_now(question)
        question.refresh_from_db()
    return question


# --- Jury sessions ------------------------------------------------------------------------------------------


def berlin(year, month, day, hour=0, minute=0):
    """An aware datetime on the wall clock of Europe/Berlin."""
    from zoneinfo import ZoneInfo

    return timezone.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Europe/Berlin"))


def jury_session(
    cycle, *, starts_at, hours=4, jurors=(), observers=(), chair=None, slots=True, offered=False, **fields
):
    """A session built through the real services (members, then slots laid out from its settings, unless told
    `slots=False`); `now` defaults to a day before it starts."""
    from reviews.services import jury

    jurors = list(jurors) or [ExpertProfileFactory().user]
    office = UserFactory(role=Role.PROGRAMME_OFFICE, second_factor=False)
    now = fields.pop("now", starts_at - timedelta(days=10))
    session = jury.save_jury_session(
        cycle=cycle,
        user=office,
        title=fields.pop("title", f"Jurysitzung {starts_at:%d.%m.%Y %H:%M}"),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        video_url=fields.pop("video_url", "https://konferenz.example/jury"),
        chair=chair or jurors[0],
        jurors=jurors,
        observers=observers,
        now=now,
        **fields,
    )
    if slots:
        jury.generate_slots(session=session, user=office, offered_to_alliances=offered)
    return session


# --- Jury mode ----------------------------------------------------------------------------------------------


def pitched_session(cycle, strategies, *, starts_at, quick=False, **fields):
    """A session (see `jury_session`) whose first slots hold the pitches of `strategies`, in order: set by the
    office through `assign_slot`, or with `quick` written straight into the slots (no invitations; for many
    pitches). Short pitches make room for hundreds in one day."""
    from reviews.models import PitchSlot, PitchSlotStatus
    from reviews.services import jury

    strategies = list(strategies)
    if len(strategies) > 8:
        fields = {"pitch_minutes": 1, "qa_minutes": 1, "buffer_minutes": 0, "hours": 10} | fields
    session = jury_session(cycle, starts_at=starts_at, **fields)
    slots = list(session.slots.order_by("starts_at")[: len(strategies)])
    assert len(slots) == len(strategies), "the session is too short for its pitches"
    if quick:
        for slot, strategy in zip(slots, strategies, strict=True):
            slot.strategy, slot.status = strategy, PitchSlotStatus.TAKEN
        PitchSlot.objects.bulk_update(slots, ["strategy", "status"])
    else:
        office = UserFactory(role=Role.PROGRAMME_OFFICE, second_factor=False)
        for slot, strategy in zip(slots, strategies, strict=True):
            jury.assign_slot(slot=slot, strategy=strategy, user=office, now=starts_at - timedelta(days=10))
    return session


def conflicted_juror(strategy, juror):
    """`juror` has declared a conflict of interest with `strategy` (as after being scheduled)."""
    return AssignmentFactory(strategy=strategy, expert=juror, status="conflicted")


# --- Pitch slides, the minutes and the pitch in the evaluation dossier ---------------------------------------


def pitched(session, strategy, *, slot=None, now=None):
    """`strategy`'s pitch set into the first open slot of `session` (or `slot`) through the real service."""
    from reviews.models import PitchSlotStatus
    from reviews.services import jury

    slot = slot or session.slots.filter(status=PitchSlotStatus.OPEN).first()
    office = UserFactory(role=Role.PROGRAMME_OFFICE, second_factor=False)
    return jury.assign_slot(slot=slot, strategy=strategy, user=office, now=now or session.starts_at - timedelta(days=9))


def checked_pitch_slides(strategy, user, upload=None, now=None):
    """Pitch slides uploaded through the real service and checked at once, as the worker would after commit."""
    from portal.uploads import check_now
    from reviews.services.slides import upload_pitch_slides

    slides = upload_pitch_slides(
        strategy=strategy, user=user, uploaded_file=upload or pdf_upload("folien.pdf", pages=2), now=now
    )
    check_now(slides)
    slides.refresh_from_db()
    return slides


def jury_result(slot, *, started_at, closed_at, summary, conditions="", amount=Decimal("450000"), office=None):
    """A pitch run and closed, and the jury's result on it as the panel Votum that names the pitch (written
    directly: the jury records it in the session, whatever the written reviews)."""
    from reviews.models import PanelVotum

    slot.started_at, slot.closed_at = started_at, closed_at
    slot.save(update_fields=["started_at", "closed_at"])
    office = office or UserFactory(role=Role.PROGRAMME_OFFICE, second_factor=False)
    votum = PanelVotum(
        strategy=slot.strategy,
        recommendation="conditions" if conditions else "fund",
        proposed_amount=Decimal(amount),
        conditions=conditions,
        summary=summary,
        written_by=office,
        pitch=slot,
    )
    votum._history_user = office
    votum.save()
    return votum


def conflicted_with(strategy, expert):
    """`expert` has declared a conflict of interest with `strategy` (after the pitch was planned)."""
    return AssignmentFactory(strategy=strategy, expert=expert, status="conflicted")
