from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

# The frozen clock of the retention tests: a Monday morning in Berlin; runs pass `now=` explicitly.
T = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.fixture
def t0():
    return T
