"""Benchmark data at programme scale: one evaluation cycle per size, written with bulk_create.

Per alliance: a strategy with all seven sections (German text of realistic length), a full budget plan, one
submission snapshot with its checked main document, three cleared assignments with submitted reviews that score
every criterion of the shipped rubric, a Votum for about half and a confirmed decision for about a third.
Every eighth strategy is reopened (its managers save drafts in the load test) and every eighth, offset by four,
has a fourth expert whose review is still a draft (the experts' part of the load test).

Jury sessions (issue 12) follow, one a day from 30 days ahead, 07:00–19:00 with short pitches (144 slots each),
enough for 1.2 times the submitted strategies, each with five jurors and a ministry observer. Half the submitted
strategies already pitch (spread over the sessions); some jurors declared conflicts and some alliances blocked
the first session's day, so the planner has the rest to place, alliances to explain and sessions to flag.

Rows are written in bulk, without history and without the services' side effects (mail, dossiers, figures
versions); the stored review scores still come from the one scoring function the portal uses.
"""

import hashlib
import math
import random
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from alliances.models import (
    SECTION_FIELDS,
    Alliance,
    AllianceMembership,
    AlliancePartner,
    BudgetCategory,
    BudgetLine,
    DocumentKind,
    EvaluationCycle,
    FederalState,
    FundingRound,
    Reopening,
    Strategy,
    StrategyDocument,
    StrategyStatus,
    Submission,
)
from alliances.services.submission import snapshot_fingerprint
from decisions.models import DecisionStatus, FundingDecision, Outcome
from portal.models import Role, User
from portal.uploads import CheckStatus
from reviews import services as review_services
from reviews.models import (
    AllianceBlockedDate,
    Assignment,
    AssignmentStatus,
    ConflictType,
    ExpertProfile,
    JurySession,
    PanelVotum,
    PitchSlot,
    PitchSlotStatus,
    Recommendation,
    Review,
    ReviewPolicy,
    ReviewStatus,
    Score,
)
from reviews.services import jury as jury_services

PASSWORD = "bench-passwort-2024"  # noqa: S105 - throwaway accounts in a throwaway database
CRITERIA_CSV = Path(settings.BASE_DIR) / "reviews" / "data" / "criteria.csv"
EMAIL_DOMAIN = "bench.example"
BATCH = 2000
# Experts per strategy (submitted reviews) and how many strategies one expert reviews at most.
REVIEWS_PER_STRATEGY = 3
STRATEGIES_PER_EXPERT = 10
REOPENED_EVERY = 8
DRAFT_REVIEW_EVERY = 8
# Jury sessions: slots for this many times the submitted strategies; short pitches put 144 into one day.
JURY_SLOTS_PER_STRATEGY = 1.2
JURORS_PER_SESSION = 5
JURY_DAYS_AHEAD = 30
JURY_HOURS = (7, 19)
JURY_MINUTES = {"pitch_minutes": 2, "qa_minutes": 2, "buffer_minutes": 1}
# Among the strategies still to place: every fourth has a juror of the first session conflicted, every sixth
# (offset by three) cannot pitch on its day; every tenth pitch already set has a juror who declared a conflict
# after the planning (the planner flags its session).
CONFLICTED_WAITING_EVERY = 4
BLOCKED_WAITING_EVERY = 6
CONFLICTED_PITCH_EVERY = 10

# Characters per section: a strategy of about twenty pages.
SECTION_LENGTHS = {
    "summary": 2500,
    "vision": 6000,
    "innovation_field_development": 6000,
    "measures": 12000,
    "alliance_management": 4500,
    "skilled_workers": 4500,
    "continuation": 4500,
}
BUDGET_PER_YEAR = {
    BudgetCategory.PERSONNEL: 900_000,
    BudgetCategory.MATERIAL: 180_000,
    BudgetCategory.INVESTMENT: 250_000,
    BudgetCategory.SUBCONTRACTS: 220_000,
    BudgetCategory.TRAVEL: 18_000,
    BudgetCategory.OTHER: 32_000,
}

