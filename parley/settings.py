"""Parley settings: everything a deployment changes comes from the environment (see docs/configuration.md)."""

import os
from pathlib import Path

from parley.config import (
    database_from_url,
    email_from_url,
    env_bool,
    env_int,
    env_list,
    home_dir,
    secret_key,
)

BASE_DIR = Path(__file__).resolve().parent
HOME = home_dir()
VAR_DIR = HOME / "var"

DEBUG = env_bool("PARLEY_DEBUG", False)
SECRET_KEY = secret_key(VAR_DIR)
ALLOWED_HOSTS = env_list("PARLEY_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("PARLEY_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "parley.accounts",
    "parley.activity",
    "parley.contacts",
    "parley.bots",
    "parley.tracking",
    "parley.conversations",
    "parley.booking",
    "parley.integrations",
    "parley.web",
    "parley.widget",
    "parley.reports",
    "parley.imports",
]

MIDDLEWARE = [
    "parley.api.limits.BodySizeMiddleware",
    "parley.api.widget_cors.WidgetGateMiddleware",
    "parley.api.errors.JsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "parley.accounts.middleware.CurrentAccountMiddleware",
]

ROOT_URLCONF = "parley.urls"
WSGI_APPLICATION = "parley.wsgi.application"
APPEND_SLASH = True

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "parley.accounts.context.current_account",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL"), VAR_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/signin"
LOGIN_REDIRECT_URL = "/"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PARLEY_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Sign-in protection (SPEC 1); every number is configurable.
PARLEY_LOCKOUT_FAILURES = env_int("PARLEY_LOCKOUT_FAILURES", 5)
PARLEY_LOCKOUT_WINDOW_MIN = env_int("PARLEY_LOCKOUT_WINDOW_MIN", 15)
PARLEY_LOCKOUT_MIN = env_int("PARLEY_LOCKOUT_MIN", 15)
PARLEY_SIGNIN_PER_IP_PER_MIN = env_int("PARLEY_SIGNIN_PER_IP_PER_MIN", 20)
PARLEY_INVITATION_DAYS = env_int("PARLEY_INVITATION_DAYS", 7)

# Rate limits (SPEC 8.0): requests per second per API key / visitor token, per minute per IP.
PARLEY_RATE_API_KEY = env_int("PARLEY_RATE_API_KEY", 20)
PARLEY_RATE_VISITOR = env_int("PARLEY_RATE_VISITOR", 20)
PARLEY_RATE_NEW_VISITORS_PER_IP_MIN = env_int("PARLEY_RATE_NEW_VISITORS_PER_IP_MIN", 120)
PARLEY_RATE_BURST = env_int("PARLEY_RATE_BURST", 2)  # bucket size = rate x burst
PARLEY_SERVER_WORKERS = env_int("PARLEY_WORKERS", os.cpu_count() or 1)
PARLEY_WEBHOOKS_ALLOW_PRIVATE = env_bool("PARLEY_WEBHOOKS_ALLOW_PRIVATE", False)
# Reverse proxies in front of Parley that append to X-Forwarded-For (per-IP limits use it).
PARLEY_TRUSTED_PROXIES = env_int("PARLEY_TRUSTED_PROXIES", 0)
PARLEY_PAGE_VIEW_FLUSH_MS = env_int("PARLEY_PAGE_VIEW_FLUSH_MS", 100)
PARLEY_PAGE_VIEW_BATCH = env_int("PARLEY_PAGE_VIEW_BATCH", 500)
PARLEY_BENCH_ENDPOINTS = env_bool("PARLEY_BENCH_ENDPOINTS", False)  # bench/ ceilings
PARLEY_BASE_URL = os.environ.get("PARLEY_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
PARLEY_JSON_BODY_MAX = 1024 * 1024
PARLEY_UPLOAD_BODY_MAX = 50 * 1024 * 1024

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True  # a fresh checkout serves static files before collectstatic ran
WHITENOISE_MAX_AGE = 3600

EMAIL_BACKEND, _email_settings = email_from_url(os.environ.get("EMAIL_URL"), VAR_DIR)
globals().update(_email_settings)
DEFAULT_FROM_EMAIL = os.environ.get("PARLEY_FROM_EMAIL", "Parley <parley@localhost>")

TASKS = {
    "default": {
        "BACKEND": os.environ.get("PARLEY_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
PARLEY_TASK_RESULTS_DAYS = env_int("PARLEY_TASK_RESULTS_DAYS", 7)  # finished rows are pruned

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PARLEY_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
