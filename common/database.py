"""What the database needs beside the domain's writes.

SQLite's query planner chooses by statistics (ANALYZE); without them it guesses every table to
be the same size and may scan 100,000 pages to find 34 departments (p50 of a search at 100,000
powers: 51 ms without statistics, 15 ms with). SQLite's full-text indexes (FTS5) grow by
segments, one per batch of writes, merged only now and then: after `update_index` at 100,000
powers a term is looked up in 17 segments holding the old postings beside the new, and a
search costs four times what it does on the index merged into one (compact_fulltext).
PostgreSQL's autovacuum refreshes statistics only after a tenth of a table changed, and only
where it runs (it is off on some servers): after 100,000 powers were written, or the hall's
index rebuilt, its planner had none and read every power's vector where the full-text index
would find the few that match (a search's side queries 53 ms instead of 5). Its statistics are
refreshed at the same moments as SQLite's. What merging is to SQLite's indexes, VACUUM is to
PostgreSQL's tables and GIN indexes: a document written anew leaves the old row beside the new
one until vacuumed; when `update_index` wrote every document anew at 100,000 powers with
autovacuum off, the hall's table held two dead rows for each live one, and a search for
许可 read 39,500 pages of it for 41,000 matches (524 ms; 107 ms vacuumed)."""

import functools

from django.db import connections, transaction

# Rows read per index: enough for the planner to tell a table of 30 rows from one of 100,000,
# and a fraction of a second at that size.
ANALYSIS_LIMIT = 1000


def refresh_statistics(using: str = "default") -> None:
    """Refresh the planner's statistics (SQLite and PostgreSQL; elsewhere nothing): after
    migrations (SQLite) and after writes that change the size of tables by much (a bulk import,
    the hall's index rebuilt). About 3 s on PostgreSQL at 100,000 powers."""
    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")


def compact_fulltext(using: str = "default") -> None:
    """Merge every full-text index (SQLite's FTS5 tables: the hall's search and Wagtail's) into
    one segment, dropping deleted postings; on PostgreSQL, VACUUM (ANALYZE) the database,
    dropping the rows and index entries that writes left dead (outside a transaction only;
    elsewhere nothing): after `update_index`, after writes that add much to the catalogue, and
    daily. About 8 s at 100,000 powers on SQLite, 7–21 s on PostgreSQL."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        if not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")
        return
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL "
            "TABLE % USING fts5%'"
        )
        for (name,) in cursor.fetchall():
            table = connection.ops.quote_name(name)
            cursor.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")  # noqa: S608


def maintain(using: str = "default") -> None:
    """Statistics and full-text indexes both: the daily job."""
    _upkeep(using)


def _upkeep(using):
    # PostgreSQL's VACUUM (ANALYZE) refreshes the statistics as it goes; inside a transaction,
    # where it cannot run, ANALYZE alone.
    connection = connections[using]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        refresh_statistics(using)
    compact_fulltext(using)


# A transaction whose writes grew the catalogue by this share or more has the planner's
# statistics refreshed and the full-text indexes merged when it commits. Both cost in proportion
# to the whole table (ANALYZE of 100,000 powers about 3 s on PostgreSQL): refreshed after every
# batch of 1,000, they took a fifth of the time of writing 100,000 powers, and the share grew
# with the catalogue. Below it the statistics still hold well enough (PostgreSQL scales their
# row counts to the table's current size; its autovacuum waits for the same share) and the
# daily sweep refreshes and merges what smaller writes added.
UPKEEP_AFTER_GROWTH = 0.1


def refresh_statistics_on_commit(using: str = "default", *, added: int = 0, total: int = 0):
    """Refresh them once the current transaction commits: once, however many bulk writes in it
    asked (an import writes its rows in several chunks). Each write says how many rows it
    `added` of the `total` there now; the refresh and the merge of the full-text indexes wait
    for writes that together added UPKEEP_AFTER_GROWTH of the total (a caller that says neither
    gets the refresh whatever it wrote)."""
    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    refresh = _refresher(using)
    if not any(func is refresh for _ids, func, _robust in connection.run_on_commit):
        # A new transaction (a rolled-back one leaves nothing waiting): its own count.
        connection.fulltext_growth = {"added": 0, "total": 0}
        transaction.on_commit(refresh, using=using)
    connection.fulltext_growth["added"] += added
    connection.fulltext_growth["total"] = max(connection.fulltext_growth["total"], total)


@functools.cache
def _refresher(using):
    """One callback per database, so that a transaction can tell it is already waiting."""
    return functools.partial(_after_commit, using)


def _after_commit(using):
    growth = getattr(connections[using], "fulltext_growth", None) or {"added": 0, "total": 0}
    if growth["added"] < UPKEEP_AFTER_GROWTH * growth["total"]:
        return
    if growth["total"]:
        _upkeep(using)
    else:
        refresh_statistics(using)


def _after_migrate(using="default", **_kwargs):
    # SQLite only: PostgreSQL's autovacuum analyzes new tables as they fill, and a test run's
    # every flush would pay for a whole ANALYZE.
    if connections[using].vendor == "sqlite":
        refresh_statistics(using)


def connect(app_config):
    """Statistics after `migrate`: once, when this app's post_migrate comes (every table then
    exists), not once per app."""
    from django.db.models.signals import post_migrate

    post_migrate.connect(_after_migrate, sender=app_config, dispatch_uid="common-statistics")
