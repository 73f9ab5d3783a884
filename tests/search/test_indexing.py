"""Powers written one at a time or in bulk are all in the search index, exactly once."""

import pytest
from django.contrib.contenttypes.models import ContentType
from wagtail.models import ReferenceIndex
from wagtail.search.models import IndexEntry

from catalogue.models import PowerPage
from catalogue.services import PowerData, power_upsert, powers_bulk_upsert
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
