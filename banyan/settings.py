"""One settings module, driven by the environment.

DATABASE_URL   sqlite:///… or postgres://…  (default: SQLite under ./var/)
BANYAN_TODAY   YYYY-MM-DD — the whole app believes this is today (demos, training, tests)
SECRET_KEY     set it in production (deploy/banyan.env); unset, the installation's own random key is made
               on first start and kept in $BANYAN_VAR_DIR/secret_key (banyan/secret_key.py). A published key
               (the old development key, CHANGE-ME) fails `banyan check --deploy` (ops.E001), and
               `banyan serve` refuses it for any database but the demo bank
BANYAN_DEBUG   1 for development error pages
ALLOWED_HOSTS  comma-separated

Background work (Celery on Redis; banyan/celery.py):
CELERY_BROKER_URL  redis://host:6379/0 — the broker (REDIS_URL is read when it is unset); with
                   neither, tasks run in-process and no worker or beat is needed
BANYAN_NIGHTLY_AT  HH:MM in Asia/Shanghai (default 02:30): beat runs segments + the starting working day's worklists
BANYAN_QUIET_HOURS  HH:MM-HH:MM local (default 21:00-08:00; empty: none): no SMS or WeChat goes out then;
    the outbox holds them until the quiet hours end (WL-6)
BANYAN_OUTBOX_EVERY  seconds between outbox sends (default 60); BANYAN_OUTBOX_BATCH messages each (500)
BANYAN_FEED_TIME_LIMIT  seconds a feed import may run (default 14400); BANYAN_NIGHTLY_TIME_LIMIT (7200)
BANYAN_BUILD_GROUP_CUSTOMERS  0 or unset (default): the nightly segments and lists are one bank-wide recompute
    and build; N > 0: in groups of branches of about N customers, one task each that any worker takes
BANYAN_FEED_STALE_MINUTES  a running feed without progress this long shows "可能已中断" (default 15)
BANYAN_FEED_PARTS  1 or unset (default): one task imports a feed file; N > 1: a customers, new cards,
    holdings or transactions file of at least BANYAN_FEED_PART_ROWS rows (default 100000) is cut by key into
    N parts, one task each that any worker takes (as many as the batch processes)
BANYAN_FEED_WRITE_BEHIND  1 (default): on PostgreSQL a feed judges a chunk while the last one is written;
    0: one chunk after the other
BANYAN_VAR_DIR     must be the same shared directory for the web servers and the feed workers

BANYAN_CACHE_URL  redis://host:6379/1 — the cache every server process shares (REDIS_URL is read
                  when it is unset); with neither, each process has its own and nothing shared is cached
BANYAN_PREVIEW_CACHE_SECONDS  how long a manager's coming week (查看未来安排) is kept at most (default
                  64800 with a shared cache, else 0); a save that changes it renews it at once (worklists/preview.py)

Operations (docs/deployment.md, deploy/banyan.env.example lists them all):
BANYAN_TRUSTED_PROXIES  addresses of the reverse proxies whose X-Forwarded-For is believed (banyan/ops/proxy.py)
BANYAN_BACKUP_DIR, BANYAN_BACKUP_KEEP, BANYAN_PG_BINDIR  `banyan backup` / `banyan restore` (banyan/ops/backup.py)
"""

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from banyan.secret_key import installation_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BANYAN_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = os.environ.get("BANYAN_DEBUG", "") == "1"
SECRET_KEY = os.environ.get("SECRET_KEY") or installation_key(VAR_DIR)
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
    "banyan.wealth",
    "banyan.service",
    "banyan.events",
    "banyan.kpis",
    "banyan.staffing",
    "banyan.gifts",
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


