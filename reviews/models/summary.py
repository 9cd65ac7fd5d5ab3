"""Each strategy's score statistics, kept in one row so the dashboard can sort and page without aggregating."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from alliances.models import Strategy


class StrategyScoreSummary(models.Model):
    """The statistics over a strategy's counting reviews (see reviews.aggregates), refreshed by
    reviews.scoring.refresh_score_summaries in the transaction of every change that alters them.

    A strategy without a row has no counting reviews. The disagreement flag is not stored: it depends on the
    cycle's threshold, which may change on its own.
    """

    strategy = models.OneToOneField(Strategy, on_delete=models.CASCADE, primary_key=True, related_name="score_summary")
    review_count = models.PositiveIntegerField(default=0)
    score_mean = models.FloatField(null=True)
    score_median = models.FloatField(null=True)
    score_min = models.FloatField(null=True)
    score_max = models.FloatField(null=True)
    score_stddev = models.FloatField(null=True)
    count_fund = models.PositiveIntegerField(default=0)
    count_conditions = models.PositiveIntegerField(default=0)
    count_reject = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Bewertungsübersicht einer Strategie")
        verbose_name_plural = _("Bewertungsübersichten der Strategien")

    def __str__(self):
        return f"{self.strategy_id}: {self.review_count}"
