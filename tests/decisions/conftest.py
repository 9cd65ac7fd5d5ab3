import pytest

from tests.factories import ministry_user


@pytest.fixture
def bmbf1(db):
    """The ministry user who proposes."""
    return ministry_user("bmbf1@bmbf.example")


@pytest.fixture
def bmbf2(db):
    """The colleague who confirms (four-eyes principle)."""
    return ministry_user("bmbf2@bmbf.example")
