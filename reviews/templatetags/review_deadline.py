"""The experts a moved review deadline concerns, for the cycle settings page's confirmation (filled through a slot,
so the earlier stage's page need not know about reviews)."""

from django import template

from reviews.selectors import experts_with_outstanding_reviews

register = template.Library()


@register.simple_tag
def experts_owing_reviews(cycle):
    """The experts with outstanding reviews in `cycle`, by name."""
    return sorted(experts_with_outstanding_reviews(cycle), key=lambda expert: (expert.get_full_name(), expert.pk))
