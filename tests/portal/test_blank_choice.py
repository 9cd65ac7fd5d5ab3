"""Select boxes built from model choices offer a German empty choice, never Django's "- Select an option -"."""

from django import forms
from django.utils import translation

from alliances.models import FederalState
from reviews.models import Assignment


def test_a_model_choice_select_offers_the_german_empty_choice():
    field = Assignment._meta.get_field("conflict_type").formfield()
    with translation.override("de"):
        assert field.choices[0] == ("", "– Bitte wählen –")
        assert "Select an option" not in field.widget.render("art", "")


def test_a_model_choice_field_uses_the_same_empty_choice():
    field = forms.ModelChoiceField(queryset=FederalState.objects.none())
    with translation.override("de"):
        assert str(field.empty_label) == "– Bitte wählen –"
