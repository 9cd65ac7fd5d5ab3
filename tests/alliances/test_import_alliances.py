from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from alliances.models import Alliance

pytestmark = pytest.mark.django_db

HEADER = "slug,name,acronym,region,states,innovation_field,source\n"
SHIPPED = Path(__file__).resolve().parents[2] / "alliances" / "data" / "alliances.csv"


def run(tmp_path, text):
    path = tmp_path / "alliances.csv"
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("import_alliances", str(path), stdout=out)
    return out.getvalue()


def test_import_creates_then_reports_unchanged(tmp_path):
    text = HEADER + 'diana,DIANA,DIANA,Leipzig,Sachsen,"Labordiagnostik",https://example.org/diana\n'
    assert "1 angelegt, 0 aktualisiert, 0 unverändert." in run(tmp_path, text)
    assert "0 angelegt, 0 aktualisiert, 1 unverändert." in run(tmp_path, text)
    alliance = Alliance.objects.get(slug="diana")
    assert [state.name for state in alliance.states.all()] == ["Sachsen"]


def test_import_updates_and_names_the_changed_fields(tmp_path):
    run(tmp_path, HEADER + "diana,DIANA,DIANA,Leipzig,Sachsen,Alt,https://example.org/diana\n")
    out = run(tmp_path, HEADER + "diana,DIANA,DIANA,Leipzig,Sachsen; Thüringen,Neu,https://example.org/diana\n")
    assert "aktualisiert: diana (innovation_field, states)" in out
    assert Alliance.objects.get(slug="diana").states.count() == 2


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Diana!,DIANA,,,,x,https://example.org\n", "Zeile 3: ungültiger Kurzname"),
        ("neu,,,,,x,https://example.org\n", "Zeile 3: Der Name fehlt."),
        ("neu,Neu,,,Bayern; Atlantis,x,https://example.org\n", "Zeile 3: unbekanntes Bundesland Atlantis."),
        ("neu,Neu,,,,x,javascript:alert(1)\n", "Zeile 3: Die Quelle muss eine gültige Web-Adresse sein."),
        ("diana,Doppelt,,,,x,https://example.org\n", "Zeile 3: Kurzname „diana“ steht schon in Zeile 2."),
        ("neu,Neu,,,,x,https://example.org,zu viel\n", "Zeile 3: falsche Anzahl von Feldern."),
    ],
)
def test_a_malformed_file_names_the_line_and_touches_nothing(tmp_path, row, message):
    good = "diana,DIANA,DIANA,Leipzig,Sachsen,Labordiagnostik,https://example.org/diana\n"
    with pytest.raises(CommandError) as refused:
        run(tmp_path, HEADER + good + row)
    assert message in str(refused.value)
    assert "Nichts wurde geändert." in str(refused.value)
    assert not Alliance.objects.exists()


def test_a_file_without_the_required_columns_is_refused(tmp_path):
    with pytest.raises(CommandError, match="Zeile 1: Es fehlen die Spalten"):
        run(tmp_path, "name,region\nDIANA,Leipzig\n")


def test_the_shipped_alliance_list_imports_with_a_source_for_every_row(tmp_path):
    out = StringIO()
    call_command("import_alliances", str(SHIPPED), stdout=out)
    assert "16 angelegt, 0 aktualisiert, 0 unverändert." in out.getvalue()
    alliances = list(Alliance.objects.all())
    assert len(alliances) == 16
    assert all(alliance.source_url.startswith("https://") for alliance in alliances)
    assert len({alliance.slug for alliance in alliances}) == len(alliances)


def test_the_shipped_list_holds_mr4b_dhfr_and_landvorteil_with_their_states(tmp_path):
    call_command("import_alliances", str(SHIPPED), stdout=StringIO())
    states = {
        alliance.slug: sorted(state.name for state in alliance.states.all())
        for alliance in Alliance.objects.filter(slug__in=["mr4b", "digital-health-factory-ruhr", "landvorteil"])
    }
    assert states == {
        "mr4b": ["Berlin", "Brandenburg"],
        "digital-health-factory-ruhr": ["Nordrhein-Westfalen"],
        "landvorteil": ["Mecklenburg-Vorpommern", "Schleswig-Holstein"],
    }
