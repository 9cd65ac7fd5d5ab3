"""Settings for the WIR! Strategy Portal, read from environment variables.

Without DATABASE_URL the portal runs on SQLite; in development (DEBUG=1) without REDIS_URL Celery
tasks run in-process. Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL.
Every variable read here is listed in the README's configuration table (a test compares them).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent

# A local checkout keeps its development settings in .env (written by `make run`); the real
# environment always wins, so production and the test suite are unaffected by the file.
load_dotenv(os.environ.get("PORTAL_ENV_FILE", BASE_DIR / ".env"), override=False)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode-0123456789-abcdefghij"  # noqa: S105
# Without a broker every task (rendering dossiers, checking uploads) would run inside a web request, past
# gunicorn's timeout. Only development runs them in-process; the Celery block below reads the same variable.
if not DEBUG and not os.environ.get("REDIS_URL"):
    raise ImproperlyConfigured(
        "Production (DEBUG=0) needs a broker: set REDIS_URL to the Redis that web, worker and beat share, "
        "e.g. REDIS_URL=redis://redis:6379/0 (docker-compose.yml sets it). Without a broker, tasks such as "
        "rendering dossiers and checking uploads would run inside web requests. Tasks run in-process only in "
        "development (DEBUG=1, `make run`)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Full-text search types and expressions (tsvector, SearchQuery); on SQLite the app stays idle.
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_filters",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "portal",
    "alliances",
    "reviews",
    "decisions",
    "dossiers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Sign-in stages and re-authentication of a suspended POST.
    "allauth.account.middleware.AccountMiddleware",
    # Sessions end after an idle time that depends on the role (after allauth, which signs in).
    "portal.middleware.SessionIdleTimeoutMiddleware",
    "portal.middleware.SecondFactorRequiredMiddleware",
    # Sign-in, second factor and reset fail closed (503) while the rate limit cache is unreachable.
    "portal.middleware.CacheUnavailableMiddleware",
    # Every view needs a signed-in user unless it says @login_not_required (login, password reset, language,
    # health check); an anonymous visitor goes to LOGIN_URL.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "portal.middleware.PrivateResponsesMiddleware",
    # After authentication (it needs the user), before any view parses a body (CSRF does, in process_view).
    "portal.middleware.RequestSizeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    # Sign-in by e-mail with allauth's rate limits; it checks passwords as Django's ModelBackend does.
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "portal.passwords.GermanCommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The admin's path; another one than the default keeps it out of the way of scans.
ADMIN_URL = os.environ.get("ADMIN_URL", "admin/").strip("/") + "/"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# Accounts (django-allauth). The programme office and the admins create accounts; nobody signs up.
ACCOUNT_ADAPTER = "portal.accounts.PortalAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# Addresses are entered by the programme office, not claimed by their owners.
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
# A reset request answers alike for every address, and no mail goes to addresses the portal does not know.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = int(os.environ.get("REAUTHENTICATION_TIMEOUT", "300"))
# Failed sign-ins per account and per client address; the same budgets guard re-authentication, password
# change and reset. Counted in the default cache, which is Redis wherever more than one process runs.
LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "5"))
LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "20"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"{LOGIN_FAILURES_PER_ADDRESS}/{LOGIN_LOCKOUT_MINUTES}m/ip,"
    f"{LOGIN_FAILURES_PER_ACCOUNT}/{LOGIN_LOCKOUT_MINUTES}m/key",
    "login": "60/m/ip",
    "reauthenticate": f"{LOGIN_FAILURES_PER_ACCOUNT}/{LOGIN_LOCKOUT_MINUTES}m/user",
    "change_password": f"{LOGIN_FAILURES_PER_ACCOUNT}/{LOGIN_LOCKOUT_MINUTES}m/user",
    "reset_password": "20/m/ip,3/15m/key",
    "reset_password_from_key": "20/m/ip",
}
# Behind the TLS proxy the client address is the last but N-th entry of X-Forwarded-For.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_TOTP_ISSUER = "WIR!-Strategieportal"
# A phone's clock may be one 30-second step off (RFC 6238, 5.2); a used code stays refused all the same.
MFA_TOTP_TOLERANCE = 1
MFA_RECOVERY_CODE_COUNT = 10
# Sessions are listed as they began (address, browser, time); tracking every request would write on every GET.
USERSESSIONS_TRACK_ACTIVITY = False
# Idle time after which a session ends: shorter for the staff who decide and run the process.
SESSION_IDLE_MINUTES_STAFF = int(os.environ.get("SESSION_IDLE_MINUTES_STAFF", "30"))
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "120"))

# Single sign-on through an OpenID Connect identity provider (a ministry's own), switched on by OIDC_SERVER_URL,
# OIDC_CLIENT_ID and OIDC_CLIENT_SECRET. allauth's socialaccount is installed either way, so every installation has
# the same tables and routes (the permission matrix sees one set); without the variables no provider exists and its
# sign-in answers 404. portal.sso lets an SSO sign-in reach only an existing active account with the same verified
# e-mail address, never creates one and takes no role from the provider.
INSTALLED_APPS += ["allauth.socialaccount", "allauth.socialaccount.providers.openid_connect"]
SOCIALACCOUNT_ADAPTER = "portal.sso.PortalSocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # portal.sso connects by e-mail itself, under the portal's rules
SOCIALACCOUNT_STORE_TOKENS = False
OIDC_PROVIDER_ID = "sso"
# The name on the sign-in button; empty (as a compose file passes an unset variable) means the default.
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "").strip() or "Single Sign-on"
OIDC_SERVER_URL = os.environ.get("OIDC_SERVER_URL", "")
OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
SOCIALACCOUNT_PROVIDERS = {}
if OIDC_SERVER_URL or OIDC_CLIENT_ID or OIDC_CLIENT_SECRET:
    if not (OIDC_SERVER_URL and OIDC_CLIENT_ID and OIDC_CLIENT_SECRET):
        raise ImproperlyConfigured("Single sign-on needs OIDC_SERVER_URL, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET.")
    SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": OIDC_PROVIDER_ID,
                    "name": OIDC_PROVIDER_NAME,
                    "client_id": OIDC_CLIENT_ID,
                    "secret": OIDC_CLIENT_SECRET,
                    "settings": {"server_url": OIDC_SERVER_URL},
                }
            ],
        }
    }

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("Englisch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        # Stores a file whole or not at all, and answers a full disk or an unwritable folder with a German refusal.
        "BACKEND": "portal.storage.PrivateFileStorage",
        "OPTIONS": {"location": os.environ.get("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private"))},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded files live outside STATIC_ROOT; only permission-checked views stream them.
PRIVATE_MEDIA_ROOT = Path(STORAGES["default"]["OPTIONS"]["location"])
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(25 * 1024 * 1024)))
# A file is stored only if this much room stays free after it: the database, logs and dossiers need it too.
# An empty value (as a compose file passes an unset variable) means the default, here and below.
STORAGE_MIN_FREE_BYTES = int(os.environ.get("STORAGE_MIN_FREE_BYTES") or 200 * 1024 * 1024)
# Uploaded PDFs are inspected and cleaned in a child process within these bounds; past them a file is refused.
UPLOAD_MAX_PAGES = int(os.environ.get("UPLOAD_MAX_PAGES") or 300)
UPLOAD_MAX_DECODED_BYTES = int(os.environ.get("UPLOAD_MAX_DECODED_BYTES") or 256 * 1024 * 1024)
UPLOAD_CHECK_SECONDS = int(os.environ.get("UPLOAD_CHECK_SECONDS") or 60)
UPLOAD_CHECK_MEMORY_BYTES = int(os.environ.get("UPLOAD_CHECK_MEMORY_BYTES") or 768 * 1024 * 1024)
# The programme's page limit of the main strategy document: a longer one is stored with a warning, not refused.
STRATEGY_MAIN_DOCUMENT_PAGES = 25
# The form fields around one upload (the multipart framing, the CSRF token, a kind or a note).
UPLOAD_FORM_OVERHEAD_BYTES = 1024 * 1024
# Sign-in and password-reset forms are small; a larger anonymous body is refused before it is parsed.
ANONYMOUS_BODY_MAX_BYTES = 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Content Security Policy: no inline script or style anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# E-mail: SMTP to EMAIL_HOST; without it the console in development and the local MTA in production.
_smtp_host = os.environ.get("EMAIL_HOST", "" if DEBUG else "localhost")
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _smtp_host,
                "port": int(os.environ.get("EMAIL_PORT", "587" if os.environ.get("EMAIL_HOST") else "25")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", default=bool(os.environ.get("EMAIL_HOST"))),
                "timeout": 30,
            },
        }
        if _smtp_host
        else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    )
}
# The privacy notice (Art. 13 DSGVO) names the controller and its data protection officer; the retention periods
# come from the schedule in the database. The lines of the address are separated by commas.
PRIVACY_CONTROLLER_NAME = os.environ.get(
    "PRIVACY_CONTROLLER_NAME", "Bundesministerium für Forschung, Technologie und Raumfahrt"
)
PRIVACY_CONTROLLER_ADDRESS = env_list("PRIVACY_CONTROLLER_ADDRESS", "Heinemannstraße 2, 53175 Bonn")
PRIVACY_CONTROLLER_EMAIL = os.environ.get("PRIVACY_CONTROLLER_EMAIL", "")
PRIVACY_DPO_NAME = os.environ.get("PRIVACY_DPO_NAME", "Die/Der Datenschutzbeauftragte des Ministeriums")
PRIVACY_DPO_EMAIL = os.environ.get("PRIVACY_DPO_EMAIL", "")

# --- Accessibility statement (BITV 2.0 § 7) ---
# The statement (/barrierefreiheit/) names the date of its last review, where barriers can be reported by those not
# signed in, and the enforcement body: for federal bodies the conciliation body under § 16 BGG.
ACCESSIBILITY_LAST_REVIEW = "2026-11-30"
ACCESSIBILITY_CONTACT_EMAIL = os.environ.get("ACCESSIBILITY_CONTACT_EMAIL", "barrierefreiheit@wir-portal.example")
ACCESSIBILITY_ENFORCEMENT_BODY = {
    "name": "Schlichtungsstelle nach § 16 BGG bei dem Beauftragten der Bundesregierung für die Belange von "
    "Menschen mit Behinderungen",
    "address": ["Mauerstraße 53", "10117 Berlin"],
    "phone": "+49 30 18 527-2805",
    "email": "info@schlichtungsstelle-bgg.de",
    "url": "https://www.schlichtungsstelle-bgg.de",
}

DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "WIR!-Strategieportal <noreply@wir-portal.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: with REDIS_URL a real broker, without it tasks run in-process.
REDIS_URL = os.environ.get("REDIS_URL", "")
# In-process tasks still take a producer from kombu's pool; a memory URL without a host makes kombu warn.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Keys of this installation in a Redis shared with others (another checkout, another portal).
REDIS_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX", "")
# Rendering a dossier (dossiers/tasks.py): the task's time limits; the heartbeat a rendering worker writes,
# after which silence counts as a dead worker; how long a dossier may wait in the queue before it is sent
# again; how often the sweep looks; and how many lost renders a dossier gets before it is marked failed.
DOSSIER_RENDER_SOFT_SECONDS = 300
DOSSIER_RENDER_HARD_SECONDS = 360
DOSSIER_HEARTBEAT_SECONDS = 10
DOSSIER_HEARTBEAT_STALE_SECONDS = 60
DOSSIER_QUEUED_RESEND_SECONDS = 180
DOSSIER_SWEEP_SECONDS = 60
DOSSIER_MAX_ATTEMPTS = 3
# Who issues the decision letters of a cycle (templates/decisions/letter.html): the ministry, its division, its
# address, the contact at the Projektträger and the signer's function. Keyed by the cycle's slug; a cycle's entry
# overrides single keys of "default". Settings, not data: it changes with a reorganisation of government (BMBF
# became BMFTR in 2025), not during a cycle, and a letter must not change because someone edited a form.
DECISION_LETTER_ISSUERS = {
    "default": {
        "ministry": "Bundesministerium für Forschung, Technologie und Raumfahrt",
        "division": "Referat „Nachhaltige regionale Innovationsinitiativen“",
        "street": "Kapelle-Ufer 1",
        "postal_code": "10117",
        "city": "Berlin",
        "contact_name": "Projektträger Jülich, Team WIR!",
        "contact_phone": "",
        "contact_email": "wir@ptj.example",
        "signer_function": "",
    },
}
# Dashboard exports with more rows than this are written by a worker (as a dossier) instead of streamed.
EXPORT_STREAM_MAX_ROWS = 500
# Unacknowledged tasks of a lost worker come back after this. It exceeds every task's hard time limit, so a
# running task is never delivered twice; the dossier sweep, not this timeout, brings a lost render back soon.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "global_keyprefix": REDIS_KEY_PREFIX,
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", str(DOSSIER_RENDER_HARD_SECONDS + 60))),
    "unacked_restore_interval": int(os.environ.get("CELERY_UNACKED_RESTORE_INTERVAL", "10")),
    "unacked_restore_throttle": int(os.environ.get("CELERY_UNACKED_RESTORE_THROTTLE", "10")),
}
CELERY_TASK_ROUTES = {"dossiers.tasks.render_dossier_task": {"queue": "pdf"}}
# A worker process is replaced once it holds more than 400 MB, so long PDF runs cannot pile up memory.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 400_000

CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The portal logs user ids, never e-mail or client addresses; the formatter redacts what others let through.
    "formatters": {
        "plain": {"()": "portal.logs.RedactingFormatter", "format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # pikepdf announces its logging bridge at INFO on every start of a process that imports it.
        "pikepdf": {"level": "WARNING"},
    },
}

# Demo data, seeded stage by stage in the order of the cycle (see seed_demo).
DEMO_SEEDERS = [
    "portal.demo.seed",
    "alliances.demo.seed",
    "alliances.demo_questions.seed",
    "reviews.demo.seed",
    "decisions.demo.seed",
]

# Change reasons hold the reasons people give (reopening, extensions), which can be long.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

CELERY_BEAT_SCHEDULE = {
    "review-reminders": {"task": "reviews.tasks.send_review_reminders", "schedule": 60 * 60},
    # Hourly, so that a reminder goes out within the hour its time comes.
    "submission-reminders": {"task": "alliances.tasks.send_submission_reminders", "schedule": 60 * 60},
    "outbox-sweep": {"task": "portal.tasks.sweep_outbox", "schedule": 5 * 60},
    "dossier-sweep": {"task": "dossiers.tasks.sweep_queued_dossiers", "schedule": DOSSIER_SWEEP_SECONDS},
    "upload-check-sweep": {"task": "portal.tasks.sweep_pending_uploads", "schedule": 5 * 60},
    "leftover-files": {"task": "portal.tasks.remove_leftover_files", "schedule": 60 * 60},
    "faq-digest": {"task": "alliances.tasks.send_faq_digests", "schedule": 60 * 60},
    # The retention schedule (portal.privacy): once a day; a run that comes twice changes nothing the second time.
    "retention": {"task": "portal.tasks.apply_retention_schedule", "schedule": 24 * 60 * 60},
    # Client addresses older than the sign-in throttle's window are cut to their network (portal.privacy.addresses):
    # every five minutes, so that none stays exact for much longer than the window itself.
    "client-address-truncation": {"task": "portal.tasks.truncate_client_addresses", "schedule": 5 * 60},
}

# Drafts (strategy, review) are autosaved this often while they have unsaved changes; tests shorten it.
AUTOSAVE_SECONDS = 60
