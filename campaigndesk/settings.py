"""CampaignDesk settings, read from the environment.

Order of reading: the environment variables below, each once, with a default
that suits the one-machine demo. Nothing else is read (no .env file, no
local_settings module), so what a server runs with is what its environment says.

    DEBUG              1/0, true/false. Default 1 for the demo; production sets 0.
    SECRET_KEY         required when DEBUG is off; the demo default is refused then.
    ALLOWED_HOSTS      comma-separated; default localhost names when DEBUG is on.
    CSRF_TRUSTED_ORIGINS  comma-separated origins, for a proxy on another host name.
    DATABASE_URL       sqlite:///path or postgres://user:pass@host:port/name.
                       Default: SQLite at var/campaigndesk.sqlite3.
    DB_CONN_MAX_AGE    seconds to keep a database connection open across requests
                       (default 60; 0 opens one per request), SQLite and PostgreSQL.
    EMAIL_URL          smtp://user:pass@host:port[?tls=1|ssl=1], console://,
                       file:///path, or locmem://. Default console:// (the demo).
    DEFAULT_FROM_EMAIL sender of notifications.
    SITE_URL           how people reach the app (https://desk.example.gov.cn), for links in mail.
    SECURE_SSL         1 (default when DEBUG is off) sends HSTS, redirects to
                       HTTPS and marks cookies secure; 0 for a plain-HTTP intranet.
    TRUSTED_PROXIES    comma-separated addresses or networks (127.0.0.1, 10.0.0.0/8) of
                       reverse proxies whose X-Forwarded-For is believed for the client
                       address (rate limits). Default none: REMOTE_ADDR is the client.
    STATIC_ROOT        where collectstatic puts files (default staticfiles/).
    MEDIA_ROOT         uploaded files (default var/media).
    LOG_LEVEL          default INFO.
    TASKS_IMMEDIATE    1 runs background jobs in the request (demo); default 0
                       uses the database queue and `campaigndesk db_worker`.
    CAMPAIGNDESK_TODAY a date (YYYY-MM-DD) the application's clock starts from, for
                       the demo of a past campaign (read by campaigndesk/clock.py).
"""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DEMO_SECRET_KEY = "demo-insecure-key-do-not-use-in-production"  # noqa: S105

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0, true/false, yes/no or on/off, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def email_settings(url: str) -> dict[str, object]:
    """Turn EMAIL_URL into Django's EMAIL_* settings."""
    parts = urlsplit(url)
    backends = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "file": "django.core.mail.backends.filebased.EmailBackend",
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
    }
    if parts.scheme not in backends:
        raise ImproperlyConfigured(
            f"EMAIL_URL must start with one of {', '.join(sorted(backends))}://, not {url!r}."
        )
    result: dict[str, object] = {"EMAIL_BACKEND": backends[parts.scheme]}
    if parts.scheme == "file":
        result["EMAIL_FILE_PATH"] = parts.path or str(BASE_DIR / "var" / "mail")
    if parts.scheme == "smtp":
        query = parse_qs(parts.query)
        result.update(
            EMAIL_HOST=parts.hostname or "localhost",
            EMAIL_PORT=parts.port or 25,
            EMAIL_HOST_USER=unquote(parts.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
            EMAIL_USE_TLS=query.get("tls", ["0"])[0] in _TRUE,
            EMAIL_USE_SSL=query.get("ssl", ["0"])[0] in _TRUE,
            EMAIL_TIMEOUT=10,
        )
    return result


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", DEMO_SECRET_KEY)
if not DEBUG and (SECRET_KEY == DEMO_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "DEBUG is off but SECRET_KEY is the demo key or shorter than 50 characters. "
        "Set SECRET_KEY to a long random value, e.g. "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")

INSTALLED_APPS = [
    "campaigndesk.core",
    "campaigndesk.org",
    "campaigndesk.audit",
    "campaigndesk.campaigns",
    "campaigndesk.ledger",
    "campaigndesk.suggestions",
    "campaigndesk.triage",
    "campaigndesk.api",
    "campaigndesk.portal",
    "campaigndesk.demo",
    "campaigndesk.perf",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "template_partials",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
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
    "campaigndesk.audit.middleware.AuditSourceMiddleware",
]

ROOT_URLCONF = "campaigndesk.urls"
WSGI_APPLICATION = "campaigndesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "campaigndesk" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "campaigndesk.core.context_processors.navigation",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------
_default_sqlite = f"sqlite:///{BASE_DIR / 'var' / 'campaigndesk.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL", _default_sqlite)
try:
    _db = dj_database_url.parse(DATABASE_URL)
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database address: {exc}") from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the
        # busy timeout instead of failing with "database is locked" on upgrade.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;"
        ),
    }
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db.setdefault("OPTIONS", {})
else:
    raise ImproperlyConfigured("DATABASE_URL must name SQLite or PostgreSQL.")
# Kept open on SQLite too: opening one and running the pragmas above (WAL, the cache and
# the memory map) cost more than /healthz itself. Safe with WAL: between requests the
# connection is in autocommit and holds no read transaction, so checkpoints go on; each
# thread has its own; gunicorn forks its workers before any connection is opened (no
# --preload). A server keeps writing to a database file replaced under it for at most
# this long.
_db["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60)
_db["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background work ----------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env_bool("TASKS_IMMEDIATE", False)
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

# --- People and sign-in -------------------------------------------------------
AUTH_USER_MODEL = "org.User"
# Django's model backend, loading each request's person from a per-process cache
# (org/backends.py). Sessions name their backend: people signed in before this
# backend came sign in once more.
AUTHENTICATION_BACKENDS = ["campaigndesk.org.backends.CachedModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing with the production hasher makes every login in the suite cost ~0.3 s.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_AGE = 60 * 60 * 10
SESSION_COOKIE_HTTPONLY = True
# Django's database sessions (one row per session, shared by every app server) with
# the read that each request makes compiled once per process.
SESSION_ENGINE = "campaigndesk.core.sessions"

# --- Languages ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
FORMAT_MODULE_PATH = ["campaigndesk.formats"]
LOCALE_PATHS = [BASE_DIR / "campaigndesk" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Files ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# The project-wide files (style sheet, app.js, vendored htmx and ECharts) live outside any app.
STATICFILES_DIRS = [BASE_DIR / "campaigndesk" / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Mail -------------------------------------------------------------------------
globals().update(email_settings(env_str("EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CampaignDesk <campaigndesk@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SITE_URL = env_str("SITE_URL", "")

# --- Security ----------------------------------------------------------------------
SECURE_SSL = env_bool("SECURE_SSL", not DEBUG)
SECURE_SSL_REDIRECT = SECURE_SSL
SESSION_COOKIE_SECURE = SECURE_SSL
CSRF_COOKIE_SECURE = SECURE_SSL
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if SECURE_SSL else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_SSL
SECURE_HSTS_PRELOAD = SECURE_SSL
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES must list addresses or networks, not {_proxy!r}."
        ) from None
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = (
    [] if SECURE_SSL else ["security.W004", "security.W008", "security.W012", "security.W016"]
)

# Every script, style and image comes from this server: an intranet has no CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Logging -------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"jieba": {"level": "WARNING"}},
}
