"""Many powers at once: the bulk path leaves exactly what the one-at-a-time path leaves — the
page in the tree, its revision and audit log, its public record, its search and reference
entries — only faster; and a bad item anywhere leaves nothing behind."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from wagtail.models import Page, PageLogEntry, ReferenceIndex, Revision

from catalogue.models import DepartmentPage, PowerPage
from catalogue.services import CatalogueError, power_upsert, powers_bulk_upsert
from review.models import PowerPublication
from search.models import SearchDocument
from tests.factories import make_user, road_transport_licence

pytestmark = pytest.mark.django_db

SINGLE, BULK = "SINGLE-1", "BULK-1"


def state(code):
    """What a power leaves in the database, without what differs by nature (ids, positions)."""
    page = PowerPage.objects.get(code=code)
    revision = page.latest_revision
    as_of_revision = revision.as_object()
    skip = {"id", "page_ptr", "path", "slug", "url_path", "translation_key", "code",
            "latest_revision", "live_revision", "first_published_at", "last_published_at",
            "latest_revision_created_at"}  # fmt: skip
    fields = {f.name: getattr(page, f.attname) for f in PowerPage._meta.concrete_fields
              if f.name not in skip}  # fmt: skip
    for name in ("staff", "materials", "steps", "discretion"):
        fields[name] = [(b.block_type, b.block.get_prep_value(b.value)) for b in fields[name]]
    return {
        "fields": fields,
        "published": (page.live, page.first_published_at is not None,
                      page.live_revision_id == page.latest_revision_id),  # fmt: skip
        "bases": [(b.law_id, b.law_title, b.articles, b.quote) for b in page.legal_bases.all()],
        "tags": sorted(page.tags.names()),
        "revisions": Revision.objects.filter(object_id=str(page.pk)).count(),
        "revision_bases": [(b.law_id, b.articles) for b in as_of_revision.legal_bases.all()],
        "revision_tags": sorted(t.name for t in as_of_revision.tags.all()),
        "revision_user": revision.user.username,
        "log": sorted(PageLogEntry.objects.filter(page=page).values_list("action", flat=True)),
        "publication": list(PowerPublication.objects.filter(power=page)
                            .values_list("is_creation", "revision_id")),  # fmt: skip
        "indexed": SearchDocument.objects.filter(kind="power", object_id=page.pk).count(),
        # content paths name the child rows (legal_bases.<id>.law): keep what they point at;
        # the page's own entries only (a law with the same id has its own)
        "references": sorted(
            (to_type, to_id, model_path)
            for to_type, to_id, model_path in ReferenceIndex.objects.filter(
                base_content_type=ContentType.objects.get_for_model(Page), object_id=str(page.pk))
            .values_list("to_content_type", "to_object_id", "model_path")
        ),
    }  # fmt: skip


def test_bulk_creation_leaves_what_one_at_a_time_creation_leaves(client):
    admin = make_user("importer", superuser=True)
    power_upsert(data=road_transport_licence(code=SINGLE), user=admin, publish=True)
    powers_bulk_upsert([road_transport_licence(code=BULK)], user=admin, publish=True)

    single, bulk = state(SINGLE), state(BULK)
    single["publication"] = [(c, bool(r)) for c, r in single["publication"]]
    bulk["publication"] = [(c, bool(r)) for c, r in bulk["publication"]]
    assert bulk == single
    assert bulk["bases"] and bulk["tags"] and bulk["references"] and bulk["indexed"] == 1
    assert bulk["log"] == ["wagtail.create", "wagtail.edit", "wagtail.publish"]

    # the tree is sound, and the pages work in the hall and in the admin
    assert Page.find_problems() == ([], [], [], [], [])
    department = DepartmentPage.objects.get(code="TRANSPORT")
    assert department.numchild == department.get_children().count() == 2
    page = PowerPage.objects.get(code=BULK)
    assert client.get(page.url).status_code == 200
    client.force_login(admin)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).status_code == 200


def test_many_new_powers_are_placed_one_after_another_in_their_departments():
    items = [road_transport_licence(code=f"MANY-{n:03d}", title=f"道路货物运输经营许可（{n}）",
                                    department_code="TRANSPORT" if n % 2 else "APPROVAL")
             for n in range(1, 41)]  # fmt: skip
    report = powers_bulk_upsert(items, publish=True, chunk_size=16)
    assert report.created == 40
    assert Page.find_problems() == ([], [], [], [], [])
    for code in ("TRANSPORT", "APPROVAL"):
        department = DepartmentPage.objects.get(code=code)
        assert department.numchild == 20 == department.get_children().live().count()
    assert SearchDocument.objects.filter(kind="power", code__startswith="MANY-").count() == 40
    # the same items again: nothing new, no new revision
    revisions = Revision.objects.count()
    again = powers_bulk_upsert(items, publish=True, chunk_size=16)
    assert (again.created, again.unchanged) == (0, 40)
    assert Revision.objects.count() == revisions


def test_a_large_import_finds_each_departments_place_without_reading_the_whole_tree():
    """A batch of 1,000 new powers took a second longer in a catalogue of 100,000 than in one of
    1,000: SQLite read every page of the tree to find a department's last child (a LIKE on the
    path, which its index cannot answer). Every statement the import runs on the page tree now
    finds its rows through an index, so a batch costs the same however large the tree is."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's query plans; PostgreSQL's path index answers prefixes too")
    powers_bulk_upsert([road_transport_licence(code="FIRST-1")], publish=True)
    items = [road_transport_licence(code=f"PLACE-{n}", title=f"道路货物运输经营许可（{n}）")
             for n in range(3)]  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        powers_bulk_upsert(items, publish=True)
    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT")
             and 'FROM "wagtailcore_page"' in q["sql"]]  # fmt: skip
    assert reads
    with connection.cursor() as cursor:
        for sql in reads:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            steps = [row[-1] for row in cursor.fetchall() if "wagtailcore_page" in row[-1]]
            assert all(step.startswith("SEARCH") for step in steps), (sql, steps)
    assert PowerPage.objects.filter(code__startswith="PLACE-").count() == 3
    assert Page.find_problems() == ([], [], [], [], [])


