"""Settings shared by every environment.

Safe by default: DEBUG is off, there is no secret key, and each integration (PostgreSQL, Redis,
Elasticsearch) is switched on only when its environment variable is set.
"""

import datetime
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PROJECT_DIR = BASE_DIR / "disclosure"


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "common",
    "access",
    "home",
    "catalogue",
    "topics",
    "laws",
    "workdays",
    "review",
    "supervision",
    "search",
    "feedback",
    "cases",
    "import_data",
    "manual",
    "api",
    "demo",
    "wagtail.contrib.redirects",
    "wagtail.contrib.search_promotions",
    "wagtail.contrib.settings",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "ninja",  # serves the API docs' assets itself (no CDN)
    "django_tasks",
    "django_tasks_db",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # /api/v3/ only: CORS, body limits, ETag/304 and the cache of anonymous reads.
    "api.middleware.ApiMiddleware",
    # Everywhere else: query strings no page can use are a 400, not a database error.
    "disclosure.middleware.UnusableParametersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Inside the CSRF middleware, which reads the visitor's CSRF cookie and sets one when a
    # cached page's form needs it; the session store is not touched (sessions load lazily).
    "common.pagecache.PublicPageCacheMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "disclosure.middleware.AdminSameOriginFramingMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "access.sessions.StaffSessionMiddleware",
    "disclosure.middleware.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it answers a locked-out sign-in.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "disclosure.urls"
WSGI_APPLICATION = "disclosure.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# SQLite in the project folder unless DATABASE_URL names another database
# (for example postgresql://postgres@127.0.0.1:5432/disclosure).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the public hall read while an editor or an import writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
    )
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The shared cache holds the public-page generation number and cached pages, so every worker
# process sees an invalidation at once. Redis when REDIS_URL is set, otherwise a database table
# (created by `manage.py createcachetable`), which needs nothing installed.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "disclosure",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "disclosure_cache",
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }
# Rendered public pages, per process; keyed by the shared generation number, so they are
# never served after a publish.
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "disclosure-pages",
    "TIMEOUT": 3600,
    "OPTIONS": {"MAX_ENTRIES": 2000},
}
# Generated flowcharts (SVG) by revision: a revision never changes, so per process is enough.
CACHES["flowcharts"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "disclosure-flowcharts",
    "TIMEOUT": 24 * 3600,
    "OPTIONS": {"MAX_ENTRIES": 4000},
}
# Wagtail looks rendition records up here before the database; per process is enough.
CACHES["renditions"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "disclosure-renditions",
    "TIMEOUT": 24 * 3600,
    "OPTIONS": {"MAX_ENTRIES": 2000},
}
PAGE_CACHE_ENABLED = True

# Staff passwords: at least 12 characters, not common, not like the username or email, not only
# digits, and of at least three kinds of characters (access/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "access.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(os.environ.get("PASSWORD_MIN_LENGTH", "12"))},
    },
    {"NAME": "access.passwords.NotContainingUsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "access.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
]

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords, the account, and
# separately the address, are locked out for AXES_COOLOFF_TIME; a successful sign-in resets.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "common.ratelimit.client_ip"
AXES_LOCKOUT_TEMPLATE = "wagtailadmin/login_locked.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

