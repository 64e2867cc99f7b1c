"""Settings for govoffice.

Everything that differs between a laptop and production comes from the environment:
DATABASE_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS, CONN_MAX_AGE, CONN_HEALTH_CHECKS, and the
security and login-throttling variables in their sections below.
"""
import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# GENERAL
DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not env_bool("GOVOFFICE_INSECURE_DEV_KEY", default=False):
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for local development).")
    SECRET_KEY = "django-insecure-local-development-only"
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = [
    origin.strip() for origin in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if origin.strip()
]

# APPS
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "mptt",
    "simple_history",
    "import_export",
    "axes",
    "orgunits",
    "apidocs",
    "routing",
]

# MIDDLEWARE
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Per-address limits on searching, routing and the subject list (govoffice.throttle).
    "govoffice.throttle.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records who made each change in the admin (and so in the history).
    "simple_history.middleware.HistoryRequestMiddleware",
    # Content-Security-Policy on every response (django-csp; policy under SECURITY).
    "csp.middleware.CSPMiddleware",
    # Turns a locked-out login into a 429 page; keep it last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "govoffice.urls"
WSGI_APPLICATION = "govoffice.wsgi.application"

# TEMPLATES
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
            ],
        },
    },
]

# DATABASES
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # Off, as in Django: a health check is an extra round trip ("SELECT 1") on every request
        # that uses the database (a quarter of /api/route's throughput in the load test). Without it,
        # the first request of each worker after a database restart fails once.
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", default=False),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# CACHES
# The routing index is cached per process; a version stamp in the database tells
# every process (on every machine) when the data changed.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Request counts per client address for the rate limits (per process; see govoffice.throttle).
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "ratelimit",
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    },
}

# RATE LIMITS
# Requests a minute that one address (not signed in) may make to /search/, /route/ and /subjects/
# ("pages") and to /api/route and /api/subjects/ ("api"); 0 turns a limit off.
RATE_LIMITS = {
    group: f"{count}/m" if count > 0 else None
    for group, count in (
        ("pages", int(os.environ.get("RATE_LIMIT_PAGES", "120"))),
        ("api", int(os.environ.get("RATE_LIMIT_API", "120"))),
    )
}
RATELIMIT_USE_CACHE = "ratelimit"

# AUTHENTICATION
# The first backend refuses logins from a username and address that failed too often (django-axes);
# the second checks the password.
AUTHENTICATION_BACKENDS = [
    "orgunits.access.ThrottledLoginBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
# Lock the pair, not the address alone: many staff share one office NAT address, and locking a
# username everywhere would let a stranger lock an editor out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "orgunits.access.login_client_ip"
# Number of reverse proxies in front of the app; their X-Forwarded-For entries name the client.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# PASSWORDS
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# INTERNATIONALISATION
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# STATIC FILES
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
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

# SECURITY (production unless DEBUG)
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    # Both bind every subdomain of the site's domain (preload for years, in the browsers' own
    # lists): the deployer's decision, so off unless asked for.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
    SILENCED_SYSTEM_CHECKS = [
        *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
        *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
    ]
    if TRUSTED_PROXY_COUNT > 0:
        # Only our own proxy may say the request came over HTTPS; without one, a client could.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# No inline script anywhere (the pages load static/js/govoffice.js), no inline style attributes,
# nothing from other sites. chart.svg adds its own inline <style> (an SVG carries its styles).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
LANGUAGE_COOKIE_SAMESITE = "Lax"

# DATA
# Where `load_org` reads the organisation data from.
ORG_FIXTURES_DIR = Path(os.environ.get("ORG_FIXTURES_DIR", BASE_DIR / "fixtures"))
# The project's own everyday matters per subject: what the learned routing layer knows before any record.
ROUTING_STARTER_LOG_DIR = Path(os.environ.get("ROUTING_STARTER_LOG_DIR", BASE_DIR / "fixtures" / "starter_log"))
# "0" routes with the document engine alone (no learned layer).
ROUTING_LEARNING = os.environ.get("ROUTING_LEARNING", "1") != "0"

# LOGGING
# One handler, on the root logger. Django's default configuration gives its "django" logger a
# console handler of its own (under DEBUG), which printed every line twice; here it only propagates.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "django": {
            "handlers": [],
            "level": os.environ.get("LOG_LEVEL", "INFO" if DEBUG else "WARNING"),
            "propagate": True,
        }
    },
}
