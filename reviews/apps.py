from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Begutachtung")

    def ready(self):
        from alliances.signals import strategy_submitted
        from reviews import services

        def on_strategy_submitted(sender, submission, **kwargs):
            services.notify_experts_of_resubmission(submission=submission)

        strategy_submitted.connect(on_strategy_submitted, dispatch_uid="reviews.resubmission_notice")
