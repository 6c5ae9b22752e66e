"""Settings for the alerts CMS, driven entirely by the environment.

Debug/demo mode is the default so that `make run` works on a fresh machine;
production sets DEBUG=false and must then provide SECRET_KEY and ALLOWED_HOSTS.
"""

import os
import sys
import warnings
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG is off.")
    # Only ever used for local demo runs; a production process refuses to start without one.
    SECRET_KEY = "insecure-local-development-key-not-for-production-use-0123456789"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Whether load_demo creates the demo users (with printed passwords). The demo alert is
# loaded either way: it is an unpublished draft, attributed to no one when this is off.
DEMO_MODE = env_bool("DEMO_MODE", default=DEBUG)

INSTALLED_APPS = [
    # Django's admin, with a default site that also asks for the second factor.
    "accounts.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    # Full-text search fields and lookups (alerts/public/search.py); inert on SQLite.
    "django.contrib.postgres",
    "reversion",
    "django_filters",
    "axes",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "stages",
    "sources",
    "alerts",
    # After the django-otp plugins: its admin takes their device admins off the site.
    "accounts",
]

MIDDLEWARE = [
    # First, like Django's own site cache: answers a kept public page before the rest
    # runs, and keeps only what the whole stack made of one (alerts/public/page_cache.py).
    "alerts.public.page_cache.PublicPageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (SECURE_CSP below).
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag and If-None-Match / 304 for every page that may be cached (never the admin,
    # whose responses say no-store).
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks request.user verified when the session carries a confirmed OTP device.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Tells staff, on their next admin page, that a submission of theirs went stale.
    "alerts.admin.stale.StaleSubmissionNoticeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into a 429 page.
    "axes.middleware.AxesMiddleware",
]

# Staff logins are throttled against password guessing (django-axes): after
# AXES_FAILURE_LIMIT failures for one username from one address, that pair is
# locked out for AXES_COOLOFF_HOURS. Locking per pair (not per username alone)
# keeps an attacker from locking a real editor out from elsewhere.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Only staff sign in. Their sessions end after a working day (STAFF_SESSION_HOURS), not
# Django's two weeks: an unattended laptop signed in to the admin is a risk to people.
SESSION_COOKIE_AGE = int(float(os.environ.get("STAFF_SESSION_HOURS", "9")) * 3600)
# Staff need a second factor (an authenticator app's code, or a single-use backup
# code) besides the password for the admin and the staff pages. Off only where a
# single developer runs the site locally and says so.
OTP_REQUIRED = env_bool("OTP_REQUIRED", default=True)
# The name authenticator apps show beside the account.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Genocide alerts")
# Wrong codes lock a device out for 1, 2, 4, 8 ... seconds after each failure in a
# row (django-otp's default factor, said here so that nobody lowers it by accident).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# The device admins would show other people's secrets; devices change only through
# accounts.services.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "1"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Behind a reverse proxy every request comes from the proxy's address, so set
# TRUSTED_PROXY_COUNT to the number of proxies: the client address is then read
# from X-Forwarded-For at that depth. Without it the header is ignored, since a
# client could forge it to dodge the lockout.
_TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
if _TRUSTED_PROXIES:
    AXES_IPWARE_PROXY_COUNT = _TRUSTED_PROXIES
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # csp_nonce, for the rare inline <style> or <script> that must exist.
                "django.template.context_processors.csp",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # A kept connection the database dropped (a restart) is replaced before use.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction starts, so the optimistic-lock check in
    # the admin and the write after it cannot interleave with another request.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("transaction_mode", "IMMEDIATE")
    # Covering indexes (alerts.Publication) speed up PostgreSQL; SQLite builds the same
    # indexes without their extra columns, which is all this warning says.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast while the database is unreachable instead of hanging a worker.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    # No JIT: it compiles any plan whose estimated cost is high, which per-row
    # subqueries over a large table always are, even when only a page of rows is
    # read; at 100,000 alerts it added 100-190 ms to an admin changelist whose
    # query ran in 5 ms. (Given here, "options" replaces PGOPTIONS, so keep that.)
    DATABASES["default"]["OPTIONS"].setdefault(
        "options", " ".join(filter(None, ["-c jit=off", os.environ.get("PGOPTIONS", "")]))
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# The organisation's time zone: every time shown to staff and readers is in it, and
# says so (config/formats/), and the go-live input is read in it.
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# In development and tests files come from the finders; STATIC_ROOT exists only after
# collectstatic, and whitenoise warns about the missing directory on every start.
WHITENOISE_USE_FINDERS = DEBUG
if DEBUG or "pytest" in sys.modules:
    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")

LOGIN_URL = "admin:login"

if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            # A cache server that stops answering must not hang a worker (or a
            # publication): pages are then served uncached (alerts/public/page_cache.py).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # Shared by every app server, so a change reaches them all at once (the workflow
    # ends the cache's generation); this bounds what a lost one can leave stale.
    PUBLIC_PAGE_CACHE_SECONDS = 60
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # One cache per process, which another process's change cannot reach: every
    # server shows a change within a second (alerts/public/page_cache.py).
    PUBLIC_PAGE_CACHE_SECONDS = 1
# A new prefix starts the cache afresh.
CACHES["default"]["KEY_PREFIX"] = os.environ.get("CACHE_KEY_PREFIX", "")

# Django 6.1 mailers. Console in debug; SMTP (configured by EMAIL_* variables) otherwise.
_EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
_EMAIL_OPTIONS = {}
if _EMAIL_BACKEND.endswith("smtp.EmailBackend"):
    _EMAIL_OPTIONS = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("EMAIL_PORT", "25")),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS"),
        "timeout": 10,
    }
MAILERS = {"default": {"BACKEND": _EMAIL_BACKEND, "OPTIONS": _EMAIL_OPTIONS}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "alerts@localhost")

# Background tasks: mail and front-cache purges run in a worker process
# (`manage.py db_worker`), from a queue kept in the database, so enqueueing is part of
# the transition's own transaction (alerts/tasks.py).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Seconds before each retry of a failed task: about ten hours in all, then the task
# stays failed in the admin.
TASK_RETRY_DELAYS = [
    int(seconds) for seconds in env_list("TASK_RETRY_DELAYS", "30,120,600,1800,3600,7200,21600")
]

# The front caches (Varnish, deploy/varnish/) to purge when public pages change, e.g.
# "http://10.0.0.5:6081,http://10.0.0.6:6081"; empty when there is none. Public pages
# may be kept there FRONT_CACHE_SECONDS at most (alerts/public/front_cache.py).
FRONT_CACHE_URLS = env_list("FRONT_CACHE_URLS")
# At most five minutes: the longest a lost purge may leave a page stale.
FRONT_CACHE_SECONDS = min(int(os.environ.get("FRONT_CACHE_SECONDS", "300")), 300)

# Public base URL used in mails and feeds when there is no request at hand.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (Django's built-in CSP): no inline script, no inline style
# unless it carries the per-request nonce, nothing from other origins, no framing.
# Editors' text is sanitised before it reaches a page; this is the second wall.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's default config gives "django" its own console handler as well; without
    # this every line from runserver would be printed twice.
    "loggers": {
        "django": {"handlers": ["console"], "propagate": False},
        # WeasyPrint (alert PDFs, alerts/assets.py) logs each step of every PDF at INFO.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
