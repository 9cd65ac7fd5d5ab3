from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from alliances.models import EvaluationCycle
from reviews.services import current_rubric, parse_criteria_csv, replace_rubric

DEFAULT_CRITERIA = Path(__file__).resolve().parents[2] / "data" / "criteria.csv"


class Command(BaseCommand):
    help = "Lädt die Bewertungskriterien einer Begutachtungsrunde aus einer CSV-Datei (Standard: Programmkriterien)."

    def add_arguments(self, parser):
        parser.add_argument("cycle_slug")
        parser.add_argument("csv_path", nargs="?", type=Path, default=DEFAULT_CRITERIA)

    def handle(self, *args, cycle_slug, csv_path, **options):
        cycle = EvaluationCycle.objects.filter(slug=cycle_slug).first()
        if cycle is None:
            raise CommandError(f"Begutachtungsrunde „{cycle_slug}“ gibt es nicht.")
        try:
            rows = parse_criteria_csv(csv_path.read_text(encoding="utf-8-sig"))
        except OSError as error:
            raise CommandError(f"Die Datei {csv_path} kann nicht gelesen werden: {error}") from error
        except ValidationError as error:
            raise CommandError("Nichts wurde geändert.\n" + "\n".join(error.messages)) from error
        before = current_rubric(cycle)
        rubric = replace_rubric(cycle=cycle, criteria=rows)
        verb = "neue Version" if before is None or before.pk != rubric.pk else "aktualisiert"
        self.stdout.write(
            self.style.SUCCESS(
                f"Bewertungsschema Version {rubric.number} ({verb}): {len(rows)} Kriterien, "
                f"Gewichte zusammen {sum(row['weight'] for row in rows)}."
            )
        )
