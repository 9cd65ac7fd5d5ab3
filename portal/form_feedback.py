"""What a form shows after a save: the error summary's entries, the fields a conflicting save changed, and the
answers to the workspace script's autosave. They serve every stage's forms."""

from decimal import Decimal

from django import forms
from django.http import JsonResponse
from django.utils import timezone
from django.utils.formats import number_format, time_format
from django.utils.translation import gettext as _


def field_anchor(bound_field):
    """The id a link to the field lands on: the input itself, or a radio group's first option."""
    return bound_field.id_for_label or f"{bound_field.auto_id}_0"


def error_entries(form):
    """The entries of the error summary (WCAG 3.3.1): the form's own errors as text, then each field's errors
    with the field's label and the id to link to (none for a hidden field, which the person cannot correct)."""
    entries = [{"anchor": "", "label": "", "messages": [error]} for error in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name == forms.forms.NON_FIELD_ERRORS or name not in form.fields:
            continue
        bound = form[name]
        entries.append(
            {"anchor": "" if bound.is_hidden else field_anchor(bound), "label": bound.label, "messages": errors}
        )
    return entries


def _normal(value):
    """One comparable form of a typed or stored value: text stripped, an amount to the cent, empty as ''."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.01"))
    return str(value).strip()


def _shown(field, value):
    """The value as the person reads it: a choice by its label, an amount in the page's number format."""
    if value in (None, ""):
        return ""
    if isinstance(value, Decimal):
        return number_format(value, decimal_pos=2, force_grouping=True)
    choices = dict(getattr(field, "choices", ()) or ())
    return str(choices.get(value, value))


def changed_fields(form, stored):
    """The fields of a validated form whose typed value differs from the stored one (`stored` maps field name to
    the stored value, as the form's initial data does): each with its bound field and both values as text."""
    rows = []
    for name, stored_value in stored.items():
        if name not in form.fields or form.fields[name].widget.is_hidden:
            continue
        typed = form.cleaned_data.get(name) if name in form.cleaned_data else form.data.get(name)
        if _normal(typed) == _normal(stored_value):
            continue
        field = form.fields[name]
        rows.append(
            {
                "field": form[name],
                "anchor": field_anchor(form[name]),
                "typed": _shown(field, typed),
                "stored": _shown(field, stored_value),
            }
        )
    return rows


def autosaved_response(version, saved_at):
    """The answer to an autosave (header X-Autosave): the new version for the form's hidden field, and the words
    for its live region."""
    when = time_format(timezone.localtime(saved_at), "H:i")
    return JsonResponse({"version": version, "message": _("Automatisch gespeichert um %(time)s Uhr") % {"time": when}})


def autosave_refused(reason):
    """An autosave that stored nothing; the form keeps the text and the person sees why."""
    return JsonResponse({"message": _("Nicht automatisch gespeichert: %(reason)s") % {"reason": reason}}, status=422)
