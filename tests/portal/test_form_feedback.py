"""The error summary every form shows after a refused submit (WCAG 3.3.1): a count, and each error linked to its
field by the field's label."""

from django import forms
from django.template.loader import render_to_string
from django.utils import translation


class ExampleForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label="Titel", error_messages={"required": "Bitte geben Sie einen Titel an."})
    choice = forms.ChoiceField(label="Auswahl", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)

    def clean(self):
        raise forms.ValidationError("Das passt insgesamt nicht.")


def summary(data):
    with translation.override("de"):
        return render_to_string("partials/form_errors.html", {"form": ExampleForm(data)})


def test_the_summary_counts_the_errors_and_links_each_field_by_its_label():
    html = summary({"version": "1"})
    assert 'role="alert" tabindex="-1" data-error-summary' in html
    assert "Bitte korrigieren Sie 3 Angaben" in html
    assert "<li>Das passt insgesamt nicht.</li>" in html
    assert '<a href="#id_title">Titel: Bitte geben Sie einen Titel an.</a>' in html
    # A radio group is reached at its first option.
    assert '<a href="#id_choice_0">Auswahl: Dieses Feld ist zwingend erforderlich.</a>' in html


def test_one_error_is_counted_in_the_singular_and_a_hidden_field_gets_no_link():
    html = summary({"version": "x", "title": "Titel", "choice": "a"})
    assert "Bitte korrigieren Sie 2 Angaben" in html
    assert 'href="#id_version"' not in html
    html = summary({"version": "1", "title": "Titel", "choice": "a"})
    assert "Bitte korrigieren Sie 1 Angabe<" in html


def test_an_unbound_form_shows_no_summary():
    with translation.override("de"):
        assert "data-error-summary" not in render_to_string("partials/form_errors.html", {"form": ExampleForm()})
