"""The project's URLs: the admin, every stage's pages, then the portal's own (sign-in, account, outbox, health).

Every route needs a signed-in user (LoginRequiredMiddleware) except the views marked @login_not_required: the
health check, sign-in, sign-out, the password reset flow and the language switch.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from portal.forms import EmailAuthenticationForm, PortalPasswordResetForm
from portal.views import home, notifications, outbox

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("alliances.urls")),
    path("", include("reviews.urls")),
    path("", include("dossiers.urls")),
    path("", include("decisions.urls")),
    # The portal's own pages.
    path("", home.home, name="home"),
    path("health/", home.health, name="health"),
    path("outbox/", outbox.outbox, name="outbox"),
    path("outbox/<int:pk>/", outbox.outbox_message, name="outbox_message"),
    path("outbox/<int:pk>/retry/", outbox.outbox_retry, name="outbox_retry"),
    path("accounts/notifications/", notifications.notification_preferences, name="notification_preferences"),
    # The login page offers the language switch, so it works before signing in.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True),
        name="login",
    ),
    # An expired session that presses "Abmelden" lands on the login page, not on a login that leads back here.
    path("accounts/logout/", login_not_required(auth_views.LogoutView.as_view()), name="logout"),
    path("accounts/password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(form_class=PortalPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/password/reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
