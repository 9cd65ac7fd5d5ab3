"""Reading values of PDF objects that a hostile file may have made of any type."""

import math
from decimal import Decimal

import pikepdf


def name_of(value):
    """The text of a PDF name, or "" for anything else (also for a name that is not valid UTF-8)."""
    if not isinstance(value, pikepdf.Name):
        return ""
    try:
        return str(value)
    except UnicodeDecodeError:
        return ""


def is_valid_key(key):
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def number_of(value):
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None
