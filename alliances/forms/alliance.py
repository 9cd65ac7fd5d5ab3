from django import forms

from alliances.models import Alliance
from alliances.services.alliance_letter import LETTER_DATA_FIELDS


class AllianceLetterDataForm(forms.ModelForm):
    class Meta:
        model = Alliance
        # What a decision letter needs of an alliance: its postal address and its file reference.
        fields = list(LETTER_DATA_FIELDS)
