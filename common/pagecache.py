"""Whole-page cache for the public hall, invalidated on every publish.

Anonymous GET requests for public pages are answered from a per-process cache keyed by a
*generation* number kept in the shared cache (Redis or the database). Publishing, unpublishing,
moving or deleting a page, or changing a law, bumps the generation, so every worker stops serving
the old pages at once: nobody sees a stale page after an approval.
"""

import hashlib
import time
from contextlib import contextmanager

from asgiref.local import Local
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import router, transaction
from django.http import HttpResponseNotModified
from django.utils.cache import patch_vary_headers

GENERATION_KEY = "pagecache:generation"
PATH_VERSION_KEY = "pagecache:path:{}"
# Pages may hold a form: its CSRF token is written as this marker, stored so in the cache, and
# replaced with the visitor's own token whenever the page is served (csrf_hole template tag).
CSRF_HOLE = "__csrf_token_hole__"
CSRF_HOLE_BYTES = CSRF_HOLE.encode()
EXCLUDED_PREFIXES = ("/admin/", "/django-admin/", "/static/", "/media/", "/api/", "/_util/",
                     "/evaluation/download.", "/open-data/powers.")  # fmt: skip
# Query parameters the public pages use; a request with any other is answered but not stored,
# so arbitrary query strings cannot fill the cache.
CACHEABLE_PARAMETERS = frozenset(
    {"type", "dept", "status", "page", "all", "power", "state", "month", "period"}
)


def _path_key(path: str) -> str:
    return PATH_VERSION_KEY.format(hashlib.sha256(path.encode()).hexdigest()[:32])


def current_generation(path: str | None = None):
    """The generation number, and with `path` also the version of that one page (one round
    trip to the shared cache either way)."""
    shared = caches["default"]
    if path is None:
        generation = shared.get(GENERATION_KEY)
    else:
        key = _path_key(path)
        values = shared.get_many([GENERATION_KEY, key])
        generation = values.get(GENERATION_KEY)
        if generation is not None:
            version = values.get(key)
            if version is None:
                # Like the generation: a lost version starts from the clock, so that a page
                # stored under an older version can never come back.
                shared.add(key, time.time_ns(), timeout=None)
                version = shared.get(key, 0)
            return f"{generation}.{version}"
    if generation is None:
        # A lost key (cache cleared, Redis restarted or evicted) must never bring back a number
        # under which old pages may still be stored: start from the clock, not from 1.
        shared.add(GENERATION_KEY, time.time_ns(), timeout=None)
        generation = shared.get(GENERATION_KEY, 0)
    return generation if path is None else current_generation(path)


def invalidate_paths(paths):
    """Make the cached copies of these pages stale (and only these), in every process: for
    what changes one page, like a rating counted at once. A new version is a fresh clock value
    (written without reading, so concurrent changes never lose one)."""
    version = time.time_ns()
    shared = caches["default"]
    values = {_path_key(path): version for path in paths}
    if isinstance(shared, DatabaseCache):
        _database_set_many(shared, values)
        return
    shared.set_many(values, timeout=None)


def _database_set_many(shared: DatabaseCache, values: dict) -> None:
    """Versions written to the database cache in one statement. Django's DatabaseCache writes
    each key with four statements (a count for culling, a savepoint, a read, a write): a
    business system's batch makes some ten pages stale, fifty statements a batch. This writes
    the rows createcachetable defines, as DatabaseCache writes them (pickled, base64, never
    expiring), with one INSERT … ON CONFLICT (PostgreSQL and SQLite); reading them back is
    DatabaseCache's own business."""
    import base64
    import datetime
    import pickle

    from django.db import connections

    alias = router.db_for_write(shared.cache_model_class)
    connection = connections[alias]
    quote = connection.ops.quote_name
    expires = connection.ops.adapt_datetimefield_value(datetime.datetime.max.replace(microsecond=0))
    rows, params = [], []
    for key, value in values.items():
        encoded = base64.b64encode(pickle.dumps(value, shared.pickle_protocol)).decode("latin1")
        rows.append("(%s, %s, %s)")
        params += [shared.make_and_validate_key(key), encoded, expires]
    table, column = quote(shared._table), quote("cache_key")
    sql = (
        f"INSERT INTO {table} ({column}, {quote('value')}, {quote('expires')}) "  # noqa: S608 - names quoted, values bound
        f"VALUES {', '.join(rows)} ON CONFLICT ({column}) DO UPDATE SET "
        f"{quote('value')} = excluded.{quote('value')}, "
        f"{quote('expires')} = excluded.{quote('expires')}"
    )
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute(sql, params)


_deferral = Local()


