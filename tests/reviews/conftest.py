import pytest

from tests.factories import AllianceFactory, programme_rubric, submitted_strategy


@pytest.fixture
def rubric(cycle):
    """The programme's published criteria as the cycle's rubric."""
    return programme_rubric(cycle)


@pytest.fixture
def submitted(cycle, rubric):
    """A strategy of Gesunde Lausitz submitted under the programme rubric: (strategy, submission)."""
    return submitted_strategy(cycle, AllianceFactory(name="Gesunde Lausitz"))
