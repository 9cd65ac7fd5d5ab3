"""The shared core every stage builds on: one refusal shape, one euro formatter, one history reader, slots."""

from decimal import Decimal

import pytest
from django import forms
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from portal.exceptions import Conflict, Refusal
from portal.formatting import euro
from portal.forms import add_refusal
from portal.history import change_history
from portal.slots import register_slot, slot_templates


def test_a_refusal_carries_its_german_reasons_and_a_conflict_the_current_state():
    refusal = Refusal(reasons=["Abschnitt fehlt.", "PDF fehlt."])
    assert refusal.message == "Abschnitt fehlt.; PDF fehlt."
    assert Refusal("Die Frist ist abgelaufen.").reasons == ["Die Frist ist abgelaufen."]
    conflict = Conflict("Inzwischen geändert.", current="stand")
    assert isinstance(conflict, Refusal) and conflict.current == "stand"


def test_a_refusal_shows_on_the_form_it_came_from():
    class NameForm(forms.Form):
        name = forms.CharField()

    form = NameForm(data={"name": "x"})
    assert form.is_valid()
    add_refusal(form, Refusal(reasons=["Erstens.", "Zweitens."]), field="name")
    assert form.errors["name"] == ["Erstens.", "Zweitens."]


@pytest.mark.parametrize(("language", "expected"), [("de", "1.234.567,50 EUR"), ("en", "1,234,567.50 EUR")])
def test_euro_amounts_read_as_people_in_the_language_expect(language, expected):
    with translation.override(language):
        assert euro(Decimal("1234567.5")) == expected
    assert euro(None) == "—"


@pytest.mark.django_db
def test_change_history_lists_what_changed_newest_first(cycle):
    cycle.name = "Zwischenbegutachtung 2025"
    cycle.save()
    entries = change_history(cycle, limit=10)
    assert [entry["created"] for entry in entries] == [False, True]
    [change] = [change for change in entries[0]["changes"] if change["field"] == "name"]
    assert (
        change["new"] == "Zwischenbegutachtung 2025" and change["label"] == cycle._meta.get_field("name").verbose_name
    )


def test_a_slot_renders_what_later_stages_registered(tmp_path, settings):
    (tmp_path / "slot_partial.html").write_text("[{{ greeting }}]", encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    register_slot("test.side", template="slot_partial.html")
    register_slot("test.side", template="slot_partial.html")
    assert slot_templates("test.side") == ["slot_partial.html"]
    page = Template('{% load portal_slots %}<p>{% slot "test.side" greeting="Hallo" %}</p>')
    assert page.render(Context({"request": RequestFactory().get("/")})) == "<p>[Hallo]</p>"
    assert Template('{% load portal_slots %}{% slot "test.empty" %}').render(Context({})) == ""


def test_a_slot_keeps_the_markup_of_its_partials_and_escapes_only_their_values(tmp_path, settings):
    (tmp_path / "slot_markup.html").write_text("<b>{{ greeting }}</b>", encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    register_slot("test.markup", template="slot_markup.html")
    page = Template('{% load portal_slots %}{% slot "test.markup" greeting=greeting %}')
    assert page.render(Context({"greeting": "<i>"})) == "<b>&lt;i&gt;</b>"