@contextmanager
def deferred_invalidation():
    """Within a bulk write, invalidate once at the end instead of once per published page."""
    if getattr(_deferral, "active", False):
        yield
        return
    _deferral.active, _deferral.requested = True, False
    try:
        yield
    finally:
        requested = _deferral.requested
        _deferral.active = _deferral.requested = False
        if requested:
            invalidate()


def invalidate(**_kwargs):
    """Make every cached public page stale, in every process.

    The generation is bumped at once and again when the surrounding transaction commits: a
    request that read the old rows in between must not leave a stale page behind.
    """
    if getattr(_deferral, "active", False):
        _deferral.requested = True
        return
    _bump()
    if not transaction.get_autocommit():
        transaction.on_commit(_bump)


def _bump():
    shared = caches["default"]
    try:
        shared.incr(GENERATION_KEY)
        # incr() on some backends (the database cache) re-stores the key with the default
        # timeout: make it permanent again.
        shared.touch(GENERATION_KEY, None)
    except ValueError:
        shared.set(GENERATION_KEY, time.time_ns(), timeout=None)


def connect_invalidation():
    """Bump the generation whenever published pages change; other published content (laws)
    is registered by its own app with invalidate_on_change()."""
    from django.db.models.signals import post_delete
    from wagtail.models import Page, PageViewRestriction, Site
    from wagtail.signals import page_published, page_unpublished, post_page_move

    page_published.connect(invalidate, dispatch_uid="pagecache-published")
    page_unpublished.connect(invalidate, dispatch_uid="pagecache-unpublished")
    post_page_move.connect(invalidate, dispatch_uid="pagecache-moved")
    post_delete.connect(_page_deleted, sender=Page, dispatch_uid="pagecache-page-deleted")
    invalidate_on_change(Site, PageViewRestriction)


def invalidate_on_change(*models):
    """Every saved or deleted row of these models makes the public pages stale (for content
    that pages show but that is not itself a page: a law, its articles)."""
    from django.db.models.signals import post_delete, post_save

    for model in models:
        label = model._meta.label_lower
        post_save.connect(invalidate, sender=model, dispatch_uid=f"pagecache-save-{label}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"pagecache-del-{label}")


def _page_deleted(instance, **kwargs):
    invalidate()


CACHEABLE_TYPES = ("text/", "application/json", "application/xml", "application/rss+xml",
                   "application/atom+xml", "image/svg+xml")  # fmt: skip


class PublicPageCacheMiddleware:
    """Serve anonymous GETs of public pages from the page cache; store what is cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.pages = caches["pages"]

    def __call__(self, request):
        if not self._cacheable_request(request):
            return self._fill_csrf_hole(request, self.get_response(request))
        key = self._key(request)
        cached = self.pages.get(key)
        if cached is not None:
            etag = cached.get("ETag")
            if etag and request.headers.get("If-None-Match") == etag:
                return HttpResponseNotModified(headers={"ETag": etag})
            cached["X-Page-Cache"] = "hit"
            return self._fill_csrf_hole(request, cached)
        response = self.get_response(request)
        if self._cacheable_response(response):
            response["X-Page-Cache"] = "miss"
            self.pages.set(key, response)
        return self._fill_csrf_hole(request, response)

    @staticmethod
    def _fill_csrf_hole(request, response):
        """The visitor's own CSRF token where the page has a form. The CSRF middleware (outside
        this one) then sets the visitor's CSRF cookie if they have none yet."""
        if (
            getattr(response, "streaming", False)
            or not hasattr(response, "content")
            or CSRF_HOLE_BYTES not in response.content
        ):
            return response
        from django.middleware.csrf import get_token

        response.content = response.content.replace(CSRF_HOLE_BYTES, get_token(request).encode())
        patch_vary_headers(response, ["Cookie"])
        return response

    @staticmethod
    def _cacheable_request(request):
        if not getattr(settings, "PAGE_CACHE_ENABLED", True):
            return False
        if request.method not in ("GET", "HEAD"):
            return False
        if request.path.startswith(EXCLUDED_PREFIXES):
            return False
        if not CACHEABLE_PARAMETERS.issuperset(request.GET.keys()):
            return False
        # Editors (who may see the userbar) and anyone with a session go to the live view.
        return settings.SESSION_COOKIE_NAME not in request.COOKIES

    @staticmethod
    def _cacheable_response(response):
        # Pages and documents of text; files (a chart's PNG, a guide's PDF) are kept per
        # revision in the shared cache by their own views, not once more per process.
        content_type = response.get("Content-Type", "")
        return (
            content_type.startswith(CACHEABLE_TYPES)
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "private" not in response.get("Cache-Control", "")
            and "no-store" not in response.get("Cache-Control", "")
        )

    @staticmethod
    def _key(request):
        location = f"{request.get_host()}{request.get_full_path()}"
        digest = hashlib.sha256(location.encode()).hexdigest()
        return f"{current_generation(request.path)}:{request.method}:{digest}"
