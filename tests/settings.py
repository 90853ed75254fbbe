"""Test settings: the real settings, with a fast password hasher first (Argon2 kept second
and checked by one test), immediate tasks and in-memory email."""

from parley.settings import *  # noqa: F403

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                     "QUEUES": ["default"]}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PARLEY_WEBHOOKS_ALLOW_PRIVATE = True
PARLEY_PAGE_VIEW_FLUSH_MS = 0  # synchronous page views; one test drives the batch buffer

