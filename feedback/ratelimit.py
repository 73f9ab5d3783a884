"""Counting requests in the shared cache (Redis in production, the database by default), so
that every worker sees the same counts."""

import time

from django.conf import settings
from django.core.cache import cache


def allow(name: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one more event for `key`; False once more than `limit` happened in this window.
    Exact with Redis (atomic INCR); the database cache may let a burst exceed it slightly."""
    bucket = int(time.time() // window_seconds)
    cache_key = f"rate:{name}:{key}:{bucket}"
    try:
        count = cache.incr(cache_key)
    except ValueError:  # the first event of this window
        if cache.add(cache_key, 1, timeout=window_seconds + 5):
            count = 1
        else:  # someone else added it just now
            count = cache.incr(cache_key)
    return count <= limit


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
