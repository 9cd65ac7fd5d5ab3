"""The project's URLs: the admin, every stage's pages, then the portal's own (sign-in, account, outbox, health).

Every route needs a signed-in user (LoginRequiredMiddleware) except the views marked @login_not_required: the
health check, allauth's sign-in, sign-out and password reset flow, the language switch, and the privacy and
accessibility pages.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from portal.views import accessibility, account, erasure, home, my_data, notifications, outbox, privacy, search

# Search across the cycle, in the namespace `portal` (`portal:search`, `portal:search_export`).
search_patterns = (
    [
        path("", search.search_page, name="search"),
        path("export.csv", search.export_csv, name="search_export"),
    ],
    "portal",
)

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("alliances.urls")),
    path("", include("reviews.urls")),
    path("", include("dossiers.urls")),
    path("", include("decisions.urls")),
    # The portal's own pages.
    path("", home.home, name="home"),
    path("health/", home.health, name="health"),
    path("datenschutz/", privacy.privacy_notice, name="privacy_notice"),
    path("barrierefreiheit/", accessibility.accessibility_statement, name="accessibility_statement"),
    path("leichte-sprache/", accessibility.easy_read, name="easy_read"),
    path("search/", include(search_patterns)),
    path("outbox/", outbox.outbox, name="outbox"),
    path("outbox/<int:pk>/", outbox.outbox_message, name="outbox_message"),
    path("outbox/<int:pk>/retry/", outbox.outbox_retry, name="outbox_retry"),
    path("accounts/notifications/", notifications.notification_preferences, name="notification_preferences"),
    path("accounts/security/", account.account_security, name="account_security"),
    path("accounts/my-data/", my_data.my_data, name="my_data"),
    path("accounts/my-data/export.json", my_data.my_data_json, name="my_data_json"),
    path("accounts/locked/", account.locked_accounts, name="locked_accounts"),
    path("accounts/locked/<int:pk>/unlock/", account.unlock, name="unlock_account"),
    path("accounts/my-data/erasure/", erasure.erasure_request, name="erasure_request"),
    path("accounts/erasure-requests/", erasure.erasure_queue, name="erasure_queue"),
    path("accounts/erasure-requests/<int:pk>/", erasure.erasure_decide, name="erasure_decide"),
    # The login page offers the language switch, so it works before signing in.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # The address is the identity the programme office set: nobody adds or changes one (allauth's page would).
    path("accounts/email/", RedirectView.as_view(pattern_name="account_security"), name="account_email"),
    # Sign-in, sign-out, password change and reset, second factors, re-authentication and sessions.
    path("accounts/", include("allauth.urls")),
]