def test_a_code_whose_address_is_taken_gets_the_next_free_one():
    # An editor gave an earlier page the address a new code would have, and its -2 as well.
    powers_bulk_upsert([road_transport_licence(code="OLD-1")], publish=True)
    powers_bulk_upsert([road_transport_licence(code="OLD-2")], publish=True)
    PowerPage.objects.filter(code="OLD-1").update(slug="clash-1")
    PowerPage.objects.filter(code="OLD-2").update(slug="clash-1-2")
    items = [road_transport_licence(code="CLASH-1"), road_transport_licence(code="FREE-1")]
    powers_bulk_upsert(items, publish=True)
    assert PowerPage.objects.get(code="CLASH-1").slug == "clash-1-3"
    assert PowerPage.objects.get(code="FREE-1").slug == "free-1"
    assert Page.find_problems() == ([], [], [], [], [])


def test_a_bad_item_anywhere_leaves_nothing_behind_the_others_alone_are_written():
    items = [road_transport_licence(code=f"OK-{n}") for n in range(3)]
    items.append(road_transport_licence(code="BAD-1", legal_time_limit=5, promised_time_limit=9))
    before = (Page.objects.count(), Revision.objects.count(), PageLogEntry.objects.count(),
              SearchDocument.objects.count())  # fmt: skip
    with pytest.raises(CatalogueError, match="BAD-1.*承诺办结时限不得长于法定办结时限"):
        powers_bulk_upsert(items, publish=True)
    after = (Page.objects.count(), Revision.objects.count(), PageLogEntry.objects.count(),
             SearchDocument.objects.count())  # fmt: skip
    assert after == before
    assert powers_bulk_upsert(items[:3], publish=True).created == 3
    assert PowerPage.objects.filter(code__startswith="OK-", live=True).count() == 3


def test_an_over_long_name_is_refused_in_chinese_the_longest_allowed_is_kept():
    with pytest.raises(CatalogueError, match="事项 LONG-1：.*名称"):
        powers_bulk_upsert([road_transport_licence(code="LONG-1", title="长" * 300)])
    assert not PowerPage.objects.filter(code="LONG-1").exists()
    longest = PowerPage._meta.get_field("title").max_length
    assert powers_bulk_upsert([road_transport_licence(code="LONG-1", title="长" * longest)]).created
    assert PowerPage.objects.get(code="LONG-1").title == "长" * longest


def test_after_a_large_import_the_database_knows_how_large_its_tables_are(
    django_capture_on_commit_callbacks, monkeypatch
):
    """The planner chooses by statistics: without them SQLite may scan every page to find the
    few departments (a search at 100,000 powers took 51 ms at the median instead of 15), and
    PostgreSQL (autovacuum off, or not yet come round) read every power's vector instead of
    asking the full-text index. A bulk write of many powers refreshes them once it is
    committed; a small one does not."""
    from django.db import connection

    from catalogue.services import STATISTICS_AFTER

    def counted_pages():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'wagtailcore_page'")
                return max(0, int(cursor.fetchone()[0]))
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'wagtailcore_page' LIMIT 1")
            row = cursor.fetchone()
        return int(row[0].split()[0]) if row else 0

    def items(prefix, count):
        return [road_transport_licence(code=f"{prefix}-{n}", title=f"道路货物运输经营许可{n}")
                for n in range(count)]  # fmt: skip

    before = counted_pages()
    with django_capture_on_commit_callbacks(execute=True):
        powers_bulk_upsert(items("FEW", 20), publish=True)
    assert counted_pages() == before  # a few powers: not worth a look

    with django_capture_on_commit_callbacks(execute=True):
        powers_bulk_upsert(items("MANY", STATISTICS_AFTER), publish=True)
    grown = counted_pages()
    # PostgreSQL's ANALYZE reads a sample of the pages: in a table that earlier tests' rolled
    # back writes left large, the count is an estimate, a few rows off.
    assert grown >= 0.95 * (before + 20 + STATISTICS_AFTER)

    # As many again into a catalogue that has grown: a smaller share of it than the share
    # that pays for a look at every table (a tenth; here made larger than this write), left to
    # the daily sweep.
    from common import database

    monkeypatch.setattr(database, "UPKEEP_AFTER_GROWTH", 0.6)
    with django_capture_on_commit_callbacks(execute=True):
        powers_bulk_upsert(items("MORE", STATISTICS_AFTER), publish=True)
    assert counted_pages() == grown


def test_an_import_written_in_several_parts_refreshes_the_statistics_once(
    django_capture_on_commit_callbacks,
):
    """The spreadsheet import writes its rows a chunk at a time in one transaction: the
    statistics are refreshed once it commits, not once per chunk."""
    from django.db import transaction

    from catalogue.services import STATISTICS_AFTER
    from common.database import _refresher

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for part in ("A", "B"):
            items = [road_transport_licence(code=f"PART{part}-{n}", title=f"货运许可{part}{n}")
                     for n in range(STATISTICS_AFTER)]  # fmt: skip
            powers_bulk_upsert(items, publish=True)
    assert PowerPage.objects.filter(code__startswith="PART").count() == 2 * STATISTICS_AFTER
    assert [c for c in callbacks if c is _refresher("default")] == [_refresher("default")]
