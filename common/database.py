"""What the database needs beside the domain's writes.

SQLite's query planner chooses by statistics (ANALYZE); without them it guesses every table to
be the same size and may scan 100,000 pages to find 34 departments (p50 of a search at 100,000
powers: 51 ms without statistics, 15 ms with). PostgreSQL keeps its own (autovacuum)."""

import functools

from django.db import connections, transaction

# Rows read per index: enough for the planner to tell a table of 30 rows from one of 100,000,
# and a fraction of a second at that size.
ANALYSIS_LIMIT = 1000


def refresh_statistics(using: str = "default") -> None:
    """Refresh the planner's statistics (SQLite; elsewhere nothing): after migrations and after
    writes that change the size of tables by much (a bulk import)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")


def refresh_statistics_on_commit(using: str = "default") -> None:
    """Refresh them once the current transaction commits: once, however many bulk writes in it
    asked (an import writes its rows in several)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    refresh = _refresher(using)
    if any(func is refresh for _ids, func, _robust in connection.run_on_commit):
        return
    transaction.on_commit(refresh, using=using)


@functools.cache
def _refresher(using):
    """One callback per database, so that a transaction can tell it is already waiting."""
    return functools.partial(refresh_statistics, using)


def _after_migrate(using="default", **_kwargs):
    refresh_statistics(using)


def connect(app_config):
    """Statistics after `migrate`: once, when this app's post_migrate comes (every table then
    exists), not once per app."""
    from django.db.models.signals import post_migrate

    post_migrate.connect(_after_migrate, sender=app_config, dispatch_uid="common-statistics")
