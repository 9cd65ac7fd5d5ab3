"""`render_dossiers`: renders every kind of dossier of a cycle in-process through the services the web uses,
prints time and pages of each, skips strategies without a released decision for the letter, refuses bad
arguments in German.

The cycle is built once for the module, inside a transaction rolled back at its end; each test runs in a
savepoint within it, so what a test renders is gone for the next one."""

import io
import re
import zipfile
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from pypdf import PdfReader

from decisions import services as decision_services
from dossiers.management.commands import render_dossiers
from dossiers.models import EXPORT_KINDS, PRIVACY_KINDS, Dossier, DossierKind, DossierStatus
from tests.factories import (
    AllianceFactory,
    EvaluationCycleFactory,
    StrategyFactory,
    decision_content,
    ministry_user,
    programme_rubric,
    scored_strategy,
)

pytestmark = pytest.mark.django_db

LINE = re.compile(r"^(?P<label>.+?)\s+fertig\s+(?P<pages>\d+) Seiten\s+(?P<seconds>\d+\.\d\d) s$")
NOT_RELEASED = "Für diese Strategie ist noch keine Förderentscheidung freigegeben."


@pytest.fixture(scope="module")
def world(built_once):
    """Two scored strategies, Gesunde Lausitz with a released decision and DIANA without, a draft, and an older
    cycle without strategies. Building them sends nothing: signals and tasks wait for a commit that never comes."""
    cycle = EvaluationCycleFactory()
    rubric = programme_rubric(cycle)
    lausitz = scored_strategy(
        cycle, AllianceFactory(name="Gesunde Lausitz", slug="gesunde-lausitz"), rubric=rubric, points=4
    )
    scored_strategy(cycle, AllianceFactory(name="DIANA", slug="diana"), rubric=rubric, points=3)
    StrategyFactory(cycle=cycle, alliance=AllianceFactory(name="Nur Entwurf", slug="nur-entwurf"))
    bmbf1, bmbf2 = ministry_user("bmbf1@bmbf.example"), ministry_user("bmbf2@bmbf.example")
    decision = decision_services.propose_decision(strategy=lausitz, user=bmbf1, **decision_content())
    decision_services.confirm_decision(decision=decision, user=bmbf2)
    decision_services.release_decision(decision=decision, user=bmbf1)
    long_ago = timezone.now() - timedelta(days=800)
    EvaluationCycleFactory(
        slug="runde-ohne-strategien",
        name="Runde ohne Strategien",
        submission_opens_at=long_ago - timedelta(days=30),
        submission_deadline=long_ago,
    )
    return SimpleNamespace(cycle=cycle)


def run(*args):
    out = io.StringIO()
    call_command("render_dossiers", *args, stdout=out)
    return out.getvalue()


def dossier_lines(output):
    return [LINE.match(line) for line in output.splitlines() if LINE.match(line)]


def test_the_module_starts_without_dossiers(world):
    assert world.cycle.slug == "zwischenbegutachtung-2024"
    assert not Dossier.objects.exists()


