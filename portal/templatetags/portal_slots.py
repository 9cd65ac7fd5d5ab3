from django import template
from django.template.loader import get_template

from portal.slots import slot_templates

register = template.Library()


@register.simple_tag(takes_context=True)
def slot(context, name, **extra):
    """Renders every partial that later stages registered for slot `name`, with the page's context."""
    with context.push(**extra):
        flat = context.flatten()
        request = context.get("request")
        return "".join(get_template(partial).render(flat, request) for partial in slot_templates(name))
