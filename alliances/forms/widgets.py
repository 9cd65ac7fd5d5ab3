"""Text widgets that write their HTML directly instead of through the form renderer's templates.

The strategy form has 7 text areas and a budget grid of 18 inputs; rendering each through Django's widget
templates was a large share of the workspace page. The output is character for character what Django's
templates `django/forms/widgets/input.html` and `textarea.html` produce (the portal overrides neither; a test
compares both). The classes keep Django's names because crispy forms derives a field's CSS class from them.
"""

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _


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


def _one_line_ending(value):
    """Browsers send a text area's line breaks as "\\r\\n" but count each as one character: so does the server."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class CountedTextarea(Textarea):
    """A text area with a live character counter (static/js/counters.js) that counts as the server counts.

    The field's limit is written as `data-maxlength`, not `maxlength`: a browser's `maxlength` cuts a paste at
    the limit without a word, and the rest of the text is lost unseen. Without it the whole paste stays in the
    field, the counter flags it as over the limit, and the server refuses it with the field's message, so the
    writer sees what is too long and shortens it. Line breaks count once on both sides.
    """

    def value_from_datadict(self, data, files, name):
        return _one_line_ending(super().value_from_datadict(data, files, name))

    @staticmethod
    def counter_attrs(attrs):
        """`attrs` with the limit as `data-maxlength` (in its place) and the counter's wording in the request's
        language; the script fills in the numbers, formatted for the page's language."""
        counted = {}
        for name, value in attrs.items():
            if name == "maxlength":
                counted["data-maxlength"] = value
                counted["data-counter-text"] = _("%(count)s von %(limit)s Zeichen")
                counted["data-counter-over"] = _("Über der Grenze: %(over)s zu viel – bitte kürzen Sie den Text.")
            else:
                counted[name] = value
        return counted

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"] = self.counter_attrs(context["widget"]["attrs"])
        return context