# Staff sessions: the cookie ends with the browser; a session ends after a working day and after
# STAFF_IDLE_MINUTES without activity (access/sessions.py).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
STAFF_SESSION_HOURS = int(os.environ.get("STAFF_SESSION_HOURS", "9"))
STAFF_IDLE_MINUTES = int(os.environ.get("STAFF_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = STAFF_SESSION_HOURS * 3600
LOGIN_URL = "wagtailadmin_login"

# Content-Security-Policy on every page (django-csp): nothing from another host, no inline
# script (the admin excepted: disclosure.middleware.ContentSecurityPolicyMiddleware); inline
# style attributes are allowed (Wagtail's admin sets some).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
        "worker-src": ["'self'", "blob:"],
    },
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# The platform's own catalogue comes first: it completes Wagtail's Simplified Chinese strings.
LOCALE_PATHS = [BASE_DIR / "locale"]

STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "static_collected"
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded spreadsheets (imports): kept apart from MEDIA_ROOT, never served.
IMPORT_ROOT = os.environ.get("DJANGO_IMPORT_ROOT", str(BASE_DIR / "imports"))
# Applicants' materials (cases): kept apart from MEDIA_ROOT, served only to the department's staff.
CASE_FILES_ROOT = os.environ.get("DJANGO_CASE_FILES_ROOT", str(BASE_DIR / "case-files"))
# The largest spreadsheet accepted (the file, and an XLSX once unpacked); the reader streams, so
# memory does not grow with these.
IMPORT_MAX_FILE_MB = int(os.environ.get("IMPORT_MAX_FILE_MB", "100"))
IMPORT_MAX_UNCOMPRESSED_MB = int(os.environ.get("IMPORT_MAX_UNCOMPRESSED_MB", "500"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Tasks run in the request unless a worker backend is configured.
# Background tasks (django-tasks). Wagtail's own small tasks (search index updates of single
# saves) run at once ("default"); long jobs, like a large spreadsheet import, go to the
# database-backed queue "background", worked by `manage.py db_worker --backend background`
# (started by `make run`).
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "background": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "noreply@localhost")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# Wagtail
WAGTAIL_SITE_NAME = "行政权力网上公开透明运行平台"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAIL_ALLOW_UNICODE_SLUGS = True
WAGTAIL_DATE_FORMAT = "%Y-%m-%d"
WAGTAIL_DATETIME_FORMAT = "%Y-%m-%d %H:%M"
# Every time shown in Beijing time: the account settings offer no other time zone (with one,
# Wagtail leaves the choice out rather than list 600 zones by their English names).
WAGTAIL_USER_TIME_ZONES = ["Asia/Shanghai"]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文")]
WAGTAIL_CONTENT_LANGUAGES = [("zh-hans", "简体中文")]
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "pdf", "xlsx", "zip"]
WAGTAILSEARCH_BACKENDS = {
    # Wagtail's own search (the admin's page and snippet search): modelsearch's database
    # backend, its PostgreSQL index made faster (search/admin_backend.py).
    "default": {"BACKEND": "search.admin_backend"},
    # The hall's Chinese search index (search/backends.py), kept in step by Wagtail.
    "hall": {"BACKEND": "search.backends"},
}
# Elasticsearch, when configured, answers the hall's search (search/es_hall.py, falling back to
# the database index when it cannot) and replaces the database backend for Wagtail's own search,
# each with an index analysed for Chinese (search/es_settings.py); see the README.
# How stale the words the search knows (search/vocabulary.py: typo corrections, unknown words)
# may be after the index changes, in seconds: rebuilding them costs about a second per 50,000
# powers, so a busy catalogue rebuilds at most this often per process.
SEARCH_VOCABULARY_REFRESH_SECONDS = 60
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
ELASTICSEARCH_ANALYZER = os.environ.get("ELASTICSEARCH_ANALYZER", "cjk")
ELASTICSEARCH_INDEX_PREFIX = os.environ.get("ELASTICSEARCH_INDEX_PREFIX", "disclosure_")
ELASTICSEARCH_TIMEOUT = float(os.environ.get("ELASTICSEARCH_TIMEOUT", "5"))
if ELASTICSEARCH_URL:
    from search.es_settings import backend_settings

    WAGTAILSEARCH_BACKENDS["default"] = backend_settings(
        ELASTICSEARCH_URL, ELASTICSEARCH_ANALYZER, prefix=ELASTICSEARCH_INDEX_PREFIX
    )
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No avatars from an outside service: nothing leaves a government intranet (and no hash of an
# official's email address goes out); Wagtail shows its default avatar instead.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# The JSON API (/api/v3/, api/): origins allowed to call it from a browser (comma-separated, e.g.
# https://www.example.gov.cn,https://m.example.gov.cn), how long shared caches may keep a read,
# the largest request body, and the largest page of Wagtail's pages endpoint.
API_CORS_ALLOWED_ORIGINS = [
    o.strip() for o in os.environ.get("API_CORS_ALLOWED_ORIGINS", "").split(",") if o.strip()
]
API_CACHE_MAX_AGE = int(os.environ.get("API_CACHE_MAX_AGE", "60"))
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(64 * 1024)))
WAGTAILAPI_LIMIT_MAX = 100
# Searching goes through /api/v3/search/ (the hall's Chinese search); Wagtail's pages endpoint
# would use the admin's backend, which neither segments Chinese nor escapes SQLite FTS syntax.
WAGTAILAPI_SEARCH_ENABLED = False

# Approving in the legal office's workflow publishes the revision that was reviewed.
WAGTAIL_FINISH_WORKFLOW_ACTION = "review.workflows.publish_reviewed_revision"

# The legal office's deadlines, in working days (区办公室行政权力公开实施意见 三（三）).
REVIEW_DEADLINE_WORKING_DAYS = int(os.environ.get("REVIEW_DEADLINE_WORKING_DAYS", "10"))
ADJUSTMENT_DEADLINE_WORKING_DAYS = int(os.environ.get("ADJUSTMENT_DEADLINE_WORKING_DAYS", "20"))
# An open item turns yellow this many working days before it is due, red once overdue.
YELLOW_CARD_WORKING_DAYS = int(os.environ.get("YELLOW_CARD_WORKING_DAYS", "3"))
WAGTAILADMIN_NOTIFICATION_FROM_EMAIL = DEFAULT_FROM_EMAIL

