"""The dossier stage attaches to earlier pages only through slots; no earlier template knows it."""

from pathlib import Path

from django.conf import settings

from portal.slots import slot_templates

EARLIER_TEMPLATES = ["portal", "alliances", "reviews", "decisions"]


def test_no_earlier_stage_template_loads_the_dossier_tags_or_includes_its_partials():
    root = Path(settings.BASE_DIR) / "templates"
    offenders = [
        str(path.relative_to(root))
        for folder in EARLIER_TEMPLATES
        for path in (root / folder).rglob("*.html")
        if "dossier_tags" in (text := path.read_text(encoding="utf-8")) or "dossiers/" in text
    ]
    assert offenders == []


def test_the_dossier_panels_are_registered_for_the_earlier_pages_slots():
    assert slot_templates("strategy_detail.dossiers") == ["dossiers/partials/strategy_detail.html"]
    assert slot_templates("decision_detail.dossiers") == ["dossiers/partials/decision_detail.html"]
    assert slot_templates("decision_dashboard.dossiers") == ["dossiers/partials/decision_dashboard.html"]
    assert slot_templates("released_decision.dossiers") == ["dossiers/partials/letter_panel.html"]
    assert slot_templates("letter_preview.dossiers") == ["dossiers/partials/letter_draft_panel.html"]
