"""Text widgets that write their HTML directly instead of through the form renderer's templates.

The strategy form has 7 text areas and a budget grid of 18 inputs; rendering each through Django's widget
templates was a large share of the workspace page. The output is character for character what Django's
templates `django/forms/widgets/input.html` and `textarea.html` produce (the portal overrides neither; a test
compares both). The classes keep Django's names because crispy forms derives a field's CSS class from them.
"""

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


def _attributes(attrs):
    """As django/forms/widgets/attrs.html: False leaves an attribute out, True writes its bare name."""
    return "".join(
        f" {conditional_escape(name)}" + ("" if value is True else f'="{conditional_escape(value)}"')
        for name, value in attrs.items()
        if value is not False
    )


class TextInput(forms.TextInput):
    def _render(self, template_name, context, renderer=None):
        if template_name != forms.TextInput.template_name:
            return super()._render(template_name, context, renderer)
        widget = context["widget"]
        value = "" if widget["value"] is None else f' value="{conditional_escape(widget["value"])}"'
        return mark_safe(  # noqa: S308 - every part is escaped above
            f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
            f"{value}{_attributes(widget['attrs'])}>"
        )


class Textarea(forms.Textarea):
    def _render(self, template_name, context, renderer=None):
        if template_name != forms.Textarea.template_name:
            return super()._render(template_name, context, renderer)
        widget = context["widget"]
        value = conditional_escape(widget["value"]) if widget["value"] else ""
        return mark_safe(  # noqa: S308 - every part is escaped above
            f'<textarea name="{conditional_escape(widget["name"])}"{_attributes(widget["attrs"])}>\n{value}</textarea>'
        )