def test_all_strategy_dossiers_are_rendered_with_time_and_pages(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        output = run("--cycle", world.cycle.slug, "--all")
    assert callbacks == []  # rendered by the command itself, nothing sent to the workers as well
    assert "Strategie-Dossier – Zwischenbegutachtung 2024" in output.splitlines()
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


def test_unchanged_dossiers_are_reused_unless_forced(world):
    run("--alliance", "diana")
    first = Dossier.objects.get()
    run("--alliance", "diana")
    assert list(Dossier.objects.values_list("pk", flat=True)) == [first.pk]
    output = run("--alliance", "diana", "--force")
    assert Dossier.objects.count() == 2
    forced = Dossier.objects.exclude(pk=first.pk).get()
    assert forced.status == DossierStatus.READY
    assert [line["label"] for line in dossier_lines(output)] == ["DIANA"]


def test_decision_letters_are_rendered_for_released_decisions_and_the_rest_skipped_with_a_note(world, monkeypatch):
    terminal = SimpleNamespace(stdout=SimpleNamespace(isatty=lambda: True))
    monkeypatch.setattr(render_dossiers, "sys", terminal)
    output = run("--kind", "decision_letter", "--all")
    assert f"\r[{'#' * 30}] 2/2" in output  # the progress bar counts the skipped alliance as handled
    assert "Entscheidungsschreiben – Zwischenbegutachtung 2024" in output
    [line] = dossier_lines(output)
    assert line["label"] == "Gesunde Lausitz"
    assert re.search(rf"^DIANA\s+übersprungen: {NOT_RELEASED}$", output, re.M)
    assert re.search(r"^Gesamt: 1 Dossiers, 1 Seiten in ", output, re.M)
    letter = Dossier.objects.get()
    assert (letter.kind, letter.strategy.alliance.slug) == (DossierKind.DECISION_LETTER, "gesunde-lausitz")
    assert letter.status == DossierStatus.READY and int(line["pages"]) == letter.page_count == 1
    path = Path(letter.file.path)
    assert path.is_file() and path.suffix == ".pdf"
    assert PdfReader(path).metadata.title == "Entscheidungsschreiben: Gesunde Lausitz"


def test_the_cycle_report_is_rendered_once_for_the_cycle(world):
    output = run("--kind", "cycle_report")
    [line] = dossier_lines(output)
    assert line["label"] == "Zwischenbegutachtung 2024"
    report = Dossier.objects.get()
    assert report.kind == DossierKind.CYCLE_REPORT and report.strategy is None
    assert int(line["pages"]) == report.page_count


def test_the_archive_is_built_once_for_the_cycle_and_reuses_ready_evaluation_dossiers(world):
    evaluation_output = run("--kind", "evaluation", "--alliance", "gesunde-lausitz")
    [line] = dossier_lines(evaluation_output)
    ready = Dossier.objects.get()
    assert (line["label"], ready.kind) == ("Gesunde Lausitz", DossierKind.EVALUATION)
    assert int(line["pages"]) == ready.page_count

    output = run("--kind", "cycle_archive")
    assert "ZIP-Archiv aller Bewertungs-Dossiers – Zwischenbegutachtung 2024" in output
    [line] = dossier_lines(output)
    assert line["label"] == "Zwischenbegutachtung 2024"
    archive = Dossier.objects.get(kind=DossierKind.CYCLE_ARCHIVE)
    assert archive.status == DossierStatus.READY and int(line["pages"]) == archive.page_count
    # the web's archive service rendered only what was missing: DIANA's evaluation dossier and the report
    evaluations = Dossier.objects.filter(kind=DossierKind.EVALUATION)
    assert sorted(evaluations.values_list("strategy__alliance__slug", flat=True)) == ["diana", "gesunde-lausitz"]
    assert ready.pk in evaluations.values_list("pk", flat=True)
    assert Dossier.objects.filter(kind=DossierKind.CYCLE_REPORT).count() == 1
    path = Path(archive.file.path)
    assert path.is_file() and path.suffix == ".zip"
    with zipfile.ZipFile(path) as bundle:
        assert bundle.testzip() is None
        names = sorted(name.rsplit("_", 1)[0] for name in bundle.namelist() if name.endswith("pdf"))
        assert "inhalt.csv" in bundle.namelist()
    assert names == ["00", "cycle_report_zwischenbegutachtung-2024", "evaluation_diana", "evaluation_gesunde-lausitz"]


def test_every_kind_and_every_option_is_described_in_german():
    # The dashboard's exports depend on the page's filters; the dashboard offers them, not the command.
    rendered_kinds = [kind for kind in DossierKind.values if kind not in (*EXPORT_KINDS, *PRIVACY_KINDS)]
    assert sorted(render_dossiers.KINDS) == sorted(rendered_kinds)
    parser = render_dossiers.Command().create_parser("manage.py", "render_dossiers")
    options = {action.dest: action.help for action in parser._actions}
    for option in ("kind", "cycle", "all", "alliance", "force", "workers", "timeout"):
        assert options[option], option
    for kind in rendered_kinds:
        assert kind in options["kind"]
    assert "Förderentscheidung" in options["kind"] and "übersprungen" in options["kind"]
    assert "Standard: 600" in options["timeout"] and "--workers" in options["timeout"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--kind", "brief", "--all"],
            "Unbekannte Art „brief“. Erlaubt sind: strategy, evaluation, decision_letter, letter_draft, "
            "cycle_report, cycle_archive, session_minutes.",
        ),
        ([], "Bitte --all oder --alliance <kurzname> angeben."),
        (["--kind", "decision_letter"], "Bitte --all oder --alliance <kurzname> angeben."),
        (["--all", "--alliance", "diana"], "Bitte entweder --all oder --alliance angeben, nicht beides."),
        (
            ["--kind", "cycle_report", "--all"],
            "Der Bericht zur Begutachtungsrunde gilt für die ganze Runde: --all und --alliance passen nicht dazu.",
        ),
        (
            ["--kind", "cycle_archive", "--alliance", "diana"],
            "Das ZIP-Archiv der Begutachtungsrunde gilt für die ganze Runde: --all und --alliance passen nicht dazu.",
        ),
        (
            ["--alliance", "gibt-es-nicht", "--alliance", "nur-entwurf"],
            "Keine eingereichte Strategie in dieser Runde für: gibt-es-nicht, nur-entwurf.",
        ),
        (["--all", "--cycle", "unbekannt"], "Keine Begutachtungsrunde „unbekannt“ gefunden."),
        (["--kind", "cycle_archive", "--cycle", "unbekannt"], "Keine Begutachtungsrunde „unbekannt“ gefunden."),
        (
            ["--all", "--cycle", "runde-ohne-strategien"],
            "Nichts zu erstellen: In der Runde „Runde ohne Strategien“ ist keine Strategie eingereicht.",
        ),
        (
            ["--kind", "decision_letter", "--alliance", "diana"],
            f"Nichts zu erstellen. DIANA übersprungen: {NOT_RELEASED}",
        ),
        (["--all", "--timeout", "bald"], "--timeout erwartet eine positive ganze Zahl von Sekunden, nicht „bald“."),
        (["--all", "--workers", "--timeout", "0"], "--timeout erwartet eine positive ganze Zahl"),
    ],
)
def test_bad_arguments_are_refused_in_german_before_anything_is_rendered(world, args, message):
    with pytest.raises(CommandError) as refused:
        run(*args)
    assert message in str(refused.value)
    assert not Dossier.objects.exists()
