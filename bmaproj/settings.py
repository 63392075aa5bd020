"""Settings of the BMA project progress portal.

Every value a deployment may change is read from an environment variable, with a
safe default for a developer's machine. Without DATABASE_URL the portal runs on an
SQLite file beside this package, so a first run needs no server.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item]


# Core

SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret-key-change-me-in-production")
DEBUG = envbool("DEBUG", "true")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "simple_history",
    "csp",
    "axes",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "projects",
    "indicators",
    "reports",
    "evidence",
    "notifications",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages compressed for slow lines (static files are compressed by whitenoise);
    # Django pads compressed responses against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "csp.middleware.CSPMiddleware",
    "bmaproj.security.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bmaproj.middleware.ThaiFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "bmaproj.middleware.PrivatePagesNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bmaproj.urls"
# The portal's own page for a refused form token (bmaproj/errors.py).
CSRF_FAILURE_VIEW = "bmaproj.errors.csrf_failure"
# The largest form a request may carry, in bytes (Django's default, 2.5 MB): a
# larger one gets the portal's "too large" page (413), and text fields say their
# limit (TEXT_MAX_LENGTH), so that a report typed in full always fits.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
TEXT_MAX_LENGTH = envint("TEXT_MAX_LENGTH", 20_000)
WSGI_APPLICATION = "bmaproj.wsgi.application"

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
                "projects.context_processors.portal",
                "notifications.context_processors.inbox",
            ],
        },
    },
]

# Database

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # PostgreSQL's JIT spends about a second compiling each city-wide progress
    # query (measured on 10,000 projects) and saves nothing on queries this short.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: derived figures and public pages (projects/cache.py), shared by every
# process and replica through a table in the database, made by `migrate`.

# Cached pages and figures are keyed by the release that made them: this value, or
# when empty a digest of the code, templates, translations and static files (so a
# new release never serves what an older one rendered; replicas of one release
# share their entries).
PORTAL_RELEASE = os.environ.get("PORTAL_RELEASE", "")
# Bounded in bytes as well as in entries (projects.cache.BoundedDatabaseCache).
CACHES = {
    "default": {
        "BACKEND": "projects.cache.BoundedDatabaseCache",
        "LOCATION": os.environ.get("CACHE_TABLE", "portal_cache"),
        "OPTIONS": {
            "MAX_ENTRIES": envint("CACHE_MAX_ENTRIES", 100_000),
            "MAX_BYTES": envint("CACHE_MAX_BYTES", 512 * 1024 * 1024),
            "MAX_ENTRY_BYTES": envint("CACHE_MAX_ENTRY_BYTES", 4 * 1024 * 1024),
            "BYTES_CHECK_EVERY": envint("CACHE_BYTES_CHECK_EVERY", 10),
        },
    }
}

# Authentication

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# django-axes first: a locked-out login is refused before any password is checked.
AUTHENTICATION_BACKENDS = [
    "bmaproj.security.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": (
            "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
        )
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Security
#
# Outside DEBUG every protection is on by default, for a portal behind a proxy or
# load balancer that ends TLS and sets X-Forwarded-Proto. Each can be changed with
# the environment variable of the same name, e.g. SECURE_SSL_REDIRECT=false for a
# trial on plain HTTP. `manage.py check --deploy` tells what is still missing.

PRODUCTION = not DEBUG
_ON_IN_PRODUCTION = "true" if PRODUCTION else "false"

SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", _ON_IN_PRODUCTION)
# Load balancers probe the health check over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if envbool("SECURE_PROXY_SSL_HEADER", _ON_IN_PRODUCTION):
    # Safe only behind a proxy that overwrites whatever X-Forwarded-Proto the
    # client sent; without a proxy, set SECURE_PROXY_SSL_HEADER=false.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", _ON_IN_PRODUCTION
)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", _ON_IN_PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = os.environ.get("SECURE_REFERRER_POLICY", "same-origin")
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", _ON_IN_PRODUCTION)
SESSION_COOKIE_HTTPONLY = True
# A working day; a session also ends when the browser closes if asked to.
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = envbool("SESSION_EXPIRE_AT_BROWSER_CLOSE", "false")
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", _ON_IN_PRODUCTION)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
if PRODUCTION and not SECURE_HSTS_PRELOAD:
    # Asking browsers' preload lists to include the domain is the operator's
    # choice; without it, check --deploy would warn on every run.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Content Security Policy (django-csp 4): scripts only from our own static files;
# figures' data travels in json_script blocks, which are not run. plotly.js sets
# inline styles on the charts it draws, hence 'unsafe-inline' for styles only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one
# username from one address, that pair waits AXES_COOLOFF_MINUTES; never for ever.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Tries made while locked out do not move the cool-off: the right password after
# it always works, however often someone kept trying meanwhile.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "bmaproj.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "bmaproj.security.client_ip"
# The number of proxies in front of the portal that append to X-Forwarded-For;
# 0 takes the address of the connection itself, which a client cannot forge.
PROXY_COUNT = envint("PROXY_COUNT", 0)

# Backups (`make backup`, `make restore FILE=...`): where the backup command writes.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", BASE_DIR / "backups"))

# Language and time: Thai first, English second, switchable per user.

LANGUAGE_CODE = "th"
LANGUAGES = [("th", _("Thai")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True

# Static files: served by whitenoise, fingerprinted and compressed outside DEBUG.

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "bmaproj.staticfinders.VendorFinder",
]
# Uploaded and generated files (open-data archives) when the default storage is
# the file system.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": os.environ.get(
            "STATICFILES_STORAGE",
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
WHITENOISE_MAX_AGE = envint("WHITENOISE_MAX_AGE", 3600)

# Evidence files (evidence app): local files under MEDIA_ROOT by default; any
# S3-compatible store (MinIO, AWS) when EVIDENCE_S3_BUCKET is set, so that every
# web replica sees the same files. Files are never served from MEDIA_URL: the
# evidence view checks access on each request.

EVIDENCE_S3_BUCKET = os.environ.get("EVIDENCE_S3_BUCKET", "")
if EVIDENCE_S3_BUCKET:
    STORAGES["evidence"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": EVIDENCE_S3_BUCKET,
            "endpoint_url": os.environ.get("EVIDENCE_S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("EVIDENCE_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("EVIDENCE_S3_SECRET_ACCESS_KEY") or None,
            "region_name": os.environ.get("EVIDENCE_S3_REGION") or None,
            "location": os.environ.get("EVIDENCE_S3_PREFIX", "evidence"),
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            "addressing_style": os.environ.get("EVIDENCE_S3_ADDRESSING", "path"),
        },
    }
else:
    STORAGES["evidence"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT / "evidence", "base_url": "/-/"},
    }
# Limits, shown on the forms: bytes a file may have, files a report may keep,
# pixels a photo may have (checked before it is decoded) and the longest side a
# stored photo keeps (larger ones are scaled down).
EVIDENCE_MAX_FILE_BYTES = envint("EVIDENCE_MAX_FILE_BYTES", 10 * 1024 * 1024)
EVIDENCE_MAX_FILES_PER_REPORT = envint("EVIDENCE_MAX_FILES_PER_REPORT", 10)
EVIDENCE_MAX_IMAGE_PIXELS = envint("EVIDENCE_MAX_IMAGE_PIXELS", 40_000_000)
EVIDENCE_IMAGE_MAX_SIDE = envint("EVIDENCE_IMAGE_MAX_SIDE", 4096)
# Days a removed file stays retrievable by admins before `purge_evidence` deletes it.
EVIDENCE_RETENTION_DAYS = envint("EVIDENCE_RETENTION_DAYS", 365)

# Forms

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The portal's own rules

# Anonymous visitors may read published pages (the original portal is public).
PUBLIC_READ = envbool("PUBLIC_READ", "true")
# A project is behind plan when actual minus planned falls below minus this many points.
BEHIND_THRESHOLD = envint("BEHIND_THRESHOLD", 10)
# Disbursement is behind plan when the disbursed % of the allocation falls below the
# planned % by more than this many points.
DISBURSEMENT_BEHIND_THRESHOLD = envint("DISBURSEMENT_BEHIND_THRESHOLD", 15)
# Flagged for evaluators: a project reported done (100 %) having disbursed less
# than this % of its allocation...
DONE_LOW_DISBURSED_PERCENT = envint("DONE_LOW_DISBURSED_PERCENT", 50)
# ...or one that disbursed at least the first % of its allocation while its
# progress is below the second.
SPENT_HIGH_DISBURSED_PERCENT = envint("SPENT_HIGH_DISBURSED_PERCENT", 80)
SPENT_LOW_PROGRESS_PERCENT = envint("SPENT_LOW_PROGRESS_PERCENT", 30)
# A monthly report is overdue when a month has no update after this day of the month.
REPORT_DUE_DAY = envint("REPORT_DUE_DAY", 25)
# A fiscal year's reports, results and plans become read-only this many days after
# 30 September, unless an evaluator reopens the year.
FISCAL_YEAR_CLOSE_DAYS = envint("FISCAL_YEAR_CLOSE_DAYS", 30)
# Monthly reports are published only once the department's approver (or an
# evaluator) approves them. Off: everything saved is approved at once.
APPROVAL_REQUIRED = envbool("APPROVAL_REQUIRED", "true")

# Notifications and email (notifications app; `manage.py run_worker` sends them)
#
# Without EMAIL_HOST, mail is printed to the console (`make run` shows it); with
# it, sent by SMTP. SITE_URL makes the links in emails absolute.

EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "true" if EMAIL_HOST else "false")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "BMA project portal <noreply@localhost>"
)
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# Days before the monthly due day (REPORT_DUE_DAY) when "due soon" reminders go.
NOTIFY_DUE_SOON_DAYS = envint("NOTIFY_DUE_SOON_DAYS", 5)
# Days before a fiscal year closes by itself when its staff are warned.
NOTIFY_YEAR_CLOSING_DAYS = envint("NOTIFY_YEAR_CLOSING_DAYS", 14)
# Days after a quarter ends when evaluators get weekly "unscored projects" notices.
NOTIFY_UNSCORED_AFTER_DAYS = envint("NOTIFY_UNSCORED_AFTER_DAYS", 14)
# The local hour of the daily digest email.
NOTIFY_DIGEST_HOUR = envint("NOTIFY_DIGEST_HOUR", 7)
# Seconds between two runs of the scheduled checks (whichever worker runs them).
NOTIFY_SCAN_SECONDS = envint("NOTIFY_SCAN_SECONDS", 3600)
# A failed email is retried after this many seconds, doubling up to the maximum.
NOTIFY_RETRY_SECONDS = envint("NOTIFY_RETRY_SECONDS", 60)
NOTIFY_RETRY_MAX_SECONDS = envint("NOTIFY_RETRY_MAX_SECONDS", 6 * 60 * 60)
# The JSON API (api/): Django REST framework, its schema by drf-spectacular, the
# docs' assets from drf-spectacular-sidecar (served by the portal, no CDN). Agency
# systems' tokens are throttled per token (API_TOKEN_RATE, e.g. 120/minute).

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ApiAccess"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": os.environ.get("API_TOKEN_RATE", "120/minute")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "COERCE_DECIMAL_TO_STRING": False,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "BMA project progress API",
    "DESCRIPTION": (
        "Projects, plans, monthly progress, KPIs and evaluations of the Bangkok "
        "Metropolitan Administration; agency systems write their reports with a "
        "token (Authorization: Bearer ...). Errors: {errors: [{field, code, "
        "message: {th, en}}]}."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and docs are read like the data: anonymously while PUBLIC_READ is on.
    "SERVE_PERMISSIONS": ["api.permissions.ApiAccess"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ApprovalState": "projects.approval.State",
        "ProgressStatus": "projects.progress.Status",
    },
}

# Logging: to the console, where a container platform collects it.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
