"""Counting events per key and window, exactly, in every process: rate limits.

With Redis as the shared cache (REDIS_URL) the count is Redis's atomic INCR. Without it (the
embedded default, a database cache whose increments are a read and a write), the count is one
atomic statement in the database: INSERT … ON CONFLICT DO UPDATE … RETURNING (SQLite ≥ 3.35,
PostgreSQL), so concurrent requests never both see the same count. Keys are stored hashed: an
address or a phone number never sits in the table."""

import hashlib
import random
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from .models import RateCounter

# One insert in this many also deletes the windows that have ended.
CLEANUP_EVERY = 500


def _store() -> str:
    configured = getattr(settings, "RATE_LIMIT_STORE", "auto")
    if configured != "auto":
        return configured
    backend = settings.CACHES["default"]["BACKEND"]
    return "cache" if backend.endswith("RedisCache") else "database"


def _clock() -> float:
    return time.time()


def count(name: str, key: str, window_seconds: int) -> int:
    """Count one more event for `key` in the current window; returns the count so far."""
    bucket = int(_clock() // window_seconds)
    digest = hashlib.sha256(f"{name}\x1f{key}\x1f{bucket}".encode()).hexdigest()[:40]
    if _store() == "cache":
        return _cache_increment(f"rate:{digest}", window_seconds)
    expires = timezone.now() + timezone.timedelta(seconds=window_seconds + 5)
    return _database_increment(digest, expires)


def allow(name: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one more event for `key`; False once more than `limit` happened in this window."""
    return count(name, key, window_seconds) <= limit


def _cache_increment(cache_key, window_seconds) -> int:
    try:
        return cache.incr(cache_key)
    except ValueError:  # the first event of this window
        if cache.add(cache_key, 1, timeout=window_seconds + 5):
            return 1
        return cache.incr(cache_key)  # someone else added it just now


def _database_increment(digest, expires) -> int:
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, count, expires_at) VALUES (%s, 1, %s) "  # noqa: S608
            f"ON CONFLICT (key) DO UPDATE SET count = {table}.count + 1 RETURNING count",
            [digest, expires],
        )
        value = cursor.fetchone()[0]
    if random.randrange(CLEANUP_EVERY) == 0:  # noqa: S311 - housekeeping, not security
        RateCounter.objects.filter(expires_at__lt=timezone.now()).delete()
    return value


def client_ip(request) -> str:
    """The visitor's address: REMOTE_ADDR, or the last hop of X-Forwarded-For when the request
    came through one of FEEDBACK_TRUSTED_PROXIES (the site's own reverse proxy)."""
    remote = request.META.get("REMOTE_ADDR", "")
    if remote in settings.FEEDBACK_TRUSTED_PROXIES:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1][:45]
    return remote[:45]


class Guessing(Exception):
    """Too many wrong answers for one number today (see `guarded_lookup`)."""


def guarded_lookup(name: str, number: str, source: str, find, *, per_source: int,
                   per_number: int, window: int = 86400):  # fmt: skip
    """`find()` for a number that a verifier protects (a receipt's phone digits, a password),
    with the limits against guessing: `per_source` wrong answers for the number from one
    source in a window lock that source out of the number (a stranger cannot lock the owner
    out); `per_number` from all sources together lock the number. Raises Guessing when locked,
    right answer or not."""
    number_key = f"{name}:locked:{number}"
    source_key = f"{number_key}:{source}"
    if any(cache.get_many([number_key, source_key]).values()):
        raise Guessing()
    found = find()
    if found is None:
        if not allow(f"{name}-source", f"{number}|{source}", per_source, window):
            cache.set(source_key, True, timeout=window)
            raise Guessing()
        if not allow(name, number, per_number, window):
            cache.set(number_key, True, timeout=window)
            raise Guessing()
    return found
