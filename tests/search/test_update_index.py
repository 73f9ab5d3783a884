"""`update_index` over a catalogue that has not changed rewrites nothing, in either search index,
and still repairs what changed behind their backs; Wagtail's own index holds exactly what
modelsearch's own would write."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from wagtail.search.models import IndexEntry

from catalogue.models import PowerPage
from catalogue.services import powers_bulk_upsert
from laws.models import Law
from search.documents import index_objects
from search.engine import search_hall
from search.models import DocumentKind, SearchDocument
from tests.factories import road_transport_licence

pytestmark = pytest.mark.django_db

ENTRY_COLUMNS = ("title", "autocomplete", "body", "title_norm", "title_text", "body_text")


def update_index(backend=None):
    call_command("update_index", backend_name=backend, stdout=io.StringIO())


def publish_three():
    items = [
        road_transport_licence(code=f"NIGHT-{n}", title=f"危险货物道路运输许可{n}")
        for n in range(3)
    ]
    powers_bulk_upsert(items, publish=True)


def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("Wagtail's own index is modelsearch's SQLite index, unchanged, on SQLite")


def entries():
    rows = IndexEntry.objects.values_list("content_type_id", "object_id", *ENTRY_COLUMNS)
    return {(row[0], row[1]): row[2:] for row in rows}


def row_versions(table):
    """Each row's id and the transaction that wrote its current version (PostgreSQL's xmin):
    a rewritten row gets a new one."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, xmin::text FROM {table}")  # noqa: S608
        return dict(cursor.fetchall())


def test_the_admins_search_index_holds_what_modelsearchs_own_index_writes():
    postgresql_only()
    publish_three()
    update_index("default")
    ours = entries()

    IndexEntry.objects.all().delete()
    stock = {"BACKEND": "wagtail.search.backends.database"}
    with override_settings(WAGTAILSEARCH_BACKENDS={"default": stock}):
        update_index("default")
    assert entries() == ours
    assert len(ours) >= 3
    # Titles, tags and cited laws are all in it, and the admin's search reads it as before.
    power = PowerPage.objects.get(code="NIGHT-1")
    assert list(PowerPage.objects.search("危险货物道路运输许可1")) == [power]


def test_an_unchanged_catalogue_indexed_again_rewrites_no_entry_a_changed_power_is_rewritten():
    postgresql_only()
    publish_three()
    update_index()
    table = IndexEntry._meta.db_table
    before = row_versions(table)

    update_index()
    assert row_versions(table) == before

    power = PowerPage.objects.get(code="NIGHT-2")
    entry = IndexEntry.objects.get(object_id=str(power.pk), content_type__model="powerpage")
    powers_bulk_upsert(
        [road_transport_licence(code="NIGHT-2", title="危险货物道路运输许可证补领")], publish=True
    )
    after = row_versions(table)
    assert after[entry.pk] != before[entry.pk]
    assert {pk: v for pk, v in after.items() if pk != entry.pk} == {
        pk: v for pk, v in before.items() if pk != entry.pk
    }
    entry.refresh_from_db()
    assert entry.title_text == "危险货物道路运输许可证补领"
    # Its title norm is set as modelsearch sets it: the mean title length over its own.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT AVG(LENGTH(title))::float FROM {table} WHERE LENGTH(title) > 0")  # noqa: S608
        (mean,) = cursor.fetchone()
        cursor.execute(f"SELECT LENGTH(title) FROM {table} WHERE id = %s", [entry.pk])  # noqa: S608
        assert entry.title_norm == pytest.approx(mean / cursor.fetchone()[0])
    assert list(PowerPage.objects.search("危险货物道路运输许可证补领")) == [power]


def test_the_halls_index_rebuilt_over_an_unchanged_catalogue_writes_nothing_and_repairs_the_rest():
    publish_three()
    update_index("hall")
    documents = dict(SearchDocument.objects.values_list("pk", "object_id"))
    table = SearchDocument._meta.db_table

    with CaptureQueriesContext(connection) as queries:
        update_index("hall")
    writes = [q["sql"] for q in queries if q["sql"].startswith(("INSERT", "DELETE", "UPDATE"))]
    assert not [sql for sql in writes if table in sql]
    assert dict(SearchDocument.objects.values_list("pk", "object_id")) == documents

    # What changed behind the index's back (a raw update, a row left over) is still repaired.
    renamed = PowerPage.objects.get(code="NIGHT-0")
    PowerPage.objects.filter(pk=renamed.pk).update(title="危险化学品道路运输许可")
    left_over = SearchDocument.objects.create(
        kind=DocumentKind.POWER, object_id=10**9, title="已删除的事项", url="/gone/"
    )
    update_index("hall")
    assert not SearchDocument.objects.filter(pk=left_over.pk).exists()
    assert [h.document.object_id for h in search_hall("危险化学品道路运输许可").hits][:1] == [
        renamed.pk
    ]
    kept = dict(SearchDocument.objects.values_list("pk", "object_id"))
    assert {pk: o for pk, o in documents.items() if o != renamed.pk} == {
        pk: o for pk, o in kept.items() if o != renamed.pk
    }


def test_a_law_indexed_again_keeps_its_unchanged_articles_and_drops_one_it_no_longer_has():
    law = Law.objects.get(title="中华人民共和国行政许可法")
    index_objects(Law, [law])
    articles = law.articles.order_by("sort_order")
    amended, repealed = articles[11], articles[12]  # 第十二条, 第十三条
    assert search_hall("行政许可法 第十三条").articles
    documents = dict(
        SearchDocument.objects.filter(kind=DocumentKind.ARTICLE).values_list("object_id", "pk")
    )

    amended.text = "下列事项可以设定行政许可：特别修订的条文。"
    amended.save()
    repealed_pk = repealed.pk
    repealed.delete()
    index_objects(Law, [law])

    now = dict(
        SearchDocument.objects.filter(kind=DocumentKind.ARTICLE).values_list("object_id", "pk")
    )
    assert repealed_pk in documents and repealed_pk not in now
    assert now[amended.pk] != documents[amended.pk]
    unchanged = set(documents) - {amended.pk, repealed_pk}
    assert {o: documents[o] for o in unchanged} == {o: now[o] for o in unchanged}
    hits = search_hall("特别修订的条文").articles
    assert hits and hits[0].document.object_id == amended.pk