FIELDS = [
    "Wasserstofftechnologien",
    "Bioökonomie",
    "Medizintechnik",
    "Kreislaufwirtschaft",
    "Leichtbau",
    "Digitale Landwirtschaft",
    "Gesundheitsversorgung im ländlichen Raum",
    "Holzbau",
    "Mikroelektronik",
    "Tourismus und Kultur",
]
REGIONS = [
    "Lausitz",
    "Altmark",
    "Erzgebirge",
    "Uckermark",
    "Vorpommern",
    "Thüringer Wald",
    "Harz",
    "Ostfriesland",
    "Westpfalz",
    "Oberlausitz",
    "Prignitz",
    "Vogtland",
]
SENTENCES = [
    "Das Bündnis hat in der Region {region} seit dem Start der Umsetzungsphase ein belastbares Netzwerk aus "
    "Unternehmen, Hochschulen und Verwaltung aufgebaut.",
    "Im Innovationsfeld {field} wurden bislang {number} Verbundvorhaben bewilligt, von denen die Mehrzahl planmäßig "
    "verläuft.",
    "Die Geschäftsstelle koordiniert die Arbeitsgruppen, bereitet die Sitzungen des Lenkungskreises vor und hält "
    "den Kontakt zu den Partnern.",
    "Für die kommenden Jahre setzt sich das Bündnis das Ziel, die Wertschöpfung in der Region messbar zu erhöhen "
    "und neue Arbeitsplätze zu schaffen.",
    "Kleine und mittlere Unternehmen werden gezielt angesprochen, weil sie den größten Teil der regionalen "
    "Wirtschaft ausmachen.",
    "Ein Transferzentrum an der Hochschule unterstützt die Partner bei der Überführung von Forschungsergebnissen "
    "in marktfähige Produkte.",
    "Die Fachkräftesicherung beruht auf Kooperationen mit Berufsschulen, einem regionalen Stipendienprogramm und "
    "gezielter Anwerbung.",
    "Zur Verstetigung wird ein eingetragener Verein gegründet, der die Aufgaben der Geschäftsstelle nach dem Ende "
    "der Förderung übernimmt.",
    "Die Mitgliedsbeiträge und Dienstleistungen des Vereins sollen ab {year} mindestens die Hälfte der laufenden "
    "Kosten decken.",
    "Die Zwischenbilanz zeigt, dass {number} neue Partner gewonnen wurden, darunter mehrere Unternehmen aus "
    "angrenzenden Landkreisen.",
    "Nicht alle Ziele des Innovationskonzepts wurden erreicht; insbesondere die Gründungsförderung blieb hinter "
    "den Erwartungen zurück.",
    "Als Konsequenz bündelt das Bündnis seine Aktivitäten in drei Handlungsfeldern mit klaren Meilensteinen und "
    "Indikatoren.",
    "Jedes Vorhaben wird anhand eines einheitlichen Indikatorensets begleitet, das jährlich an den Lenkungskreis "
    "berichtet wird.",
    "Die Öffentlichkeitsarbeit macht die Ergebnisse in der Region sichtbar und stärkt die Identifikation der "
    "Bevölkerung mit dem Bündnis.",
    "Mit den Kommunen der Region {region} wurden Vereinbarungen über die gemeinsame Nutzung von Flächen und "
    "Laboren getroffen.",
    "Die Partner bringen Eigenmittel in Höhe von rund {number} Prozent der Gesamtausgaben ein.",
    "Ein Beirat aus externen Fachleuten berät das Bündnis zur strategischen Weiterentwicklung im Feld {field}.",
    "Die Digitalisierung der Prozesse in den beteiligten Betrieben ist ein Querschnittsthema aller Vorhaben.",
    "Für Nachwuchskräfte entstehen duale Studiengänge, die Praxisphasen in den Partnerunternehmen vorsehen.",
    "Das Bündnis arbeitet mit zwei weiteren WIR!-Bündnissen zusammen, um Doppelstrukturen zu vermeiden.",
    "Risiken bestehen vor allem in steigenden Energiepreisen und im Wettbewerb um qualifizierte Fachkräfte.",
    "Die geplanten Investitionen betreffen vor allem eine gemeinsame Versuchsanlage und digitale Messtechnik.",
    "Die Vorhaben der zweiten Phase bauen unmittelbar auf den Ergebnissen der ersten Förderphase auf.",
    "Gleichstellung und Vielfalt werden bei der Besetzung der Gremien und der Auswahl der Vorhaben berücksichtigt.",
]
STRENGTHS = [
    "Breite regionale Verankerung und ein klares Profil im Innovationsfeld.",
    "Überzeugende Zwischenbilanz mit messbaren Ergebnissen der ersten Phase.",
    "Gut durchdachtes Konzept zur Verstetigung mit tragfähiger Finanzierung.",
    "Starke Beteiligung kleiner und mittlerer Unternehmen.",
]
WEAKNESSES = [
    "Die Verstetigung ist finanziell noch nicht gesichert.",
    "Die Indikatoren zur Messung der Struktureffekte bleiben vage.",
    "Die Gründungsförderung wird nur knapp behandelt.",
    "Der Finanzplan ist in einzelnen Positionen nicht nachvollziehbar begründet.",
]


