"""The test suite: fast hasher, in-memory caches, tasks run at once."""

import os
import tempfile

from .base import *  # noqa: F403

SECRET_KEY = "test-only-not-secret-" + "x" * 40  # noqa: S105
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test"},
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"},
    "renditions": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "renditions",
    },
    "flowcharts": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "flowcharts",
    },
}
# Every test sees the words of the index it just wrote.
SEARCH_VOCABULARY_REFRESH_SECONDS = 0
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Folders of this run alone (the process number, as the SQLite database below): the SQLite and
# the PostgreSQL suites run side by side and each removes its own at the end.
_RUN = str(os.getpid())
MEDIA_ROOT = BASE_DIR / ".test-media" / _RUN  # noqa: F405
IMPORT_ROOT = str(BASE_DIR / ".test-imports" / _RUN)  # noqa: F405
CASE_FILES_ROOT = str(BASE_DIR / ".test-case-files" / _RUN)  # noqa: F405
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not Django's shared in-memory database: tests that run requests in threads meet
    # SQLite as production does (WAL, a busy timeout), not "database table is locked".
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"disclosure-test-{os.getpid()}.sqlite3")
    }
