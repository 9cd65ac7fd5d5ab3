"""`{% error_summary form as entries %}`: the entries of a form's error summary (see portal.form_feedback)."""

from django import template

from portal.form_feedback import error_entries

register = template.Library()


@register.simple_tag
def error_summary(form):
    return error_entries(form) if getattr(form, "is_bound", False) else []
