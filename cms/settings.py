"""Settings for the library CMS.

Every value that differs between a laptop, CI and production is read from the
environment here, and only here (12-factor). The defaults give the embedded
quick start: SQLite, database search, tasks run in-process.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    """Read a comma-separated environment variable into a list."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

# The fallback key is only for a laptop; `check --deploy` flags it (its
# "django-insecure-" prefix), so production must set SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-local-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "cms",
    "home",
    "news",
    "yearbook",
    "search",
    "wechat",
    "legacy",
    "wagtail.api.v2",
    "wagtail.api.v3",
    "wagtail.contrib.settings",
    "wagtail.contrib.redirects",
    "wagtail.contrib.table_block",
    "wagtail.embeds",
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
    "django_tasks",
    "ninja",
    "rest_framework",
    "corsheaders",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Compresses API answers only: admin pages carry CSRF tokens (BREACH).
    "cms.api.http.ApiGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, so that everything above runs on stored answers too: rate limit, server-side
    # cache, ETag / Last-Modified and Cache-Control under /api/ (cms/api/http.py).
    "cms.api.http.ApiHttpMiddleware",
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cms" / "templates"],
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

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Language and time: the editors and readers are in China.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
TIME_ZONE = "Asia/Shanghai"
WAGTAIL_USER_TIME_ZONES = ["Asia/Shanghai"]
USE_I18N = True
USE_TZ = True
# Wagtail's own catalogue lacks some admin strings in zh-hans; cms/locale
# supplies them and takes precedence over the installed apps' catalogues.
LOCALE_PATHS = [BASE_DIR / "cms" / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Cache: Redis when configured (shared by web and workers), memory otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Wagtail ---------------------------------------------------------------
WAGTAIL_SITE_NAME = os.environ.get("WAGTAIL_SITE_NAME", "图书馆内容管理")
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://localhost:8000")
# The admin lives under a configurable path (production may hide it).
WAGTAILADMIN_PATH = os.environ.get("WAGTAILADMIN_PATH", "admin/").strip("/") + "/"
WAGTAIL_I18N_ENABLED = False
# Chinese titles make Unicode slugs; news pages get date-based slugs instead
# (see cms/slugs.py and the README).
WAGTAIL_ALLOW_UNICODE_SLUGS = True
# Wagtail's own search (admin, choosers): its database backend with Chinese analysis.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "search.admin_search"}}

# --- Reader search (search/) ------------------------------------------------
# The embedded database engine by default; Elasticsearch when ELASTICSEARCH_URL is set.
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
# Name of the alias readers query; each rebuild makes a new index behind it.
ELASTICSEARCH_INDEX = os.environ.get("ELASTICSEARCH_INDEX", "library-pages")
# "1" where the cluster has the IK analysis plugin: adds an ik_smart sub-field.
ELASTICSEARCH_IK = os.environ.get("ELASTICSEARCH_IK", "") == "1"
SEARCH_ENGINE = os.environ.get(
    "SEARCH_ENGINE",
    "search.engines.elasticsearch.ElasticsearchEngine"
    if ELASTICSEARCH_URL
    else "search.engines.database.DatabaseEngine",
)
WAGTAILDOCS_EXTENSIONS = ["csv", "doc", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xls", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILADMIN_USER_LOGIN_FORM = "cms.forms.LoginForm"
WAGTAIL_MODERATION_ENABLED = True
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAILEMBEDS_RESPONSIVE_HTML = True

# --- WeChat Official Account (wechat/) -----------------------------------------
# Unset app id or secret: the WeChat channel is off. These serve single-site installs;
# per-site values live in the admin.
WECHAT_APP_ID = os.environ.get("WECHAT_APP_ID", "")
WECHAT_APP_SECRET = os.environ.get("WECHAT_APP_SECRET", "")
# The callback's signature token and EncodingAESKey (43 characters), as set in WeChat's admin.
WECHAT_TOKEN = os.environ.get("WECHAT_TOKEN", "")
WECHAT_AES_KEY = os.environ.get("WECHAT_AES_KEY", "")
# How WeChat sends callback messages: "plain", "compatible" or "safe" (encrypted).
WECHAT_MESSAGE_MODE = os.environ.get("WECHAT_MESSAGE_MODE", "safe")
# WeChat's API host; tests point it at their simulator.
WECHAT_API_BASE = os.environ.get("WECHAT_API_BASE", "https://api.weixin.qq.com")

# --- API ------------------------------------------------------------------
# The public site is another origin; it may read the API from these origins.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"
# Wagtail's v2 API renders rich text as ready HTML, as our own v3 routers do.
WAGTAILAPI_RICH_TEXT_FORMAT = "html"
WAGTAILAPI_LIMIT_MAX = 100
# django-cors-headers' default request headers, and the conditional ones a front end
# sends itself to revalidate what it keeps.
CORS_ALLOW_HEADERS = [
    "accept",
    "authorization",
    "content-type",
    "user-agent",
    "x-csrftoken",
    "x-requested-with",
    "if-none-match",
    "if-modified-since",
]
# A front end on another origin may read these headers of an answer too.
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After"]
# Seconds a reader's browser or a CDN may keep a public API response.
API_CACHE_MAX_AGE = int(os.environ.get("API_CACHE_MAX_AGE", "60"))
# Seconds the server keeps an anonymous API response in CACHES. Content changes make
# stored responses stale at once; this bounds only what no signal reports (a page's
# expiry time or a notice's dates passing). 0: no server-side cache. Several processes
# (gunicorn workers, Celery) need the shared cache, REDIS_URL, for it to be right.
API_RESPONSE_CACHE_TIMEOUT = int(os.environ.get("API_RESPONSE_CACHE_TIMEOUT", "300"))
# Namespace of the API's keys in CACHES (responses, content version, request counts),
# for installations that share one Redis database.
API_CACHE_KEY_PREFIX = os.environ.get("API_CACHE_KEY_PREFIX", "api")
# Anonymous requests allowed per client address per minute (0: no limit).
API_RATE_LIMIT_PER_MINUTE = int(os.environ.get("API_RATE_LIMIT_PER_MINUTE", "600"))
# Reverse proxies in front of the app that add the client's address to X-Forwarded-For.
# 0: none, the client is REMOTE_ADDR (X-Forwarded-For is then the client's own claim).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# Where an editor's Preview shows the draft: the front end's preview page.
HEADLESS_PREVIEW_URL = os.environ.get("HEADLESS_PREVIEW_URL", "")
# How long a preview link works.
HEADLESS_PREVIEW_TOKEN_MAX_AGE = int(os.environ.get("HEADLESS_PREVIEW_TOKEN_MAX_AGE", "1800"))

# --- Tasks: Celery, and Wagtail's django-tasks on the same workers ------------
# Unset broker: Celery runs tasks eagerly in-process (quick start, tests).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or CELERY_BROKER_URL or None
CELERY_RESULT_EXTENDED = True
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged only when it finished, so a killed worker's task runs
# again; tasks are written to be idempotent for that reason.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Enqueueing must not hang a web request when the broker is down.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
# Whether /readyz answers 503 when the broker is down. Off: only "degraded" (200), since
# publishing still succeeds and the outbox sweep catches up once the broker is back.
HEALTH_BROKER_REQUIRED = env_bool("HEALTH_BROKER_REQUIRED", default=False)
CELERY_BEAT_SCHEDULE = {
    "publish-scheduled-pages": {
        "task": "cms.tasks.publish_scheduled_pages",
        "schedule": timedelta(minutes=1),
    },
    "sweep-search-index-outbox": {
        "task": "search.tasks.sweep_index_outbox",
        "schedule": timedelta(minutes=1),
    },
    "purge-old-page-revisions": {
        "task": "cms.tasks.purge_old_page_revisions",
        "schedule": crontab(hour=3, minute=17),
    },
    "sweep-wechat-outbox": {
        "task": "wechat.tasks.sweep_wechat_outbox",
        "schedule": timedelta(minutes=1),
    },
    # The PUBLISHJOBFINISH event is the main path; polling spends a little of freepublish/get's 100 a day.
    "poll-wechat-publish-status": {
        "task": "wechat.tasks.poll_wechat_publish_status",
        "schedule": timedelta(minutes=15),
    },
}

TASKS = {
    "default": {
        "BACKEND": "cms.task_backend.CeleryTaskBackend",
        "QUEUES": [],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One line per background task is noise when tasks run in-process.
        "django_tasks": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
    },
}

# --- Production hardening ----------------------------------------------------
# HTTPS=1 behind a TLS-terminating proxy turns on the transport protections that
# `manage.py check --deploy` asks for; a laptop on plain http leaves it off.
HTTPS = env_bool("HTTPS", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS
# Load balancers probe instances over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Wagtail lets its own preview views be framed by the admin (same origin).
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = 60 * 60 * 12