def parallel_workers_options(options: dict, workers: str) -> dict:
    """The PostgreSQL connection's OPTIONS with `workers` as its sessions' parallel workers per
    query (libpq's `options`), or unchanged when `workers` is empty (the server's setting).

    Parallel query starts worker processes for one query. For the web's many short requests at once
    that costs a small server more than it saves: at 1M customers on 2 cores, a branch review's query
    held both cores for its ~100 ms, and 200 managers waited p95 170-220 ms without it against 270 ms
    with it in between (issue 15 §5, benchmarks/README, session 16). `banyan serve` and
    deploy/gunicorn.conf.py set BANYAN_DB_PARALLEL_WORKERS=0 for the web; the nightly work, the
    feeds and the reports keep the server's setting."""
    if not workers.strip():
        return options
    setting = f"-c max_parallel_workers_per_gather={int(workers)}"
    return {**options, "options": f"{options.get('options', '')} {setting}".strip()}


if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = parallel_workers_options(
        DATABASES["default"].get("OPTIONS", {}), os.environ.get("BANYAN_DB_PARALLEL_WORKERS", ""))


def replica_database(url: str) -> dict:
    """DATABASES' `review` entry: a streaming replica of the primary that the review reads
    (banyan/replica.py). In the tests it mirrors the default database: the test database the
    primary creates is replayed there under the same name."""
    entry = dj_database_url.parse(url, conn_max_age=60)
    entry["OPTIONS"] = parallel_workers_options(entry.get("OPTIONS", {}),
                                                os.environ.get("BANYAN_DB_PARALLEL_WORKERS", ""))
    # a replica that does not answer is given up quickly: the review then reads the primary
    entry["OPTIONS"].setdefault("connect_timeout", 3)
    entry["TEST"] = {"MIRROR": "default"}
    return entry


if os.environ.get("BANYAN_REVIEW_DATABASE_URL"):
    DATABASES["review"] = replica_database(os.environ["BANYAN_REVIEW_DATABASE_URL"])
    # only with a replica: a router makes Django consult it on every foreign key set, and the
    # feeds' quick instances (banyan/instances.py) take the descriptor's way then
    DATABASE_ROUTERS = ["banyan.replica.Router"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2id at OWASP's parameters (banyan/org/hashers.py); PBKDF2 hashes still verify and are
# upgraded at the next login.
PASSWORD_HASHERS = [
    "banyan.org.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# A policy a bank's IT accepts: 10+ characters of at least two kinds, not like the login's name,
# not one of the 20,000 most common passwords. (The demo's published banyan2026 passes too.)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "banyan.org.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 2}},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("username", "full_name", "email")}},
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
# Working days a colleague has to accept or decline a referral or hand-off before it goes back (SVC-2).
BANYAN_REFERRAL_ANSWER_DAYS = int(os.environ.get("BANYAN_REFERRAL_ANSWER_DAYS", 2))


def _days(name: str, default: int, *, most: int) -> int:
    text = os.environ.get(name, "").strip()
    try:
        days = int(text) if text else default
    except ValueError:
        days = -1
    if not 0 <= days <= most:
        raise ImproperlyConfigured(f"{name} must be a whole number of days from 0 to {most}, not {text!r}")
    return days


# Days after a client event within which each guest is followed up (EVT-3/4, the event_follow_up
# task): the default of a new event's plan, which its organiser may change per event.
BANYAN_EVENT_FOLLOW_UP_DAYS = _days("BANYAN_EVENT_FOLLOW_UP_DAYS", 3, most=30)
# The bank's deadline for the first real contact with a new customer (days after the account was
# opened): the review counts the first contacts made within it.
BANYAN_FIRST_CONTACT_DAYS = _days("BANYAN_FIRST_CONTACT_DAYS", 7, most=90)


def _yuan(name: str, default: str) -> Decimal:
    text = os.environ.get(name, "").strip() or default
    try:
        amount = Decimal(text)
    except ArithmeticError:
        amount = Decimal(-1)
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ImproperlyConfigured(f"{name} must be an amount in yuan, e.g. 500 or 500.00, not {text!r}")
    return amount


# Anti-bribery (issue 16 §6): the value of gifts one customer may receive in any rolling twelve
# months (yuan). A gift that takes a customer above it waits for the branch head's approval.
BANYAN_GIFT_LIMIT_PER_CUSTOMER = _yuan("BANYAN_GIFT_LIMIT_PER_CUSTOMER", "500")

# The bank's name as customers know it, for scripts and messages ("您好，我是榕树银行的理财经理…").
BANYAN_BANK_NAME = os.environ.get("BANYAN_BANK_NAME", "榕树银行")

# The address staff open Banyan at (https://crm.bank.example), for the links in the emails it sends
# to staff (the monthly review reports); empty: the first CSRF trusted origin, else `make run`'s.
BANYAN_SITE_URL = (os.environ.get("BANYAN_SITE_URL") or (CSRF_TRUSTED_ORIGINS[0] if CSRF_TRUSTED_ORIGINS else "")
                   or "http://127.0.0.1:8000").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BANYAN_LOG_LEVEL", "WARNING")},
}

# --- The shared cache (Redis) ---------------------------------------------------------------------
# Only what every server process may share: 今日工作's coming-week preview (worklists/preview.py).
# Without Redis each process keeps its own small cache and nothing shared is cached.
BANYAN_CACHE_URL = os.environ.get("BANYAN_CACHE_URL") or os.environ.get("REDIS_URL", "")
if BANYAN_CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": BANYAN_CACHE_URL,
                          "KEY_PREFIX": "banyan", "TIMEOUT": 600}}
