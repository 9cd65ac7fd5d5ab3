"""`render_dossiers`: renders dossiers of a cycle in-process, prints time and pages of each, refuses bad
arguments in German."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from dossiers.models import Dossier, DossierKind, DossierStatus
from tests.factories import AllianceFactory, StrategyFactory, submitted_strategy

pytestmark = pytest.mark.django_db

LINE = re.compile(r"^(?P<label>.+?)\s+fertig\s+(?P<pages>\d+) Seiten\s+(?P<seconds>\d+\.\d\d) s$")


@pytest.fixture
def two_submitted(cycle):
    for name, slug in (("Gesunde Lausitz", "gesunde-lausitz"), ("DIANA", "diana")):
        submitted_strategy(cycle, AllianceFactory(name=name, slug=slug))
    StrategyFactory(cycle=cycle, alliance=AllianceFactory(name="Nur Entwurf", slug="nur-entwurf"))
    return cycle


def run(*args):
    out = io.StringIO()
    call_command("render_dossiers", *args, stdout=out)
    return out.getvalue()


def dossier_lines(output):
    return [LINE.match(line) for line in output.splitlines() if LINE.match(line)]


def test_all_strategy_dossiers_are_rendered_with_time_and_pages(two_submitted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        output = run("--cycle", two_submitted.slug, "--all")
    assert callbacks == []  # rendered by the command itself, nothing sent to the workers as well
    lines = dossier_lines(output)
    assert [line["label"] for line in lines] == ["DIANA", "Gesunde Lausitz"]
    dossiers = {d.strategy.alliance.name: d for d in Dossier.objects.select_related("strategy__alliance")}
    assert set(dossiers) == {"DIANA", "Gesunde Lausitz"}
    for line in lines:
        dossier = dossiers[line["label"]]
        assert dossier.status == DossierStatus.READY and dossier.kind == DossierKind.STRATEGY
        assert int(line["pages"]) == dossier.page_count > 0
        assert float(line["seconds"]) == pytest.approx(dossier.render_seconds, abs=0.01)
    total = sum(d.page_count for d in dossiers.values())
    assert re.search(rf"^Gesamt: 2 Dossiers, {total} Seiten in \d+\.\d\d s \(\d+\.\d Seiten/s\)$", output, re.M)


def test_unchanged_dossiers_are_reused_unless_forced(two_submitted):
    run("--alliance", "diana")
    first = Dossier.objects.get()
    run("--alliance", "diana")
    assert list(Dossier.objects.values_list("pk", flat=True)) == [first.pk]
    output = run("--alliance", "diana", "--force")
    assert Dossier.objects.count() == 2
    forced = Dossier.objects.exclude(pk=first.pk).get()
    assert forced.status == DossierStatus.READY
    assert [line["label"] for line in dossier_lines(output)] == ["DIANA"]


def test_the_cycle_report_is_rendered_once_for_the_cycle(two_submitted):
    output = run("--kind", "cycle_report")
    [line] = dossier_lines(output)
    assert line["label"] == "Zwischenbegutachtung 2024"
    report = Dossier.objects.get(kind=DossierKind.CYCLE_REPORT)
    assert int(line["pages"]) == report.page_count


@pytest.mark.parametrize(("args", "message"), [
    (["--kind", "brief", "--all"], "Unbekannte Art „brief“. Erlaubt sind: strategy, evaluation, cycle_report."),
    (["--kind", "cycle_archive", "--all"], "Unbekannte Art „cycle_archive“."),
    ([], "Bitte --all oder --alliance <kurzname> angeben."),
    (["--all", "--alliance", "diana"], "Bitte entweder --all oder --alliance angeben, nicht beides."),
    (["--kind", "cycle_report", "--all"], "Der Bericht zur Begutachtungsrunde gilt für die ganze Runde"),
    (["--alliance", "gibt-es-nicht", "--alliance", "nur-entwurf"],
     "Keine eingereichte Strategie in dieser Runde für: gibt-es-nicht, nur-entwurf."),
    (["--all", "--cycle", "unbekannt"], "Keine Begutachtungsrunde „unbekannt“ gefunden."),
    (["--all", "--timeout", "bald"], "--timeout erwartet eine positive ganze Zahl von Sekunden, nicht „bald“."),
    (["--all", "--workers", "--timeout", "0"], "--timeout erwartet eine positive ganze Zahl"),
])
def test_bad_arguments_are_refused_in_german_before_anything_is_rendered(two_submitted, args, message):
    with pytest.raises(CommandError) as refused:
        run(*args)
    assert message in str(refused.value)
    assert not Dossier.objects.exists()
