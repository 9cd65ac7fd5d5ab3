from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Begutachtung")

    def ready(self):
        from alliances.signals import review_deadline_moved, snapshot_frozen, strategy_submitted
        from portal.slots import register_slot
        from portal.uploads import PdfUploadKind, register_pdf_upload
        from reviews import navigation, privacy, receivers, search
        from reviews.services.slides import record_slides_check

        navigation.register_navigation()
        search.register()
        privacy.register()
        # Pitch slides take the portal's one checked-upload path, like the strategies' documents.
        register_pdf_upload(
            PdfUploadKind(
                model_label="reviews.PitchSlides",
                file_field="file",
                status_field="check_status",
                uploaded_at_field="uploaded_at",
                record=record_slides_check,
            )
        )

        strategy_submitted.connect(receivers.notify_experts_of_resubmission, dispatch_uid="reviews.resubmission_notice")
        snapshot_frozen.connect(receivers.refresh_summary_of_new_snapshot, dispatch_uid="reviews.snapshot_summary")
        register_slot(
            "cycle_settings.review_deadline_affected", template="reviews/partials/review_deadline_affected.html"
        )
        register_slot("account_security.more", template="reviews/partials/calendar_feed_panel.html")
        register_slot("strategy_detail.pitch", template="reviews/partials/strategy_pitch_link.html")
        review_deadline_moved.connect(
            receivers.notify_experts_of_moved_deadline, dispatch_uid="reviews.moved_deadline_notice"
        )
