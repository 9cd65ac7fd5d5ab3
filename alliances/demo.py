"""Demo data for the submission stage: the real alliances, their managers and strategies."""

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.html import escape

from alliances import services
from alliances.models import (
    Alliance,
    AllianceMembership,
    BudgetCategory,
    DocumentKind,
    EvaluationCycle,
    FundingRound,
    Phase,
    Strategy,
    StrategyStatus,
)
from alliances.services.alliance_letter import update_letter_data
from portal.demo import DEFAULT_DEMO_PHASE, DEMO_MAILERS, DemoPhaseRefused, demo_user
from portal.models import Role, User
from portal.uploads import check_now

ALLIANCES_CSV = Path(__file__).resolve().parent / "data" / "alliances.csv"
CYCLE_SLUG = "zwischenbegutachtung-2024"
LOCAL_MAIL = DEMO_MAILERS


# The cycle's dates for each phase the demo can show, in days from today (the phase follows from the dates).
# "released" also sets the release date of the cycle's decisions (today, before the decision deadline), which is
# what makes the phase "Freigegeben".
PHASE_DAYS = {
    Phase.SUBMISSION: {"opens": -45, "submission": 14, "review": 60, "panel": 75, "decision": 90},
    Phase.REVIEW: {"opens": -100, "submission": -20, "review": 25, "panel": 40, "decision": 60},
    Phase.DECISION: {"opens": -150, "submission": -70, "review": -30, "panel": -7, "decision": 21},
    Phase.RELEASED: {"opens": -160, "submission": -90, "review": -50, "panel": -20, "decision": 10},
}


def demo_cycle(phase=DEFAULT_DEMO_PHASE):
    """The demo cycle; created with dates around today that put it in `phase`, an existing one is left as it is."""
    funding_round, _ = FundingRound.objects.get_or_create(
        number=2, defaults={"name": "WIR! – zweite Förderrunde", "implementation_start": date(2021, 9, 9)}
    )
    days = PHASE_DAYS[Phase(phase)]
    today = timezone.localtime().replace(hour=23, minute=59, second=0, microsecond=0)
    cycle, _ = EvaluationCycle.objects.get_or_create(
        slug=CYCLE_SLUG,
        defaults={
            "funding_round": funding_round,
            "name": "Zwischenbegutachtung 2024",
            "submission_opens_at": today + timedelta(days=days["opens"]),
            "submission_deadline": today + timedelta(days=days["submission"]),
            "review_deadline": today + timedelta(days=days["review"]),
            "panel_deadline": today + timedelta(days=days["panel"]),
            "decision_deadline": today + timedelta(days=days["decision"]),
            "released_at": timezone.now() if phase == Phase.RELEASED else None,
            "budget": Decimal("120000000"),
            "first_funding_year": 2025,
            "funding_years": 3,
        },
    )
    return cycle


def work_moment(cycle, *, days_before_deadline, hours_earlier=0):
    """When the demo's alliances worked: now while the submission is open, else that long before the deadline."""
    before = timedelta(days=days_before_deadline, hours=hours_earlier)
    return min(timezone.now(), cycle.submission_deadline - before)


