"""The strategy form writes its widgets and section fields itself, for speed: the markup must stay what Django's
widget templates and crispy forms' Bootstrap 5 field produce, with and without errors."""

import re

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.template.loader import render_to_string

from alliances.forms import StrategyForm
from alliances.forms.widgets import CountedTextarea, Textarea, TextInput
from tests.factories import CompleteStrategyFactory

pytestmark = pytest.mark.django_db

VALUES = [None, "", "0", "1.500.000,50", 'Zitat "x" & <b>fett</b>', "\nZeile eins\nZeile zwei", 12]
ATTRS = [
    {},
    {"class": "form-control form-control-sm text-end", "inputmode": "decimal"},
    {"required": True, "disabled": False, "maxlength": 5000, "aria-describedby": "a b", "data-x": "<&>"},
]


@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("value", VALUES)
def test_widgets_write_what_django_templates_write(value, attrs):
    assert TextInput(attrs=attrs).render("budget_2026_travel", value) == forms.TextInput(attrs=attrs).render(
        "budget_2026_travel", value
    )
    assert Textarea(attrs=attrs).render("summary", value) == forms.Textarea(attrs=attrs).render("summary", value)


def normalised(html):
    return re.sub(r"\s*([<>])\s*", r"\1", re.sub(r"\s+", " ", str(html))).strip()


def section_markup(form, strategy):
    """The section fieldset of the workspace's form partial, as it renders `form`."""
    html = render_to_string(
        "alliances/partials/strategy_form.html", {"form": form, "strategy": strategy, "cycle": strategy.cycle}
    )
    return re.search(r"Abschnitte der Strategie</legend>(.*?)</fieldset>", html, re.S).group(1)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"version": "1", "summary": "x" * 5001, "vision": 'Ziele mit "Anführungszeichen" & <Klammern>'},
    ],
    ids=["unbound", "with-errors"],
)
def test_section_fields_look_as_crispy_forms_renders_them(data):
    strategy = CompleteStrategyFactory()
    ours = StrategyForm(data, strategy=strategy) if data else StrategyForm(strategy=strategy)
    theirs = StrategyForm(data, strategy=strategy) if data else StrategyForm(strategy=strategy)
    if data:
        assert not ours.is_valid() and not theirs.is_valid()
    for field in theirs.fields.values():  # crispy with Django's own widgets, given the counter's attributes
        if isinstance(field.widget, CountedTextarea):
            field.widget = forms.Textarea(attrs=CountedTextarea.counter_attrs(field.widget.attrs))
    expected = "".join(str(as_crispy_field(field)) for field in theirs.section_fields())
    assert normalised(section_markup(ours, strategy)) == normalised(expected)


def test_budget_inputs_with_errors_keep_their_markup():
    strategy = CompleteStrategyFactory()
    year = strategy.cycle.first_funding_year
    data = {"version": "1", f"budget_{year}_travel": "zwölf", f"budget_{year}_other": "1.000,50"}
    form = StrategyForm(data, strategy=strategy)
    assert not form.is_valid()
    for _label, fields in form.budget_rows():
        for field in fields:
            stock = forms.TextInput(attrs=field.field.widget.attrs)
            assert field.as_widget() == field.as_widget(widget=stock)
