"""The cycle report's ranking, computed from the dashboard's rows: who is ranked, at which rank, and the totals."""

from dataclasses import dataclass
from decimal import Decimal

from alliances.models import StrategyStatus
from decisions.charts import rounded
from decisions.models import FINAL_STATUSES


def is_fully_reviewed(row):
    """All expected reviews are in (and at least one was expected): only then does the strategy get a rank."""
    expected = row.reviews_expected or 0
    return expected > 0 and (row.review_count or 0) >= expected and row.score_median is not None


def requested_amount(row):
    """What the strategy requests; a draft requests nothing yet, as in the dashboard's budget panel."""
    return None if row.status == StrategyStatus.DRAFT else row.budget_total


def granted_amount(row):
    """The amount of a confirmed or released decision; a proposal is not granted yet."""
    return row.decision_amount if row.decision_status in FINAL_STATUSES else None


@dataclass(frozen=True)
class RankedRow:
    rank: int | None
    row: object
    requested: Decimal | None
    granted: Decimal | None
    shared: bool = False  # another strategy holds the same rank


@dataclass(frozen=True)
class Totals:
    requested: Decimal
    granted: Decimal


def _totals(entries):
    return Totals(
        requested=sum((entry.requested or Decimal("0") for entry in entries), Decimal("0")),
        granted=sum((entry.granted or Decimal("0") for entry in entries), Decimal("0")),
    )


@dataclass(frozen=True)
class Ranking:
    """`ranked`: fully reviewed strategies with their rank; `incomplete`: the others, in the rows' order."""

    ranked: list
    incomplete: list

    @property
    def ranked_totals(self):
        return _totals(self.ranked)

    @property
    def incomplete_totals(self):
        return _totals(self.incomplete)

    @property
    def totals(self):
        return _totals([*self.ranked, *self.incomplete])

    @property
    def has_ties(self):
        return any(entry.shared for entry in self.ranked)


def rank_rows(rows):
    """Standard competition ranking ("1224") of the fully reviewed rows by weighted median, highest first.

    Medians are compared as the report prints them (one decimal), so two strategies that show the same median
    share a rank, and the next rank is skipped: 80.0, 76.0, 76.0, 40.0 rank 1, 2, 2, 4. Within a rank the rows
    keep their given order (the dashboard sorts ties by alliance name). Rows without all expected reviews get no
    rank and are listed apart.
    """
    complete = sorted(
        (row for row in rows if is_fully_reviewed(row)), key=lambda row: -rounded(row.score_median)
    )  # sorted() is stable: ties keep the dashboard's order
    ranks, previous, rank = [], None, 0
    for position, row in enumerate(complete, start=1):
        median = rounded(row.score_median)
        if median != previous:
            rank, previous = position, median
        ranks.append(rank)
    ranked = [
        RankedRow(
            rank=rank,
            row=row,
            requested=requested_amount(row),
            granted=granted_amount(row),
            shared=ranks.count(rank) > 1,
        )
        for rank, row in zip(ranks, complete, strict=True)
    ]
    incomplete = [
        RankedRow(rank=None, row=row, requested=requested_amount(row), granted=granted_amount(row))
        for row in rows
        if not is_fully_reviewed(row)
    ]
    return Ranking(ranked=ranked, incomplete=incomplete)
