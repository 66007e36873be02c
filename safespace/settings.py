"""Settings for Safespace, read from the environment.

Bad or missing values stop the process at start-up with a message naming the
variable; nothing here is allowed to fall back silently to an unsafe default
when ``DJANGO_DEBUG`` is off.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from safespace import config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SAFESPACE_VAR_DIR", BASE_DIR / "var"))

DEBUG = config.env_bool("DJANGO_DEBUG", default=False)

# In debug/demo mode, missing keys are generated once into var/ so that
# `make run` just works; with DEBUG off every key must come from the environment.
_dev_secrets = config.development_secrets(VAR_DIR) if DEBUG else None

SECRET_KEY = config.secret("DJANGO_SECRET_KEY", DEBUG, _dev_secrets)
SECRET_KEY_FALLBACKS = config.env_list("DJANGO_SECRET_KEY_FALLBACKS", [])

# Comma-separated Fernet keys: the first encrypts, all decrypt (rotation).
FIELD_ENCRYPTION_KEYS = config.validate_fernet_keys(
    [k.strip() for k in config.secret("FIELD_ENCRYPTION_KEYS", DEBUG, _dev_secrets).split(",")]
)
# django-encrypted-model-fields reads this name; it accepts a list for rotation.
FIELD_ENCRYPTION_KEY = FIELD_ENCRYPTION_KEYS
# A separate key for the keyed hashes that make encrypted names searchable.
BLIND_INDEX_KEY = config.validate_blind_index_key(
    config.secret("BLIND_INDEX_KEY", DEBUG, _dev_secrets), FIELD_ENCRYPTION_KEYS, SECRET_KEY
)

ALLOWED_HOSTS = config.env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS is not set. List the host names this site answers to, "
        "comma-separated (e.g. safespace.example.org)."
    )
CSRF_TRUSTED_ORIGINS = config.env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "guardian",
    "django_htmx",
    "template_partials",
    "csp",
    "django_countries",
    "safespace",
    "cases",
    "lifeplans",
    "shelters",
    "dropin",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "safespace.middleware.SessionTimeoutMiddleware",
    "safespace.middleware.StaffMFAEnrolmentMiddleware",
]

ROOT_URLCONF = "safespace.urls"
WSGI_APPLICATION = "safespace.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "safespace.context_processors.safespace",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
_default_db_url = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
_db_url = os.environ.get("DATABASE_URL", "").strip() or _default_db_url
try:
    _db = environ.Env.db_url_config(_db_url)
except Exception:  # noqa: BLE001 - the parser raises several types; the message is ours
    raise ImproperlyConfigured(
        "DATABASE_URL is not a database URL this project understands "
        "(expected postgres://user@host:port/name or sqlite:///path)."
    ) from None
if _db.get("ENGINE") == "django.db.backends.postgresql":
    _db.setdefault("CONN_MAX_AGE", config.env_int("DATABASE_CONN_MAX_AGE", 60))
    _db["CONN_HEALTH_CHECKS"] = True
elif _db.get("ENGINE") == "django.db.backends.sqlite3":
    if _db["NAME"] != ":memory:":
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # take the write lock at BEGIN so concurrent writers queue instead of failing
    _db["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
else:
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL or SQLite.")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker, results and the shared cache --------------------------
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("REDIS_URL must start with redis://, rediss:// or unix://.")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "safespace",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without a broker, tasks run in the request (demo mode and unit tests).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "sessions-clear-expired": {
        "task": "safespace.tasks.sessions_clear_expired",
        "schedule": 60 * 60,
    },
    # --- Life plan (staff side) ---
    "lifeplans-reviews-overdue-flag": {
        "task": "lifeplans.tasks.reviews_overdue_flag",
        "schedule": 60 * 60,
    },
    # --- Shelters: follow-ups after a stay become due, early each day (TIME_ZONE) ---
    "shelters-follow-ups-mark-due": {
        "task": "shelters.tasks.follow_ups_mark_due",
        "schedule": crontab(hour=0, minute=5),
    },
    # --- Reports: files past their 30 days are deleted (the frozen figures stay) ---
    "reports-files-expire": {
        "task": "reports.tasks.report_files_expire",
        "schedule": crontab(hour=1, minute=15),
    },
    # --- Retention: closed files anonymised, old details removed (cases/retention.py) ---
    "cases-retention-apply": {
        "task": "cases.tasks.retention_apply",
        "schedule": crontab(hour=2, minute=30),
    },
}

# --- Authentication ---------------------------------------------------------------
AUTH_USER_MODEL = "safespace.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "safespace.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# Throttling, counted in the shared cache (Redis in production). Failed sign-ins
# pause an account for minutes, never for good, so nobody can lock her out for long;
# the same budget covers MFA codes.
# Behind the TLS proxy, the client's address is the last X-Forwarded-For hop it added.
ALLAUTH_TRUSTED_PROXY_COUNT = config.env_int("SAFESPACE_TRUSTED_PROXY_COUNT", 0)
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "reauthenticate": "10/m/user",
    "change_password": "5/m/user",
    # invitation codes typed on the welcome page (safespace.views.welcome)
    "invitation_redeem": "10/m/ip,30/h/ip",
    # a house's confidential address (shelters.views.shelter_address): one now and then
    "shelter_address": "5/m/user,20/h/user",
}
# Shared phones and reception computers: a session never outlives the browser.
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
# "last seen" on every request costs a write per click; creation time is enough here
USERSESSIONS_TRACK_ACTIVITY = False
# MFA: mandatory for staff (safespace.middleware), optional for participants.
MFA_ADAPTER = "safespace.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# accept the code of the previous or next 30 s step too (RFC 6238's clock-drift allowance):
# a code typed as it rolls over, or a phone a little off, is not refused
MFA_TOTP_TOLERANCE = 1
MFA_TOTP_ISSUER = os.environ.get("SAFESPACE_TOTP_ISSUER", "Safespace")
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG  # WebAuthn on http://127.0.0.1 in the demo
MFA_PASSKEY_LOGIN_ENABLED = False
ANONYMOUS_USER_NAME = None  # django-guardian: no anonymous user row

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Idle and absolute session limits (safespace.middleware.SessionTimeoutMiddleware).
SAFESPACE_SESSION_IDLE_STAFF_SECONDS = config.env_int(
    "SAFESPACE_SESSION_IDLE_STAFF_SECONDS", 30 * 60, minimum=60
)
SAFESPACE_SESSION_IDLE_PARTICIPANT_SECONDS = config.env_int(
    "SAFESPACE_SESSION_IDLE_PARTICIPANT_SECONDS", 15 * 60, minimum=60
)
SAFESPACE_SESSION_ABSOLUTE_SECONDS = config.env_int(
    "SAFESPACE_SESSION_ABSOLUTE_SECONDS", 10 * 60 * 60, minimum=60
)
SESSION_COOKIE_AGE = SAFESPACE_SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "ss_session"
CSRF_COOKIE_NAME = "ss_csrf"

# --- Security headers ---------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# nothing is sent to other sites (the exit's neutral site included); "no-referrer" would
# make browsers send "Origin: null" on our own forms, which CSRF rightly rejects
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = config.env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# load balancers probe over plain HTTP
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# gunicorn runs behind a TLS-terminating proxy that sets this header
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 0 if DEBUG else config.env_int("DJANGO_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = config.env_bool("DJANGO_HSTS_PRELOAD", default=not DEBUG)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# --- Internationalisation -----------------------------------------------------------
LANGUAGE_CODE = os.environ.get("DJANGO_LANGUAGE_CODE", "fr")
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured("DJANGO_LANGUAGE_CODE must be 'fr' or 'en'.")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "ss_language"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# A long text pasted into a form (up to ~10 MB) gets a message next to the field,
# not a bare 400; files have their own limits where uploads are accepted.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
# Documents in her file: the largest accepted, in bytes. The upload view keeps the file in
# memory (never a plaintext temporary file) and stops keeping it past this size, so the
# form can say it is too large (safespace.uploads.InMemoryUploadHandler); FILE_UPLOAD_* do not
# apply there. A reverse proxy in front should allow a little more than this.
SAFESPACE_DOCUMENT_MAX_BYTES = config.env_int(
    "SAFESPACE_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024
)

# --- Static and uploaded files ---------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "static"))
WHITENOISE_USE_FINDERS = DEBUG
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # quiets WhiteNoise before collectstatic
# No MEDIA_URL and no URL serves MEDIA_ROOT: documents in her files live encrypted in the
# database and leave only through cases.views.document_download, which checks access.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Email: notifications never carry content (see UX.md) ------------------------------
_email = environ.Env.email_url_config(
    os.environ.get("EMAIL_URL", "").strip()
    or ("consolemail://" if DEBUG else "smtp://localhost:25")
)
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
for _key in ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"):
    if _email.get(_key):
        globals()[_key] = _email[_key]
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "no-reply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Logging: to the console, never request bodies ---------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_secrets": {"()": "safespace.logging.RedactSecretsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own 'Bad request' lines can quote a Host header; warnings are enough
        "django.security.DisallowedHost": {"level": "ERROR"},
        # the development server's request lines, through the redacting handler
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # WeasyPrint announces every step of every PDF at INFO; its problems are warnings
        "weasyprint.progress": {"level": "WARNING"},
    },
}

# --- Safespace -----------------------------------------------------------------------
# how long an invitation code (participants and new staff) stays valid
SAFESPACE_INVITATION_HOURS = config.env_int("SAFESPACE_INVITATION_HOURS", 72, minimum=1)
# how long a break-glass opening of a file outside one's scope lasts
SAFESPACE_BREAK_GLASS_HOURS = config.env_int("SAFESPACE_BREAK_GLASS_HOURS", 2, minimum=1)
SAFESPACE_ORGANISATION_NAME = os.environ.get("SAFESPACE_ORGANISATION_NAME", "Safespace")
# The logo on the annual report: a file inside static/ (the PDF reads nothing else)
SAFESPACE_ORGANISATION_LOGO = (
    os.environ.get("SAFESPACE_ORGANISATION_LOGO", "").strip() or "img/icon.svg"
)
if (
    ":" in SAFESPACE_ORGANISATION_LOGO
    or SAFESPACE_ORGANISATION_LOGO.startswith(("/", "\\"))
    or ".." in SAFESPACE_ORGANISATION_LOGO.replace("\\", "/").split("/")
):
    raise ImproperlyConfigured(
        "SAFESPACE_ORGANISATION_LOGO must be a file inside the static folder, e.g. img/logo.png."
    )
# Reports: a count of people below this shows "< N" (the organisation sets it; at least 2)
SAFESPACE_REPORT_THRESHOLD = config.env_int("SAFESPACE_REPORT_THRESHOLD", 5, minimum=2)
# how long a generated report's files are kept for download
SAFESPACE_REPORT_FILE_DAYS = config.env_int("SAFESPACE_REPORT_FILE_DAYS", 30, minimum=1)
# Retention (issue 10, cases/retention.py): a closed file is anonymised this many years
# after closing; an anonymous visit loses its details, an outreach round its notes, after
SAFESPACE_RETENTION_CLOSED_FILE_YEARS = config.env_int(
    "SAFESPACE_RETENTION_CLOSED_FILE_YEARS", 5, minimum=1
)
SAFESPACE_RETENTION_ANONYMOUS_VISIT_YEARS = config.env_int(
    "SAFESPACE_RETENTION_ANONYMOUS_VISIT_YEARS", 3, minimum=1
)
SAFESPACE_RETENTION_OUTREACH_NOTES_YEARS = config.env_int(
    "SAFESPACE_RETENTION_OUTREACH_NOTES_YEARS", 1, minimum=1
)
# Where the emergency-exit button sends the browser: a neutral site set by the organisation.
SAFESPACE_EXIT_URL = os.environ.get("SAFESPACE_EXIT_URL", "https://www.bbc.co.uk/weather")
if not SAFESPACE_EXIT_URL.startswith("https://"):
    raise ImproperlyConfigured("SAFESPACE_EXIT_URL must be an https:// address.")
# Her own space, discreet on a shared phone: a neutral name (empty: the translated "My space")
# and one of a few neutral icons drawn in static/img/portal/.
SAFESPACE_PORTAL_NAME = os.environ.get("SAFESPACE_PORTAL_NAME", "").strip()
SAFESPACE_PORTAL_ICONS = ("leaf", "sun", "circle")
SAFESPACE_PORTAL_ICON = os.environ.get("SAFESPACE_PORTAL_ICON", "leaf").strip() or "leaf"
if SAFESPACE_PORTAL_ICON not in SAFESPACE_PORTAL_ICONS:
    raise ImproperlyConfigured(
        "SAFESPACE_PORTAL_ICON must be one of: " + ", ".join(SAFESPACE_PORTAL_ICONS) + "."
    )
# Follow-ups after she leaves the organisation's housing, in months after her departure
# (e.g. "1,3,6,12"): whole numbers up to ten years, ascending, without repeats.
SAFESPACE_FOLLOW_UP_MONTHS = config.env_ascending_ints(
    "SAFESPACE_FOLLOW_UP_MONTHS", (1, 3, 6, 12), minimum=1, maximum=120
)
# A worker's home page reminds her of her files' consents ending within this many days
SAFESPACE_CONSENT_REMINDER_DAYS = config.env_int("SAFESPACE_CONSENT_REMINDER_DAYS", 30, minimum=1)
