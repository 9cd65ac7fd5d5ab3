from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Begutachtung")

    def ready(self):
        from alliances.signals import review_deadline_moved, snapshot_frozen, strategy_submitted
        from reviews import navigation, privacy, receivers, search

        navigation.register_navigation()
        search.register()
        privacy.register()

        strategy_submitted.connect(receivers.notify_experts_of_resubmission, dispatch_uid="reviews.resubmission_notice")
        snapshot_frozen.connect(receivers.refresh_summary_of_new_snapshot, dispatch_uid="reviews.snapshot_summary")
        review_deadline_moved.connect(
            receivers.notify_experts_of_moved_deadline, dispatch_uid="reviews.moved_deadline_notice"
        )
