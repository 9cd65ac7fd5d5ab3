import pytest

from tests.helpers import sign_in_browsers


@pytest.fixture
def browser(db):
    """Makes test clients, each from an address of its own (see sign_in_browsers)."""
    yield from sign_in_browsers()