def strategy_text(alliance):
    field = alliance.innovation_field or "sein Innovationsfeld"
    region = alliance.region or "die Region"
    return {
        "summary": (
            f"Das Bündnis {alliance.name} hat in der ersten Umsetzungsphase in {region} ein tragfähiges Netzwerk "
            f"aus Unternehmen, Hochschulen, Verwaltung und Zivilgesellschaft aufgebaut. Die erweiterte Strategie "
            f"schärft das Profil im Innovationsfeld „{field}“ und legt dar, wie die Strukturen bis zum Ende der "
            f"Förderung selbsttragend werden."
        ),
        "vision": (
            f"Bis 2028 soll {region} für „{field}“ überregional sichtbar sein. Ziele: zehn neue Produkte oder "
            "Verfahren am Markt, 300 gesicherte Arbeitsplätze und eine dauerhafte Bündnisgeschäftsstelle."
        ),
        "innovation_field_development": (
            "Aus 14 Vorhaben der ersten Phase sind sechs marktreife Ergebnisse hervorgegangen. Zwei Vorhaben "
            "wurden beendet, weil sich die technischen Annahmen nicht bestätigt haben; die Erkenntnisse fließen "
            "in die neuen Vorhaben ein."
        ),
        "measures": (
            "Geplant sind drei Vorhabenlinien: Technologietransfer in kleine und mittlere Unternehmen, "
            "gemeinsame Reallabore mit den Kommunen und ein Gründungsprogramm mit den Hochschulen der Region."
        ),
        "alliance_management": (
            "Die Geschäftsstelle mit vier Stellen koordiniert das Bündnis. Ein Lenkungskreis aus acht Partnern "
            "entscheidet über neue Vorhaben; ein Beirat mit externen Fachleuten begleitet die Strategie."
        ),
        "skilled_workers": (
            "Gemeinsam mit Kammern und Berufsschulen entstehen zwei Weiterbildungsangebote. Ein Rückkehrerprogramm "
            "wirbt gezielt Fachkräfte an, die die Region für Ausbildung oder Studium verlassen haben."
        ),
        "continuation": (
            "Ab 2028 tragen Mitgliedsbeiträge, Landesmittel und Erlöse aus Dienstleistungen die Geschäftsstelle. "
            "Ein Trägerverein ist bereits gegründet."
        ),
    }


def demo_budget(cycle, share):
    base = {
        BudgetCategory.PERSONNEL: Decimal("900000"),
        BudgetCategory.MATERIAL: Decimal("250000"),
        BudgetCategory.INVESTMENT: Decimal("400000"),
        BudgetCategory.SUBCONTRACTS: Decimal("350000"),
        BudgetCategory.TRAVEL: Decimal("30000"),
        BudgetCategory.OTHER: Decimal("20000"),
    }
    return {
        (year, category): (amount * share).quantize(Decimal("1"))
        for year in cycle.years
        for category, amount in base.items()
    }


def demo_pdf(title, alliance, pages):
    """A small real PDF with text, standing in for an alliance's uploaded document."""
    from weasyprint import HTML

    body = "".join(
        f"<section><h1>{escape(title)}</h1><h2>{escape(alliance.name)}</h2>"
        f"<p>Seite {number} von {pages}. {escape(alliance.innovation_field)}</p></section>"
        for number in range(1, pages + 1)
    )
    style = "<style>section { page-break-after: always; }</style>"
    html = f"<html lang='de'><head>{style}</head><body>{body}</body></html>"
    return HTML(string=html).write_pdf()


