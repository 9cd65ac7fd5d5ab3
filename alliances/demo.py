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
    Strategy,
    StrategyStatus,
)
from portal.demo import demo_user
from portal.models import Role
from portal.uploads import check_now

ALLIANCES_CSV = Path(__file__).resolve().parent / "data" / "alliances.csv"
CYCLE_SLUG = "zwischenbegutachtung-2024"


def demo_cycle():
    """The demo cycle, with dates around today so that it is in the submission phase."""
    funding_round, _ = FundingRound.objects.get_or_create(
        number=2, defaults={"name": "WIR! – zweite Förderrunde", "implementation_start": date(2021, 9, 9)}
    )
    today = timezone.localtime().replace(hour=23, minute=59, second=0, microsecond=0)
    cycle, _ = EvaluationCycle.objects.get_or_create(
        slug=CYCLE_SLUG,
        defaults={
            "funding_round": funding_round,
            "name": "Zwischenbegutachtung 2024",
            "submission_opens_at": today - timedelta(days=45),
            "submission_deadline": today + timedelta(days=14),
            "review_deadline": today + timedelta(days=60),
            "panel_deadline": today + timedelta(days=75),
            "decision_deadline": today + timedelta(days=90),
            "budget": Decimal("120000000"),
            "first_funding_year": 2025,
            "funding_years": 3,
        },
    )
    return cycle


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


def seed(*, stdout):
    cycle = demo_cycle()
    report = services.import_alliances(csv_text=ALLIANCES_CSV.read_text(encoding="utf-8"))
    stdout.write(
        f"Bündnisse: {len(report.created)} angelegt, {len(report.updated)} aktualisiert, "
        f"{len(report.unchanged)} unverändert."
    )
    accounts = []
    now = timezone.now()
    for index, alliance in enumerate(Alliance.objects.order_by("name")):
        manager = demo_user(
            f"{alliance.slug}@demo.example", role=Role.ALLIANCE_MANAGER, full_name=f"Bündnismanagement {alliance.name}"
        )
        AllianceMembership.objects.get_or_create(user=manager, alliance=alliance)
        accounts.append((manager.email, f"{manager.get_role_display()} {alliance.name}"))
        strategy, created = Strategy.objects.get_or_create(cycle=cycle, alliance=alliance)
        if not created:
            continue
        # Every third alliance has only begun; the rest are complete, and two of three of those submitted.
        begun_only = index % 3 == 2
        texts = strategy_text(alliance)
        strategy = services.save_strategy_draft(
            strategy=strategy,
            user=manager,
            sections={"summary": texts["summary"]} if begun_only else texts,
            budget={} if begun_only else demo_budget(cycle, Decimal("0.9") + Decimal(index % 4) / 20),
            expected_version=strategy.version,
            now=now,
        )
        if begun_only:
            continue
        for kind, file_name, title, pages in [
            (DocumentKind.MAIN, f"Strategie_{alliance.slug}.pdf", "Erweiterte WIR!-Strategie", 4),
            (DocumentKind.LETTER_OF_SUPPORT, "Unterstuetzungsschreiben_Landkreis.pdf", "Unterstützungsschreiben", 1),
        ]:
            document = services.add_strategy_document(
                strategy=strategy,
                user=manager,
                kind=kind,
                now=now,
                uploaded_file=SimpleUploadedFile(file_name, demo_pdf(title, alliance, pages)),
            )
            # Checked at once, so the demo can submit right away; the portal checks in the worker.
            check_now(document)
        if index % 3 == 0:
            with override_settings(MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}):
                services.submit_strategy(strategy=strategy, user=manager, now=now)
    counts = {status.label: Strategy.objects.filter(cycle=cycle, status=status).count() for status in StrategyStatus}
    stdout.write("Strategien: " + ", ".join(f"{label}: {count}" for label, count in counts.items()))
    return accounts