# 18 hours: the nightly job's plans (02:30) last the working day; a save renews them at once.
BANYAN_PREVIEW_CACHE_SECONDS = int(os.environ.get("BANYAN_PREVIEW_CACHE_SECONDS") or (64800 if BANYAN_CACHE_URL else 0))

# --- Background work: Celery on Redis (banyan/celery.py; env vars in the docstring above) -------
# No broker: every task runs in-process when it is called (`.delay()` included), so a branch on
# SQLite needs no server and the tests run the same task functions. Progress and outcomes live in
# the database (FeedRun rows, messages, worklists), so no result backend is configured.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Long work (feeds, the nightly build) on its own queue, so a big feed never holds up the outbox:
# `celery -A banyan worker -Q banyan,banyan-batch` serves both; split them over machines at will.
CELERY_TASK_DEFAULT_QUEUE = "banyan"
CELERY_TASK_ROUTES = {"banyan.feeds.import_file": {"queue": "banyan-batch"},
                      "banyan.nightly": {"queue": "banyan-batch"},
                      "banyan.feeds.import_part": {"queue": "banyan-batch"},
                      "banyan.worklists.build_day": {"queue": "banyan-batch"},
                      "banyan.worklists.build_group": {"queue": "banyan-batch"},
                      "banyan.worklists.segment_group": {"queue": "banyan-batch"},
                      "banyan.wealth.diagnosis_batch": {"queue": "banyan-batch"}}