def seed(*, stdout, phase=None):
    """Builds the alliances, their managers and strategies as far as `phase` (default: the demo's default phase).

    An existing demo keeps its phase; asking for another one is refused (its data cannot be taken back).
    """
    existing = EvaluationCycle.objects.filter(slug=CYCLE_SLUG).first()
    if existing is not None and phase and existing.phase != phase:
        raise DemoPhaseRefused(
            f"Die Demo besteht bereits in der Phase „{existing.phase.label}“ und bleibt so; was in einer Phase "
            f"geschehen ist, lässt sich nicht zurücknehmen. Für die Phase „{Phase(phase).label}“ bitte mit einer "
            f"leeren Datenbank beginnen (z. B. db.sqlite3 löschen, dann migrate und seed_demo --phase {phase})."
        )
    cycle = existing or demo_cycle(phase or DEFAULT_DEMO_PHASE)
    if existing is not None:
        stdout.write(f"Die Demo besteht bereits; ihre Phase bleibt „{cycle.phase.label}“.")
    else:
        stdout.write(f"Demo-Runde angelegt in der Phase „{cycle.phase.label}“.")
    report = services.import_alliances(csv_text=ALLIANCES_CSV.read_text(encoding="utf-8"))
    stdout.write(
        f"Bündnisse: {len(report.created)} angelegt, {len(report.updated)} aktualisiert, "
        f"{len(report.unchanged)} unverändert."
    )
    give_demo_letter_data(Alliance.objects.order_by("name"))
    # While the submission is open, alliances are at every stage of their work; after the deadline all submitted.
    submission_open = cycle.phase == Phase.SUBMISSION
    accounts = []
    for index, alliance in enumerate(Alliance.objects.order_by("name")):
        manager = demo_user(
            f"{alliance.slug}@demo.example", role=Role.ALLIANCE_MANAGER, full_name=f"Bündnismanagement {alliance.name}"
        )
        AllianceMembership.objects.get_or_create(user=manager, alliance=alliance)
        accounts.append((manager.email, f"{manager.get_role_display()} {alliance.name}"))
        strategy, created = Strategy.objects.get_or_create(cycle=cycle, alliance=alliance)
        if not created:
            continue
        # While open, every third alliance has only begun; the rest are complete, and half of those submitted.
        plan = ["submitted", "complete", "begun"][index % 3] if submission_open else "submitted"
        seed_strategy(strategy, manager, index=index, plan=plan)
    counts = {status.label: Strategy.objects.filter(cycle=cycle, status=status).count() for status in StrategyStatus}
    stdout.write("Strategien: " + ", ".join(f"{label}: {count}" for label, count in counts.items()))
    return accounts


def give_demo_letter_data(alliances):
    """An invented postal address and file reference for each alliance without them, entered as the programme office
    would, so that the demo's decision letters are complete. Real ones come from the funding files."""
    office = User.objects.get(email="pt@demo.example")
    for index, alliance in enumerate(alliances, start=1):
        if alliance.file_reference:
            continue
        update_letter_data(
            alliance=alliance,
            user=office,
            postal_recipient=f"Bündnismanagement {alliance.name}",
            postal_street=f"Beispielweg {index}",
            postal_code=f"{10000 + index * 4111:05d}",
            postal_city=alliance.region.split(",")[0].strip(),
            file_reference=f"03WIR2{index:03d}A",
        )


def seed_strategy(strategy, manager, *, index, plan):
    """Writes a strategy as its manager would: a draft, its documents, then (for "submitted") the submission."""
    cycle, alliance = strategy.cycle, strategy.alliance
    begun_only = plan == "begun"
    texts = strategy_text(alliance)
    strategy = services.save_strategy_draft(
        strategy=strategy,
        user=manager,
        sections={"summary": texts["summary"]} if begun_only else texts,
        budget={} if begun_only else demo_budget(cycle, Decimal("0.9") + Decimal(index % 4) / 20),
        expected_version=strategy.version,
        now=work_moment(cycle, days_before_deadline=30),
    )
    if begun_only:
        return
    for kind, file_name, title, pages in [
        (DocumentKind.MAIN, f"Strategie_{alliance.slug}.pdf", "Erweiterte WIR!-Strategie", 4),
        (DocumentKind.LETTER_OF_SUPPORT, "Unterstuetzungsschreiben_Landkreis.pdf", "Unterstützungsschreiben", 1),
    ]:
        document = services.add_strategy_document(
            strategy=strategy,
            user=manager,
            kind=kind,
            now=work_moment(cycle, days_before_deadline=20),
            uploaded_file=SimpleUploadedFile(file_name, demo_pdf(title, alliance, pages)),
        )
        # Checked at once, so the demo can submit right away; the portal checks in the worker.
        check_now(document)
    if plan == "submitted":
        with override_settings(MAILERS=LOCAL_MAIL):
            # Submissions arrive over the last days before the deadline, a few hours apart.
            submitted_at = work_moment(cycle, days_before_deadline=2, hours_earlier=5 * index)
            services.submit_strategy(strategy=strategy, user=manager, now=submitted_at)
