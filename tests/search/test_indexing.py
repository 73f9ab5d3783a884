"""Powers written one at a time or in bulk are all in the search index, exactly once."""

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from wagtail.models import ReferenceIndex
from wagtail.search.models import IndexEntry

from catalogue.models import PowerPage
from catalogue.services import PowerData, power_upsert, powers_bulk_upsert
from search.models import SearchDocument
from tests.factories import road_transport_licence

pytestmark = pytest.mark.django_db


def index_entries():
    content_type = ContentType.objects.get_for_model(PowerPage)
    return IndexEntry.objects.filter(content_type=content_type)


def test_a_bulk_write_indexes_every_power_once():
    items = [
        road_transport_licence(code=f"BULK-{n}", title=f"批量事项{n}", tags=[]) for n in range(25)
    ]
    powers_bulk_upsert(items, publish=True)
    assert index_entries().count() == 25
    found = PowerPage.objects.live().search("BULK")
    assert len(found) == 25


def test_a_bulk_write_records_law_references_for_usage_reports():
    powers_bulk_upsert([road_transport_licence()], publish=True)
    page = PowerPage.objects.get(code=road_transport_licence().code)
    law = page.legal_bases.first().law
    references = ReferenceIndex.get_references_to(law)
    assert references.filter(object_id=str(page.pk)).exists()


def test_a_single_change_is_reindexed_at_once():
    page = power_upsert(data=road_transport_licence(), publish=True).page
    power_upsert(
        data=PowerData(code=page.code, department_code="TRANSPORT", result_name="QWERTYZ证"),
        publish=True,
    )
    assert [p.pk for p in PowerPage.objects.live().search("QWERTYZ证")] == [page.pk]


def test_a_failed_bulk_write_leaves_no_index_entries_a_good_one_leaves_its_own():
    good = road_transport_licence(code="ROLLBACK-1")
    bad = road_transport_licence(code="ROLLBACK-2", department_code="NOPE")
    with pytest.raises(ValueError):
        powers_bulk_upsert([good, bad], publish=True)
    assert index_entries().count() == 0
    powers_bulk_upsert([good], publish=True)
    assert index_entries().count() == 1


# SQLite's full-text indexes grow by segments (one per committed write), merged now and then; a
# search looks a word up in each. At 100,000 powers, after `update_index`, 17 segments holding
# the old postings beside the new made every search four times slower than one merged index.
fulltext_upkeep = pytest.mark.django_db(transaction=True)


@pytest.fixture
def committed_base_data(transactional_db):
    """The base data, committed; SQLite's own background merging of the powers' index turned
    off meanwhile, so that the segments the test counts are the ones its writes made."""

    from tests.factories import load_base_data

    load_base_data()
    if connection.vendor != "sqlite":
        yield
        return
    automerge = (
        "INSERT INTO hall_search_name_fts(hall_search_name_fts, rank) VALUES ('automerge', %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(automerge, [0])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(automerge, [4])  # FTS5's default


def fulltext_segments(table="hall_search_name_fts"):

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(DISTINCT segid) FROM {table}_idx")  # noqa: S608
        return cursor.fetchone()[0]


def sqlite_only():

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's segments; PostgreSQL is vacuumed instead (below)")


def written_one_by_one(prefix, count):
    for n in range(count):
        data = road_transport_licence(code=f"{prefix}-{n}", title=f"危险货物运输许可{n}")
        power_upsert(data=data, publish=True)


@fulltext_upkeep
def test_after_update_index_each_search_index_is_in_one_piece(committed_base_data):
    from django.core.management import call_command

    from search.engine import search_hall

    sqlite_only()
    written_one_by_one("ONE", 4)
    assert fulltext_segments() > 1  # each publication committed a segment of its own

    call_command("update_index", backend_name="hall", stdout=io.StringIO())
    assert fulltext_segments() == 1
    assert fulltext_segments("hall_search_fts") == 1
    assert search_hall("危险货物运输许可").total == 4


def dead_rows(table):
    """The rows of `table` that writes left dead and no VACUUM has dropped yet (PostgreSQL's
    pgstattuple reads the table itself: the statistics views lag behind)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pgstattuple'")
        if cursor.fetchone() is None:
            pytest.skip("PostgreSQL's pgstattuple extension (contrib) is not installed")
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        cursor.execute("SELECT dead_tuple_count FROM pgstattuple(%s)", [table])
        return cursor.fetchone()[0]


@fulltext_upkeep
def test_on_postgresql_update_index_leaves_no_dead_rows_for_searches_to_read(
    committed_base_data,
):
    """update_index writes every document anew; without VACUUM each old row stays beside the
    new one, and a search's bitmap scan visits the pages of both (autovacuum may be off, or
    not yet come round)."""
    from django.core.management import call_command

    from search.engine import search_hall

    if connection.vendor != "postgresql":
        pytest.skip("SQLite's indexes are merged instead (the test above)")
    written_one_by_one("ONE", 4)
    table = SearchDocument._meta.db_table
    with connection.cursor() as cursor:  # a rewrite, as update_index makes, without upkeep
        cursor.execute(f"UPDATE {table} SET boost = boost")  # noqa: S608
    assert dead_rows(table) > 0

    call_command("update_index", backend_name="hall", stdout=io.StringIO())
    assert dead_rows(table) == 0
    assert search_hall("危险货物运输许可").total == 4


@fulltext_upkeep
def test_an_import_that_grows_the_catalogue_by_a_tenth_merges_the_index_a_small_one_leaves_it(
    committed_base_data,
):
    from catalogue.services import STATISTICS_AFTER

    sqlite_only()
    written_one_by_one("ONE", 3)
    segments = fulltext_segments()
    assert segments > 1

    small = [road_transport_licence(code=f"FEW-{n}", title=f"货运许可{n}") for n in range(20)]
    powers_bulk_upsert(small, publish=True)  # below STATISTICS_AFTER: no upkeep
    assert fulltext_segments() > segments

    many = [road_transport_licence(code=f"MANY-{n}", title=f"货运许可{n}")
            for n in range(STATISTICS_AFTER)]  # fmt: skip
    powers_bulk_upsert(many, publish=True)
    assert fulltext_segments() == 1
    assert SearchDocument.objects.filter(code__startswith="MANY-").count() == STATISTICS_AFTER


def test_on_postgresql_a_word_in_a_powers_name_weighs_more_than_in_its_materials():
    """PostgreSQL ranks with the fields' weights (name and code A, legal basis B, the rest C,
    character pairs D), as SQLite's bm25 does: the vectors keep a position, and so a weight,
    for every word (search migration 0007)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's tsvector only (SQLite weighs its FTS5 columns at query time)")
    powers_bulk_upsert([road_transport_licence()], publish=True)
    document = SearchDocument.objects.get(code=road_transport_licence().code)
    in_name = document.name_words.split()[0]
    elsewhere = set(document.name_words.split()) | set(document.basis_words.split())
    elsewhere |= set(document.grams.split()) | set(document.code_words.split())
    in_body = next(word for word in document.body_words.split() if word not in elsewhere)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ts_rank(vector, to_tsquery('simple', %s)), "  # noqa: S608 — a table name
            f"ts_rank(vector, to_tsquery('simple', %s)) FROM {SearchDocument._meta.db_table} "
            "WHERE id = %s",
            [in_name, in_body, document.pk],
        )
        name_rank, body_rank = cursor.fetchone()
    assert name_rank > 2 * body_rank > 0
