from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlliancesConfig(AppConfig):
    name = "alliances"
    verbose_name = _("Bündnisse und Strategien")

    def ready(self):
        from alliances import navigation, privacy, search, services
        from portal.uploads import PdfUploadKind, register_pdf_upload

        navigation.register_navigation()
        search.register()
        privacy.register()
        # Documents and question attachments take the portal's one checked-upload path.
        register_pdf_upload(
            PdfUploadKind(
                model_label="alliances.StrategyDocument",
                file_field="file",
                status_field="check_status",
                uploaded_at_field="uploaded_at",
                record=services.record_document_check,
            )
        )
        register_pdf_upload(
            PdfUploadKind(
                model_label="alliances.Question",
                file_field="attachment",
                status_field="attachment_status",
                uploaded_at_field="asked_at",
                record=services.record_attachment_check,
            )
        )