def _text(rng, length, *, region, field):
    parts, total = [], 0
    while total < length:
        sentence = rng.choice(SENTENCES).format(
            region=region, field=field, number=rng.randint(3, 40), year=rng.randint(2027, 2030)
        )
        parts.append(sentence)
        total += len(sentence) + 1
        if rng.random() < 0.15:
            parts.append("\n\n")
    return " ".join(parts)[:length].strip()


def _bulk(model, rows):
    return model.objects.bulk_create(rows, batch_size=BATCH)


def _staff(password):
    """The programme office and two ministry users, each with an authenticator app (they need one)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    people = {}
    for key, email, role, name in [
        ("office", f"pt@{EMAIL_DOMAIN}", Role.PROGRAMME_OFFICE, "Petra Träger (PtJ)"),
        ("ministry", f"bmbf1@{EMAIL_DOMAIN}", Role.MINISTRY, "Dr. Bernd Bauer"),
        ("ministry2", f"bmbf2@{EMAIL_DOMAIN}", Role.MINISTRY, "Miriam Franke"),
    ]:
        user, created = User.objects.get_or_create(
            email=email, defaults={"role": role, "full_name": name, "password": password}
        )
        if created:
            TOTP.activate(user, generate_totp_secret())
        people[key] = user
    return people


def cycle_slug(size):
    return f"bench-{size}"


@transaction.atomic
def build(*, size, now=None, seed=13):
    """Builds (or returns, when already there) the benchmark cycle with `size` alliances."""
    existing = EvaluationCycle.objects.filter(slug=cycle_slug(size)).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    rng = random.Random(seed * 100_003 + size)
    password = make_password(PASSWORD)
    staff = _staff(password)
    office, ministry, ministry2 = staff["office"], staff["ministry"], staff["ministry2"]
    funding_round, _created = FundingRound.objects.get_or_create(
        number=2, defaults={"name": "WIR! – zweite Förderrunde", "implementation_start": date(2021, 9, 9)}
    )
    cycle = EvaluationCycle.objects.create(
        funding_round=funding_round,
        name=f"Benchmark mit {size} Bündnissen",
        slug=cycle_slug(size),
        # Still open for the reopened strategies, and within the review period for the experts' drafts.
        submission_opens_at=now - timedelta(days=30),
        submission_deadline=now + timedelta(days=20, minutes=size),
        review_deadline=now + timedelta(days=60),
        panel_deadline=now + timedelta(days=70),
        decision_deadline=now + timedelta(days=80),
        budget=Decimal(size) * Decimal("5000000"),
        first_funding_year=2026,
    )
    review_services.replace_rubric(
        cycle=cycle, criteria=review_services.parse_criteria_csv(CRITERIA_CSV.read_text(encoding="utf-8"))
    )
    rubric = review_services.current_rubric(cycle)
    criteria = list(rubric.criteria.order_by("position"))
    ReviewPolicy.objects.update_or_create(cycle=cycle, defaults={"load_cap": STRATEGIES_PER_EXPERT + 2})
    states = list(FederalState.objects.order_by("code"))

    alliances = _bulk(
        Alliance,
        [
            Alliance(
                slug=f"b{size}-{number:04d}",
                name=f"WIR! {REGIONS[number % len(REGIONS)]} {number:04d} ({size})",
                acronym=f"B{number:04d}",
                region=REGIONS[number % len(REGIONS)],
                innovation_field=FIELDS[number % len(FIELDS)],
            )
            for number in range(size)
        ],
    )
    if states:
        _bulk(
            Alliance.states.through,
            [
                Alliance.states.through(alliance_id=a.pk, federalstate_id=states[i % len(states)].pk)
                for i, a in enumerate(alliances)
            ],
        )
    _bulk(
        AlliancePartner,
        [
            AlliancePartner(alliance=a, name=f"Partner {k} von {a.acronym}", email_domain=f"p{k}-{a.slug}.example")
            for a in alliances
            for k in range(3)
        ],
    )
    managers = _bulk(
        User,
        [
            User(
                email=f"manager-{a.slug}@{EMAIL_DOMAIN}",
                full_name=f"Geschäftsstelle {a.acronym}",
                role=Role.ALLIANCE_MANAGER,
                password=password,
            )
            for a in alliances
        ],
    )
    _bulk(
        AllianceMembership,
        [AllianceMembership(user=m, alliance=a) for m, a in zip(managers, alliances, strict=True)],
    )

    pool = max(6, size * REVIEWS_PER_STRATEGY // STRATEGIES_PER_EXPERT)
    experts = _bulk(
        User,
        [
            User(
                email=f"expert{number}-{size}@{EMAIL_DOMAIN}",
                full_name=f"Gutachter/in {number} ({size})",
                role=Role.EXPERT,
                password=password,
            )
            for number in range(pool)
        ],
    )
    _bulk(
        ExpertProfile,
        [
            ExpertProfile(
                user=e,
                affiliation=f"Institut {i} für Regionalforschung",
                email_domain=f"institut{i}-{size}.example",
                federal_state=states[(i * 7) % len(states)] if states else None,
                expertise_keywords=", ".join(rng.sample(FIELDS, 3)),
            )
            for i, e in enumerate(experts)
        ],
    )

    strategies = []
    texts = []
    for number, (alliance, manager) in enumerate(zip(alliances, managers, strict=True)):
        sections = {
            name: _text(rng, SECTION_LENGTHS[name], region=alliance.region, field=alliance.innovation_field)
            for name in SECTION_FIELDS
        }
        texts.append(sections)
        reopened = number % REOPENED_EVERY == 0
        strategies.append(
            Strategy(
                cycle=cycle,
                alliance=alliance,
                status=StrategyStatus.REOPENED if reopened else StrategyStatus.SUBMITTED,
                version=4 if reopened else 3,
                updated_at=now - timedelta(days=5),
                updated_by=manager,
                **sections,
            )
        )
    strategies = _bulk(Strategy, strategies)

    budget_lines, budgets = [], []
    for strategy in strategies:
        factor = Decimal(rng.randint(70, 110)) / Decimal(100)
        lines = []
        for year in cycle.years:
            for category, amount in BUDGET_PER_YEAR.items():
                value = (Decimal(amount) * factor).quantize(Decimal("1"))
                budget_lines.append(BudgetLine(strategy=strategy, year=year, category=category, amount=value))
                lines.append({"year": year, "category": str(category), "amount": f"{value}.00"})
        budgets.append(sorted(lines, key=lambda line: (line["year"], line["category"])))
    _bulk(BudgetLine, budget_lines)

    documents = []
    for strategy, manager in zip(strategies, managers, strict=True):
        public_id = uuid.uuid4()
        digest = hashlib.sha256(str(public_id).encode()).hexdigest()
        documents.append(
            StrategyDocument(
                public_id=public_id,
                strategy=strategy,
                kind=DocumentKind.MAIN,
                file=f"strategies/{strategy.pk}/{public_id}.pdf",
                original_name="Strategie.pdf",
                size=1_400_000,
                sha256=digest,
                original_sha256=digest,
                page_count=20,
                check_status=CheckStatus.CHECKED,
                uploaded_by=manager,
                uploaded_at=now - timedelta(days=6),
            )
        )
    documents = _bulk(StrategyDocument, documents)

    submissions = []
    for strategy, manager, sections, budget, document in zip(
        strategies, managers, texts, budgets, documents, strict=True
    ):
        facts = [
            {
                "id": str(document.public_id),
                "kind": document.kind,
                "name": document.original_name,
                "sha256": document.sha256,
                "served_sha256": document.sha256,
                "size": document.size,
                "pages": document.page_count,
            }
        ]
        submissions.append(
            Submission(
                strategy=strategy,
                number=1,
                submitted_at=now - timedelta(days=5),
                submitted_by=manager,
                sections=sections,
                budget=budget,
                documents=facts,
                fingerprint=snapshot_fingerprint(
                    cycle_slug=cycle.slug,
                    alliance_slug=strategy.alliance.slug,
                    sections=sections,
                    budget=budget,
                    documents=facts,
                ),
            )
        )
    submissions = _bulk(Submission, submissions)
    _bulk(
        Reopening,
        [
            Reopening(
                submission=submission,
                reopened_by=office,
                reopened_at=now - timedelta(days=2),
                reason="Der Finanzplan ist zu überarbeiten; bitte ergänzen Sie die Begründung der Investitionen.",
            )
            for number, submission in enumerate(submissions)
            if number % REOPENED_EVERY == 0
        ],
    )

    assignments, review_plan = [], []
    for number, strategy in enumerate(strategies):
        slots = REVIEWS_PER_STRATEGY + (1 if number % DRAFT_REVIEW_EVERY == DRAFT_REVIEW_EVERY // 2 else 0)
        for slot in range(slots):
            expert = experts[(number * REVIEWS_PER_STRATEGY + slot) % pool]
            assignments.append(
                Assignment(
                    strategy=strategy,
                    expert=expert,
                    status=AssignmentStatus.CLEARED,
                    assigned_by=office,
                    assigned_at=now - timedelta(days=4),
                    pseudonym="ABCD"[slot],
                    declared_at=now - timedelta(days=3),
                    last_activity_at=now - timedelta(days=1),
                )
            )
            review_plan.append((number, slot >= REVIEWS_PER_STRATEGY))
    assignments = _bulk(Assignment, assignments)

    reviews = []
    for assignment, (number, draft) in zip(assignments, review_plan, strict=True):
        if draft:
            recommendation = ""
        else:
            recommendation = rng.choices(
                [
                    Recommendation.FUND,
                    Recommendation.FUND_WITH_CONDITIONS,
                    Recommendation.DO_NOT_FUND,
                    Recommendation.ABSTAIN,
                ],
                weights=[50, 30, 15, 5],
            )[0]
        reviews.append(
            Review(
                assignment=assignment,
                submission=submissions[number],
                rubric=rubric,
                status=ReviewStatus.DRAFT if draft else ReviewStatus.SUBMITTED,
                recommendation=recommendation,
                strengths=" ".join(rng.sample(STRENGTHS, 3)),
                weaknesses=" ".join(rng.sample(WEAKNESSES, 2)),
                proposed_conditions="Verstetigungskonzept bis Ende 2026 vorlegen."
                if recommendation == Recommendation.FUND_WITH_CONDITIONS
                else "",
                version=1 if draft else 3,
                created_at=now - timedelta(days=3),
                updated_at=now - timedelta(days=1),
                submitted_at=None if draft else now - timedelta(days=1),
            )
        )
    reviews = _bulk(Review, reviews)

    bases = [rng.uniform(1.5, 4.6) for _strategy in strategies]
    scores = []
    for review, (number, draft) in zip(reviews, review_plan, strict=True):
        leaning = rng.uniform(-1.0, 1.0)
        for position, criterion in enumerate(criteria):
            if draft and position >= 3:
                break
            value = round(bases[number] + leaning + rng.uniform(-0.8, 0.8))
            scores.append(
                Score(
                    review=review,
                    criterion=criterion,
                    value=min(criterion.scale_max, max(criterion.scale_min, value)),
                    justification=f"Im Kriterium „{criterion.title}“ überzeugt die Strategie "
                    + rng.choice(["weitgehend.", "in Teilen.", "vollständig.", "noch nicht."]),
                )
            )
    _bulk(Score, scores)

    _bulk(
        PanelVotum,
        [
            PanelVotum(
                strategy=strategy,
                recommendation=Recommendation.FUND if number % 4 else Recommendation.FUND_WITH_CONDITIONS,
                proposed_amount=Decimal("4500000"),
                conditions="" if number % 4 else "Verstetigungskonzept vorlegen.",
                summary="Die Jury empfiehlt die Förderung; die Gutachten stimmen in der Bewertung weitgehend überein.",
                written_by=office,
                updated_at=now - timedelta(hours=12),
            )
            for number, strategy in enumerate(strategies)
            if number % 2 == 0
        ],
    )
    _bulk(
        FundingDecision,
        [
            FundingDecision(
                strategy=strategy,
                outcome=Outcome.APPROVED if number % 9 else Outcome.REJECTED,
                granted_amount=Decimal("4500000") if number % 9 else Decimal("0"),
                funding_start=date(2026, 4, 1),
                funding_end=date(2029, 3, 31),
                rationale="Die Strategie überzeugt in der Gesamtschau; das Votum der Jury wird übernommen.",
                status=DecisionStatus.CONFIRMED,
                proposed_by=ministry,
                proposed_at=now - timedelta(hours=6),
                confirmed_by=ministry2,
                confirmed_at=now - timedelta(hours=3),
            )
            for number, strategy in enumerate(strategies)
            if number % 3 == 0
        ],
    )
    store_scores(Review.objects.filter(assignment__strategy__cycle=cycle), strategy_ids=[s.pk for s in strategies])
    reviewers = {}
    for assignment in assignments:
        reviewers.setdefault(assignment.strategy_id, set()).add(assignment.expert_id)
    _jury_sessions(cycle, strategies=strategies, experts=experts, reviewers=reviewers, staff=staff, now=now)
    return cycle


def _jury_days(now):
    """One day per session from JURY_DAYS_AHEAD on, after the sessions other sizes planned (the ministry's observer
    sits in all of them and cannot be in two at once)."""
    first = timezone.localdate(now) + timedelta(days=JURY_DAYS_AHEAD)
    latest = JurySession.objects.aggregate(latest=Max("ends_at"))["latest"]
    if latest is not None:
        first = max(first, timezone.localdate(latest) + timedelta(days=1))
    day = first
    while True:
        yield day
        day += timedelta(days=1)


def _jury_sessions(cycle, *, strategies, experts, reviewers, staff, now):
    """The cycle's jury sessions through the real services (members, slots), then half the submitted strategies'
    pitches written straight into the slots (no invitations), spread evenly over the sessions; conflicts and
    blocked days in bulk."""
    office, observer = staff["office"], staff["ministry"]
    submitted = [strategy for strategy in strategies if strategy.status == StrategyStatus.SUBMITTED]
    pitching, waiting = submitted[::2], submitted[1::2]
    start, end = JURY_HOURS
    per_session = (end - start) * 60 // sum(JURY_MINUTES.values())
    count = max(1, math.ceil(len(submitted) * JURY_SLOTS_PER_STRATEGY / per_session))
    sessions, slots = [], []
    for number, day in zip(range(count), _jury_days(now), strict=False):
        jurors = [experts[(number * JURORS_PER_SESSION + k) % len(experts)] for k in range(JURORS_PER_SESSION)]
        starts_at = timezone.make_aware(datetime.combine(day, time(start)))
        session = jury_services.save_jury_session(
            cycle=cycle,
            user=office,
            title=f"Jurysitzung {number + 1} ({cycle.slug})",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=end - start),
            video_url=f"https://konferenz.{EMAIL_DOMAIN}/jury-{cycle.slug}-{number + 1}",
            chair=jurors[0],
            jurors=jurors,
            observers=[observer],
            now=now,
            **JURY_MINUTES,
        )
        session.juror_ids = [juror.pk for juror in jurors]
        sessions.append(session)
        slots.append(jury_services.generate_slots(session=session, user=office, now=now))
    taken = []
    for number, strategy in enumerate(pitching):
        slot = slots[number % count][number // count]
        slot.strategy, slot.status = strategy, PitchSlotStatus.TAKEN
        taken.append(slot)
    PitchSlot.objects.bulk_update(taken, ["strategy", "status"], batch_size=BATCH)

    def conflict(strategy, session):
        juror = next(pk for pk in session.juror_ids if pk not in reviewers.get(strategy.pk, ()))
        return Assignment(
            strategy=strategy,
            expert_id=juror,
            status=AssignmentStatus.CONFLICTED,
            assigned_by=office,
            assigned_at=now - timedelta(days=4),
            pseudonym="E",
            declared_at=now - timedelta(days=1),
            conflict_type=ConflictType.INSTITUTIONAL,
            conflict_explanation="Ich bin Mitglied im Lenkungskreis eines Partners des Bündnisses.",
        )

    conflicts = [
        conflict(strategy, sessions[0])
        for number, strategy in enumerate(waiting)
        if number % CONFLICTED_WAITING_EVERY == 0
    ]
    conflicts += [
        conflict(slot.strategy, sessions[number % count])
        for number, slot in enumerate(taken)
        if number % CONFLICTED_PITCH_EVERY == 0
    ]
    _bulk(Assignment, conflicts)
    first_day = timezone.localdate(sessions[0].starts_at)
    _bulk(
        AllianceBlockedDate,
        [
            AllianceBlockedDate(alliance_id=strategy.alliance_id, date=first_day, reason="Lenkungskreissitzung")
            for number, strategy in enumerate(waiting)
            if number % BLOCKED_WAITING_EVERY == BLOCKED_WAITING_EVERY // 2
        ],
    )
    return sessions


def store_scores(reviews, *, strategy_ids):
    """Stores the reviews' weighted scores with the portal's own scoring function (and its summaries, if any)."""
    try:
        from reviews import scoring
    except ImportError:  # before stored scores existed, the aggregates computed them at read time
        return
    scoring.store_weighted_scores(reviews)
    refresh = getattr(scoring, "refresh_score_summaries", None)
    if refresh is not None:
        refresh(strategy_ids=strategy_ids)


def analyze():
    """Fresh statistics for the planner, as after a night of autovacuum."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
