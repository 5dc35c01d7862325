"""One settings module, driven by the environment.

DATABASE_URL   sqlite:///… or postgres://…  (default: SQLite under ./var/)
BANYAN_TODAY   YYYY-MM-DD — the whole app believes this is today (demos, training, tests)
SECRET_KEY     required in production (BANYAN_DEBUG unset); a dev key otherwise
BANYAN_DEBUG   1 for development error pages
ALLOWED_HOSTS  comma-separated
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BANYAN_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = os.environ.get("BANYAN_DEBUG", "") == "1"
SECRET_KEY = os.environ.get("SECRET_KEY", "banyan-dev-only-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "banyan.org",
    "banyan.audit",
    "banyan.customers",
    "banyan.holdings",
    "banyan.contacts",
    "banyan.segments",
    "banyan.worklists",
    "banyan.messaging",
    "banyan.outreach",
    "banyan.feeds",
    "banyan.ops",
    "banyan.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "banyan.web.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "banyan.web.middleware.SecureHeadersMiddleware",
]

ROOT_URLCONF = "banyan.urls"
WSGI_APPLICATION = "banyan.wsgi.application"
AUTH_USER_MODEL = "org.Staff"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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
                "banyan.web.context.banyan_context",
            ],
        },
    }
]

_default_db = f"sqlite:///{VAR_DIR / 'banyan.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_db), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while a feed writes; IMMEDIATE avoids "database is locked"
        # upgrades from read to write transactions under gunicorn threads.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
        "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;",
        "transaction_mode": "IMMEDIATE",
    }
    # Tests on a file, not in memory: the live server's thread and the test's then share one
    # database through SQLite's normal locking (WAL, busy timeout) instead of shared-cache table
    # locks that fail at once. pytest-xdist gives each worker its own file.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-banyan.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "banyan" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise looks here first; `banyan serve` fills it
WHITENOISE_USE_FINDERS = True  # serves straight from static/ when collectstatic has not run

# Confidentiality: short sessions that end with the browser, and strict cookies and headers.
SESSION_COOKIE_AGE = int(os.environ.get("BANYAN_SESSION_SECONDS", 30 * 60))
SESSION_SAVE_EVERY_REQUEST = True  # idle timeout, not absolute
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if os.environ.get("BANYAN_HTTPS", "") == "1":
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Login throttling (banyan.org.throttle): this many failures per username or address in the window lock it.
BANYAN_LOGIN_MAX_FAILURES = int(os.environ.get("BANYAN_LOGIN_MAX_FAILURES", 5))
BANYAN_LOGIN_WINDOW_SECONDS = int(os.environ.get("BANYAN_LOGIN_WINDOW_SECONDS", 15 * 60))
BANYAN_API_TOKEN_DAYS = int(os.environ.get("BANYAN_API_TOKEN_DAYS", 30))

# The bank's name as customers know it, for scripts and messages ("您好，我是榕树银行的理财经理…").
BANYAN_BANK_NAME = os.environ.get("BANYAN_BANK_NAME", "榕树银行")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BANYAN_LOG_LEVEL", "WARNING")},
}
