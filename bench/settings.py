"""Settings of every benchmark: production-like (DEBUG=False), but without real secrets.

bench/harness/database.py generates a random BENCH_SECRET_KEY for each run and passes it to
gunicorn, so the workers share it; the database comes from DATABASE_URL (a throw-away database),
never the developer's db.sqlite3. Static files are not served: the benchmark fetches the
HTML only.
"""

import os
import secrets

from disclosure.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50)
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.urls"
# Nothing is collected for the benchmark; without this WhiteNoise warns about a missing folder.
STATIC_ROOT = None
# `python -m bench.pages --page-cache off` measures the pages as rendered on every request.
PAGE_CACHE_ENABLED = os.environ.get("BENCH_PAGE_CACHE", "on") != "off"
# `python -m bench.case_ingest` measures the batch's set-based step path ("set") beside the
# one-by-one path ("item").
CASES_BATCH_STEPS = os.environ.get("BENCH_CASES_BATCH_STEPS", "set")
# `python -m bench.search_engine` times `update_index` of Wagtail's own search with modelsearch's
# PostgreSQL index as shipped ("stock") beside ours (search/admin_backend.py).
if os.environ.get("BENCH_ADMIN_SEARCH") == "stock":
    WAGTAILSEARCH_BACKENDS = {  # noqa: F405
        **WAGTAILSEARCH_BACKENDS,  # noqa: F405
        "default": {"BACKEND": "wagtail.search.backends.database"},
    }
