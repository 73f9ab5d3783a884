"""What the database needs beside the domain's writes.

SQLite's query planner chooses by statistics (ANALYZE); without them it guesses every table to
be the same size and may scan 100,000 pages to find 34 departments (p50 of a search at 100,000
powers: 51 ms without statistics, 15 ms with). PostgreSQL keeps its own (autovacuum)."""

from django.db import connections

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


def _after_migrate(using="default", **_kwargs):
    refresh_statistics(using)


def connect():
    from django.db.models.signals import post_migrate

    post_migrate.connect(_after_migrate, dispatch_uid="common-statistics")
