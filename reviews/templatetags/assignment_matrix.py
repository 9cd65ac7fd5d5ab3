"""The cells of one row of the assignment matrix, rendered in Python: a page holds a thousand of them, and the
template engine's per-variable lookups and tags would cost more than everything else on the page."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from reviews.models import ACTIVE_ASSIGNMENT_STATUSES

register = template.Library()


@register.simple_tag(takes_context=True)
def matrix_cells(context, row):
    """The <td> cells of `row` (see selectors.assignment_matrix). Those who may assign get a link per free cell,
    built from the page's `assign_prefix`, and a withdraw link per active assignment (`withdraw_prefix`); the
    others see only the hints. Every value is escaped."""
    strategy_prefix = f"{context['assign_prefix']}{row['strategy'].pk}/"
    can_manage = context["can_manage"]
    assign, withdraw = _("zuweisen"), _("zurückziehen")
    active = set(ACTIVE_ASSIGNMENT_STATUSES)
    cells = []
    for cell in row["cells"]:
        assignment = cell["assignment"]
        if assignment is not None and can_manage and assignment.status in active:
            cells.append(
                format_html(
                    '<td>{}<br><a href="{}{}/withdraw/" class="small">{}<span class="visually-hidden"> {} → {}</span>'
                    "</a></td>",
                    cell["text"],
                    context["withdraw_prefix"],
                    assignment.pk,
                    withdraw,
                    cell["expert"].get_full_name(),
                    row["strategy"].alliance.name,
                )
            )
        elif assignment is not None:
            cells.append(format_html("<td>{}</td>", cell["text"]))
        elif can_manage:
            href = f"{strategy_prefix}{cell['expert'].pk}/"
            if cell["flags"]:
                cells.append(
                    format_html(
                        '<td><a href="{}" class="text-danger" title="{}">⚠ {}<span class="visually-hidden"> {}</span>'
                        "</a></td>",
                        href,
                        cell["hint"],
                        assign,
                        cell["label"],
                    )
                )
            else:
                cells.append(
                    format_html(
                        '<td><a href="{}">{}<span class="visually-hidden"> {}</span></a></td>',
                        href,
                        assign,
                        cell["label"],
                    )
                )
        elif cell["flags"]:
            cells.append(
                format_html(
                    '<td class="text-danger" title="{}">⚠<span class="visually-hidden"> {}</span></td>',
                    cell["hint"],
                    cell["hint"],
                )
            )
        else:
            cells.append(mark_safe("<td>–</td>"))  # noqa: S308 - a constant
    return mark_safe("".join(cells))  # noqa: S308 - each part is escaped by format_html