# Without a broker, a batch of diagnosis PDFs runs in a thread of the web process (the page polls
# its progress); 0 runs it inside the request, as a feed does (banyan/wealth/tasks.py).
BANYAN_BATCH_THREAD = os.environ.get("BANYAN_BATCH_THREAD", "1") == "1"
# A task is acknowledged when it has finished, and a worker takes one task at a time: a worker
# that dies mid-feed leaves the message to another (imports are idempotent, the run is claimed once).
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = 100  # a child that read a million-row file gives its memory back
CELERY_TASK_SOFT_TIME_LIMIT = 10 * 60  # short tasks (the outbox); feeds and the nightly set their own
CELERY_TASK_TIME_LIMIT = 11 * 60
BANYAN_FEED_TIME_LIMIT = int(os.environ.get("BANYAN_FEED_TIME_LIMIT", 4 * 3600))
BANYAN_NIGHTLY_TIME_LIMIT = int(os.environ.get("BANYAN_NIGHTLY_TIME_LIMIT", 2 * 3600))
# The nightly segments and lists in groups of branches of about this many customers, one task each
# (issue 15 §2); 0 or unset: one bank-wide recompute and build (on one worker the groups cost more)
BANYAN_BUILD_GROUP_CUSTOMERS = int(os.environ.get("BANYAN_BUILD_GROUP_CUSTOMERS") or 0)
BANYAN_FEED_STALE_MINUTES = int(os.environ.get("BANYAN_FEED_STALE_MINUTES", 15))
# A large feed file cut by key into this many parts, imported side by side by the batch workers
# (issue 15 §2, banyan/feeds/parts.py); 1: one task reads the whole file, as on a single worker.
BANYAN_FEED_PARTS = max(1, int(os.environ.get("BANYAN_FEED_PARTS") or 1))
BANYAN_FEED_PART_ROWS = int(os.environ.get("BANYAN_FEED_PART_ROWS") or 100_000)
# On PostgreSQL a feed judges its next chunk while a thread of its own writes the last one (issue 15
# §1, banyan/feeds/bulk.py); 0: one chunk after the other (judged and written in one transaction).
BANYAN_FEED_WRITE_BEHIND = os.environ.get("BANYAN_FEED_WRITE_BEHIND", "1") != "0"
BANYAN_OUTBOX_BATCH = int(os.environ.get("BANYAN_OUTBOX_BATCH", 500))


def _quiet_hours(text: str) -> tuple[dt.time, dt.time] | None:
    if not text.strip():
        return None
    try:
        start, end = (dt.time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        raise ImproperlyConfigured(
            f"BANYAN_QUIET_HOURS must read HH:MM-HH:MM, e.g. 21:00-08:00, not {text!r}") from None
    return start, end


BANYAN_QUIET_HOURS = _quiet_hours(os.environ.get("BANYAN_QUIET_HOURS", "21:00-08:00"))
# Redis hands an unacknowledged task to another worker after this long: longer than any task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": max(BANYAN_FEED_TIME_LIMIT, BANYAN_NIGHTLY_TIME_LIMIT) + 600}
from celery.schedules import crontab  # noqa: E402 - only the beat schedule needs it

_nightly_hour, _nightly_minute = (int(p) for p in os.environ.get("BANYAN_NIGHTLY_AT", "02:30").split(":"))
_outbox_every = float(os.environ.get("BANYAN_OUTBOX_EVERY", 60))
_reports_at = os.environ.get("BANYAN_REPORTS_AT", "07:00").split(":")
CELERY_BEAT_SCHEDULE = {
    "nightly-segments-and-worklists": {"task": "banyan.nightly",
                                       "schedule": crontab(hour=_nightly_hour, minute=_nightly_minute)},
    # OUT-7: the cultivation content plans that are due, after the quiet hours (banyan/outreach/tasks.py)
    "content-plans": {"task": "banyan.content.run_plans",
                      "schedule": crontab(hour=int(os.environ.get("BANYAN_CONTENT_AT", "09:30").split(":")[0]),
                                          minute=int(os.environ.get("BANYAN_CONTENT_AT", "09:30").split(":")[1]))},
    # Issue 14 §5: from the first working day of a month, the past month's review reports of the
    # branches, built and emailed once (banyan/kpis/tasks.py); after the nightly's month-end snapshot
    "monthly-review-reports": {"task": "banyan.kpis.monthly_reports",
                               "schedule": crontab(hour=int(_reports_at[0]), minute=int(_reports_at[1]))},
    "send-the-outbox": {"task": "banyan.messages.send_outbox", "schedule": _outbox_every,
                        "kwargs": {"limit": BANYAN_OUTBOX_BATCH},
                        "options": {"expires": _outbox_every}},  # no pile-up while the workers are down
}
