"""Settings for the test suite: the real settings, in debug-key mode, made quick.

DATABASE_URL and REDIS_URL are honoured, so the same suite runs on SQLite or
on PostgreSQL with a real Redis.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from safespace.settings import *  # noqa: E402,F403

# hashing cost is not what these tests measure
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Unit tests run tasks in-process; tests/test_celery.py drives a real worker.
CELERY_TASK_ALWAYS_EAGER = True

# Each test starts with an empty cache, even when Redis is configured.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# A file, not SQLite's shared in-memory database: in-memory shared-cache locking
# ignores the busy timeout, so concurrency tests would fail for the wrong reason.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}  # noqa: F405
