"""Template helpers of wealth care's partials."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key], or None (a holding's suitability record by its id)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