# Citizens' feedback (feedback/): reply deadlines in working days, and abuse limits.
FEEDBACK_REPLY_DAYS_BAD_REVIEW = int(os.environ.get("FEEDBACK_REPLY_DAYS_BAD_REVIEW", "5"))
FEEDBACK_REPLY_DAYS_COMPLAINT = int(os.environ.get("FEEDBACK_REPLY_DAYS_COMPLAINT", "15"))
FEEDBACK_REPLY_DAYS_INQUIRY = int(os.environ.get("FEEDBACK_REPLY_DAYS_INQUIRY", "5"))
FEEDBACK_RATE_LIMITS = {
    # Per address (a government office or a school answers from one address behind NAT: the
    # daily limit is generous) and per browser (its CSRF cookie).
    "ip_per_minute": int(os.environ.get("FEEDBACK_IP_PER_MINUTE", "10")),
    "ip_per_day": int(os.environ.get("FEEDBACK_IP_PER_DAY", "300")),
    "client_per_minute": int(os.environ.get("FEEDBACK_CLIENT_PER_MINUTE", "5")),
    "client_per_day": int(os.environ.get("FEEDBACK_CLIENT_PER_DAY", "30")),
    # Ratings of one power or department in a day: per address, and per browser.
    "ratings_per_target_ip_day": int(os.environ.get("FEEDBACK_RATINGS_PER_TARGET_IP_DAY", "5")),
    "ratings_per_target_client_day": int(
        os.environ.get("FEEDBACK_RATINGS_PER_TARGET_CLIENT_DAY", "1")
    ),
    "phone_per_day": int(os.environ.get("FEEDBACK_PHONE_PER_DAY", "5")),
    "lookups_per_minute": int(os.environ.get("FEEDBACK_LOOKUPS_PER_MINUTE", "20")),
    # Wrong verifiers for one tracking number in a day, from one address, before that address
    # gets no answer for it that day; and from all addresses together (a distributed guess).
    "failed_lookups_per_number_and_source": int(
        os.environ.get("FEEDBACK_FAILED_LOOKUPS_PER_NUMBER_AND_SOURCE", "10")
    ),
    "failed_lookups_per_number": int(os.environ.get("FEEDBACK_FAILED_LOOKUPS_PER_NUMBER", "100")),
}
# A burst: this many bad ratings of one power or department within the minutes, from at most
# this many sources, is held for the legal office instead of counting (feedback.services).
FEEDBACK_BURST = {
    "minutes": int(os.environ.get("FEEDBACK_BURST_MINUTES", "60")),
    "bad_ratings": int(os.environ.get("FEEDBACK_BURST_BAD_RATINGS", "5")),
    "max_sources": int(os.environ.get("FEEDBACK_BURST_MAX_SOURCES", "2")),
}
# Where rate limits count: "auto" (Redis when REDIS_URL is set, else the database), "cache" or
# "database" (common.ratelimit).
RATE_LIMIT_STORE = os.environ.get("RATE_LIMIT_STORE", "auto")
# Addresses of the site's own reverse proxies, whose X-Forwarded-For names the visitor.
FEEDBACK_TRUSTED_PROXIES = [
    a.strip() for a in os.environ.get("TRUSTED_PROXIES", "").split(",") if a.strip()
]
WAGTAILADMIN_NOTIFICATION_INCLUDE_SUPERUSERS = False

# Backups (backup/, with django-dbbackup): `manage.py backup` writes one set of files — the
# database, MEDIA_ROOT, CASE_FILES_ROOT, IMPORT_ROOT and a manifest — into BACKUP_ROOT, and keeps
# the newest BACKUP_KEEP complete sets; `manage.py restore` puts a set back (deploy/README.md,
# 备份). Sets hold applicants' personal data: the folder and its files are the service user's
# only, and with DJANGO_BACKUP_GPG_RECIPIENT every file is encrypted for that GPG key.
INSTALLED_APPS += ["dbbackup", "backup"]
BACKUP_ROOT = Path(os.environ.get("DJANGO_BACKUP_ROOT", BASE_DIR / "backups"))
BACKUP_KEEP = int(os.environ.get("DJANGO_BACKUP_KEEP", "14"))
STORAGES["dbbackup"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {
        "location": str(BACKUP_ROOT),
        "file_permissions_mode": 0o600,
        "directory_permissions_mode": 0o700,
    },
}
DBBACKUP_DATE_FORMAT = "%Y-%m-%d-%H%M%S"
DBBACKUP_CLEANUP_KEEP = DBBACKUP_CLEANUP_KEEP_MEDIA = BACKUP_KEEP
# SQLite: django-dbbackup's online backup, restored through the same API (backup/connectors.py).
DBBACKUP_CONNECTOR_MAPPING = {
    "django.db.backends.sqlite3": "backup.connectors.SqliteOnlineConnector"
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # pg_dump's custom format, restored by pg_restore --clean in one transaction; objects owned
    # by whoever restores, so a set also restores on a server whose role has another name.
    DBBACKUP_CONNECTORS = {"default": {"PG_OPTIONS": "--no-owner --no-privileges"}}
# The public key (fingerprint or e-mail) in the service user's GPG keyring; empty: not encrypted.
DBBACKUP_GPG_RECIPIENT = os.environ.get("DJANGO_BACKUP_GPG_RECIPIENT", "") or None
DBBACKUP_GPG_ALWAYS_TRUST = True
# Failures are reported by the command's exit status (journald, systemctl list-units --failed).
DBBACKUP_SEND_EMAIL = False
