from django import template
from django.template.loader import get_template
from django.utils.safestring import mark_safe

from portal.slots import slot_templates

register = template.Library()


@register.simple_tag(takes_context=True)
def slot(context, name, **extra):
    """Renders every partial that later stages registered for slot `name`, with the page's context."""
    with context.push(**extra):
        flat = context.flatten()
        request = context.get("request")
        # Each partial is rendered (and escaped) by its own template; the joined markup is safe as it stands.
        return mark_safe("".join(get_template(partial).render(flat, request) for partial in slot_templates(name)))  # noqa: S308
